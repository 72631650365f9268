/**
 * A discovered state shaped like the eksworkshop VPC, for the pure planning tests: VPC 10.11.0.0/16, three public
 * /19 subnets (a/b/c) explicitly associated with one route table, three m5.large nodes with two security groups.
 *
 * @example
 * const state = workshopState({ nodes: 2 });
 * buildPlan(state, { cidr: '100.64.0.0/16', subnetSize: 19 });
 */
import type { VpcState } from './discover.js';
import type { Ec2Instance, Ec2Subnet } from '../cloud/ec2/port.js';

export const ZONES = ['ap-northeast-2a', 'ap-northeast-2b', 'ap-northeast-2c'] as const;
export const GROUPS = ['sg-00000000000000001', 'sg-00000000000000002'] as const;

export function subnet(id: string, cidr: string, zone: string, tags: Record<string, string> = {}): Ec2Subnet {
  return { id, vpcId: 'vpc-1', cidr, availabilityZone: zone, availableIpAddressCount: 100, tags };
}

export function node(i: number, zone: string, type = 'm5.large'): Ec2Instance {
  return {
    id: `i-${i}`,
    instanceType: type,
    availabilityZone: zone,
    subnetId: `subnet-node-${zone.slice(-1)}`,
    vpcId: 'vpc-1',
    privateIp: `10.11.${i}.10`,
    privateDnsName: `ip-10-11-${i}-10.ap-northeast-2.compute.internal`,
    securityGroups: [...GROUPS],
    state: 'running',
    tags: {},
  };
}

export function workshopState(changes: Partial<VpcState> = {}): VpcState {
  return {
    cluster: 'eksworkshop',
    vpc: {
      id: 'vpc-1',
      cidr: '10.11.0.0/16',
      cidrBlocks: [{ associationId: 'a-1', cidr: '10.11.0.0/16', state: 'associated' }],
      tags: { Name: 'eksworkshop' },
    },
    subnets: ZONES.map((z, i) => subnet(`subnet-node-${z.slice(-1)}`, `10.11.${i * 32}.0/19`, z)),
    routeTables: [
      { id: 'rtb-main', vpcId: 'vpc-1', main: true, subnetIds: [] },
      { id: 'rtb-public', vpcId: 'vpc-1', main: false, subnetIds: ZONES.map((z) => `subnet-node-${z.slice(-1)}`) },
    ],
    zones: [...ZONES, 'ap-northeast-2d'],
    nodes: ZONES.map((z, i) => node(i + 1, z)),
    securityGroups: GROUPS.map((id) => ({ id, vpcId: 'vpc-1', name: id })),
    ...changes,
  };
}
