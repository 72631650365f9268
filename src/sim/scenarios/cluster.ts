/**
 * A cluster of N identical worker nodes, built programmatically for the cluster-scale benchmark: one VPC whose
 * CIDR blocks (10.0.0.0/16, then 10.1.0.0/16, ... as secondary blocks) each hold one large subnet, the subnets
 * spread over three zones, one node security group, and N instances of one type spread round-robin over the
 * subnets. Each subnet is `subnetPrefix` long (/16 by default: 65 531 usable addresses); `subnets` defaults to
 * enough subnets for ~40 addresses per node, at least three (one per zone), at most five (EC2's default quota of
 * CIDR blocks per VPC). EC2's default regional quota of 5000 network interfaces holds 1666 nodes of three ENIs;
 * `eniQuota` raises it, as the operator of a bigger cluster must.
 *
 * @example
 * const scenario = clusterScenario({ nodes: 1000 });
 * const store = new VpcStore({ region: scenario.region, clock });
 * scenario.build(store);
 * [...store.instances.values()].length; // 1000
 */
import { configureVpcSettings, associateVpcCidrBlock, createVpc } from '../state/ops-vpc.js';
import { createSubnet } from '../state/ops-subnet.js';
import { createSecurityGroup } from '../state/ops-sg.js';
import { eniSettings } from '../state/ops-eni-settings.js';
import { launchInstance } from '../state/ops-instance.js';
import type { VpcStore } from '../state/store.js';
import type { Scenario } from './types.js';

export const CLUSTER_NAME = 'scale';
const ZONES = ['a', 'b', 'c'] as const;
const MAX_BLOCKS = 5;

export interface ClusterScenarioOptions {
  readonly nodes: number;
  /** m5.large by default. */
  readonly instanceType?: string;
  /** Subnets (one per VPC CIDR block), 1..5; by default enough for ~40 addresses per node, at least 3. */
  readonly subnets?: number;
  /** Subnet prefix length within its /16 block, 16..28; 16 by default. */
  readonly subnetPrefix?: number;
  /** The region's quota of network interfaces; EC2's default (5000) when absent. */
  readonly eniQuota?: number;
}

function usable(prefix: number): number {
  return 2 ** (32 - prefix) - 5;
}

/** How many subnets the options ask for (see the module comment). */
export function clusterSubnetCount(options: ClusterScenarioOptions): number {
  if (options.subnets !== undefined) return options.subnets;
  const wanted = Math.ceil((options.nodes * 40) / usable(options.subnetPrefix ?? 16));
  return Math.min(MAX_BLOCKS, Math.max(ZONES.length, wanted));
}

/** The scenario for `options.nodes` nodes; see the module comment. */
export function clusterScenario(options: ClusterScenarioOptions): Scenario {
  const { nodes } = options;
  const instanceType = options.instanceType ?? 'm5.large';
  const prefix = options.subnetPrefix ?? 16;
  const count = clusterSubnetCount(options);
  if (!(Number.isInteger(nodes) && nodes >= 1)) throw new RangeError(`nodes must be an integer >= 1, got ${nodes}`);
  if (!(Number.isInteger(count) && count >= 1 && count <= MAX_BLOCKS))
    throw new RangeError(`subnets must be 1..${MAX_BLOCKS}, got ${count}`);
  if (!(Number.isInteger(prefix) && prefix >= 16 && prefix <= 28))
    throw new RangeError(`subnetPrefix must be 16..28, got ${prefix}`);
  const build = (store: VpcStore): void => {
    configureVpcSettings(store, { cidrAssociationDelayMs: 0 });
    if (options.eniQuota !== undefined) eniSettings(store).regionalEniQuota = options.eniQuota;
    const vpc = createVpc(store, { cidr: '10.0.0.0/16', tags: [{ key: 'Name', value: CLUSTER_NAME }] });
    for (let b = 1; b < count; b++) associateVpcCidrBlock(store, vpc.id, `10.${b}.0.0/16`);
    const group = createSecurityGroup(store, {
      vpcId: vpc.id,
      name: `${CLUSTER_NAME}-nodes`,
      description: 'worker nodes',
      tags: [{ key: `kubernetes.io/cluster/${CLUSTER_NAME}`, value: 'owned' }],
    });
    const subnets = Array.from({ length: count }, (_, b) =>
      createSubnet(store, {
        vpcId: vpc.id,
        cidr: `10.${b}.0.0/${prefix}`,
        availabilityZone: `${store.region}${ZONES[b % ZONES.length] ?? 'a'}`,
        tags: [
          { key: 'Name', value: `${CLUSTER_NAME}-${b}` },
          { key: `kubernetes.io/cluster/${CLUSTER_NAME}`, value: 'shared' },
        ],
      }),
    );
    for (let i = 0; i < nodes; i++) {
      const subnet = subnets[i % subnets.length];
      if (subnet === undefined) continue;
      launchInstance(store, {
        instanceType,
        subnetId: subnet.id,
        groups: [group.id],
        tags: [
          { key: 'Name', value: `${CLUSTER_NAME}-node-${i}` },
          { key: `kubernetes.io/cluster/${CLUSTER_NAME}`, value: 'owned' },
        ],
      });
    }
  };
  return {
    name: `cluster-${nodes}`,
    region: 'us-west-2',
    description: `${nodes} ${instanceType} nodes over ${count} /${prefix} subnets in three zones`,
    build,
  };
}
