/**
 * The seed's starting point: the `eksworkshop` VPC of the EKS workshop in ap-northeast-2, as its describe commands
 * show it — VPC 10.11.0.0/16 tagged `Name=eksworkshop`, one public /19 subnet per zone with the CloudFormation and
 * Kubernetes tags, a public route table explicitly associated with them, the cluster and node-group security
 * groups, and three m5.large workers of node group `ng1-public` at the seed's node addresses.
 */
import type { VpcStore } from '../state/store.js';
import { createVpc } from '../state/ops-vpc.js';
import { createSubnet } from '../state/ops-subnet.js';
import { createSecurityGroup } from '../state/ops-sg.js';
import { associateRouteTable, createRouteTable } from '../state/ops-routes.js';
import { launchInstance } from '../state/ops-instance.js';
import type { Scenario } from './types.js';

export const CLUSTER = 'eksworkshop';
const STACK_ID =
  'arn:aws:cloudformation:ap-northeast-2:123456789012:stack/eksworkshop/3c1848b0-c7f9-11ea-afac-0689b5dc6f6c';

export const EKSWORKSHOP_SUBNETS = [
  { cidr: '10.11.0.0/19', zone: 'a', index: 1 },
  { cidr: '10.11.32.0/19', zone: 'b', index: 2 },
  { cidr: '10.11.64.0/19', zone: 'c', index: 3 },
] as const;

/** The seed's worker addresses (node names ip-10-11-16-31..., ip-10-11-55-30..., ip-10-11-90-240...). */
export const EKSWORKSHOP_NODES = ['10.11.16.31', '10.11.55.30', '10.11.90.240'] as const;

function build(store: VpcStore): void {
  const vpc = createVpc(store, { cidr: '10.11.0.0/16', tags: [{ key: 'Name', value: CLUSTER }] });
  // aws:* tags cannot be set through CreateTags; CloudFormation sets them, so the scenario writes them directly.
  vpc.tags.set('aws:cloudformation:stack-name', CLUSTER);
  vpc.tags.set('aws:cloudformation:stack-id', STACK_ID);
  vpc.tags.set('aws:cloudformation:logical-id', 'VPC');

  const publicRoutes = createRouteTable(store, vpc.id, [
    { key: 'Name', value: `${CLUSTER}-PublicRouteTable` },
    { key: 'Network', value: 'Public' },
  ]);
  publicRoutes.tags.set('aws:cloudformation:stack-name', CLUSTER);
  publicRoutes.routes.push({ destinationCidrBlock: '0.0.0.0/0', gatewayId: store.newId('igw') });

  const cluster = createSecurityGroup(store, {
    vpcId: vpc.id,
    name: `eks-cluster-sg-${CLUSTER}-1234567890`,
    description:
      'EKS created security group applied to ENI that is attached to EKS Control Plane master nodes, as well as any managed workloads.',
    tags: [{ key: `kubernetes.io/cluster/${CLUSTER}`, value: 'owned' }],
  });
  const nodes = createSecurityGroup(store, {
    vpcId: vpc.id,
    name: `eksctl-${CLUSTER}-nodegroup-ng1-public-SG`,
    description: 'Communication between the control plane and worker nodes in group ng1-public',
    tags: [{ key: 'alpha.eksctl.io/nodegroup-name', value: 'ng1-public' }],
  });

  const subnets = EKSWORKSHOP_SUBNETS.map(({ cidr, zone, index }) => {
    const subnet = createSubnet(store, {
      vpcId: vpc.id,
      cidr,
      availabilityZone: `${store.region}${zone}`,
      mapPublicIpOnLaunch: true,
      tags: [
        { key: 'Name', value: `${CLUSTER}-PublicSubnet0${index}` },
        { key: `kubernetes.io/cluster/${CLUSTER}`, value: 'shared' },
        { key: 'kubernetes.io/role/elb', value: '1' },
      ],
    });
    subnet.tags.set('aws:cloudformation:stack-id', STACK_ID);
    subnet.tags.set('aws:cloudformation:logical-id', `PublicSubnet0${index}`);
    subnet.tags.set('aws:cloudformation:stack-name', CLUSTER);
    associateRouteTable(store, publicRoutes.id, subnet.id);
    return subnet;
  });

  EKSWORKSHOP_NODES.forEach((address, i) => {
    const subnet = subnets[i];
    if (subnet === undefined) return;
    launchInstance(store, {
      instanceType: 'm5.large',
      subnetId: subnet.id,
      groups: [cluster.id, nodes.id],
      privateIpAddress: address,
      tags: [
        { key: 'Name', value: `${CLUSTER}-ng1-public-Node` },
        { key: 'alpha.eksctl.io/nodegroup-name', value: 'ng1-public' },
        { key: 'alpha.eksctl.io/cluster-name', value: CLUSTER },
        { key: `kubernetes.io/cluster/${CLUSTER}`, value: 'owned' },
      ],
    });
  });
}

export const eksworkshop: Scenario = {
  name: 'eksworkshop',
  region: 'ap-northeast-2',
  description: "the seed's EKS workshop VPC: 10.11.0.0/16, three public /19 subnets (a/b/c), three m5.large nodes",
  build,
};
