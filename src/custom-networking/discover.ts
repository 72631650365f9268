/**
 * Reads the current state the workflow plans from: the cluster's VPC (by `--vpc-id`, its `Name` tag, its
 * `kubernetes.io/cluster/NAME` tag, or the VPC of subnets carrying that tag), its subnets and route tables, the
 * region's zones, the cluster's nodes (instances tagged `kubernetes.io/cluster/NAME`, narrowed by `--nodes`) and the
 * security groups involved. Read-only: plan and apply both start here, and apply comes back here to verify.
 *
 * @example
 * const state = await discover(ec2, { cluster: 'eksworkshop' });
 * state.vpc.id; state.nodes.length; // 'vpc-…', 3
 */
import {
  tagFilters,
  type Ec2Filter,
  type Ec2Instance,
  type Ec2RouteTable,
  type Ec2SecurityGroup,
  type Ec2Subnet,
  type Ec2Vpc,
  type Ec2VpcApi,
} from '../cloud/ec2/port.js';
import { CustomNetworkingError } from './errors.js';

export interface DiscoverOptions {
  readonly cluster?: string;
  readonly vpcId?: string;
  /** `--nodes`: extra instance tag filters (`key=value`, or `key` alone for "has the tag"). */
  readonly nodeTags?: Readonly<Record<string, string | undefined>>;
  /** `--security-groups`: looked up too, to check that they exist and are in the VPC. */
  readonly securityGroups?: readonly string[];
}

export interface VpcState {
  /** `--cluster`, or undefined with `--vpc-id` alone. */
  readonly cluster: string | undefined;
  readonly vpc: Ec2Vpc;
  readonly subnets: readonly Ec2Subnet[];
  readonly routeTables: readonly Ec2RouteTable[];
  readonly zones: readonly string[];
  readonly nodes: readonly Ec2Instance[];
  /** The nodes' groups and `--security-groups`, as EC2 knows them (unknown ids are absent). */
  readonly securityGroups: readonly Ec2SecurityGroup[];
}

/**
 * @example
 * clusterTag('eksworkshop'); // 'kubernetes.io/cluster/eksworkshop'
 */
export const clusterTag = (cluster: string): string => `kubernetes.io/cluster/${cluster}`;

/**
 * @example
 * inVpc('vpc-1'); // { name: 'vpc-id', values: ['vpc-1'] }
 */
export const inVpc = (vpcId: string): Ec2Filter => ({ name: 'vpc-id', values: [vpcId] });

/** Nodes are the instances that are, or are about to be, running. */
const LIVE_INSTANCES: Ec2Filter = { name: 'instance-state-name', values: ['pending', 'running'] };

async function findVpc(ec2: Ec2VpcApi, options: DiscoverOptions): Promise<Ec2Vpc> {
  if (options.vpcId !== undefined) {
    const [vpc] = await ec2.describeVpcs([options.vpcId]).catch((error: unknown) => {
      throw new CustomNetworkingError(
        'CN_VPC_NOT_FOUND',
        `VPC ${options.vpcId} does not exist in this region (${(error as Error).message})`,
        { vpcId: options.vpcId },
        error,
      );
    });
    if (vpc === undefined)
      throw new CustomNetworkingError('CN_VPC_NOT_FOUND', `VPC ${options.vpcId} does not exist in this region`, {
        vpcId: options.vpcId,
      });
    return vpc;
  }
  const cluster = options.cluster ?? '';
  const attempts: (() => Promise<Ec2Vpc[]>)[] = [
    () => ec2.findVpcs(tagFilters({ Name: cluster })),
    () => ec2.findVpcs(tagFilters({ [clusterTag(cluster)]: undefined })),
    async () => {
      const subnets = await ec2.describeSubnets(tagFilters({ [clusterTag(cluster)]: undefined }));
      return ec2.describeVpcs([...new Set(subnets.map((s) => s.vpcId))]);
    },
  ];
  for (const attempt of attempts) {
    const vpcs = await attempt();
    if (vpcs.length === 1 && vpcs[0] !== undefined) return vpcs[0];
    if (vpcs.length > 1) {
      throw new CustomNetworkingError(
        'CN_VPC_AMBIGUOUS',
        `${vpcs.length} VPCs match cluster '${cluster}' (${vpcs.map((v) => v.id).join(', ')}); pass --vpc-id`,
        { vpcIds: vpcs.map((v) => v.id) },
      );
    }
  }
  throw new CustomNetworkingError(
    'CN_VPC_NOT_FOUND',
    `no VPC is tagged Name=${cluster} or ${clusterTag(cluster)}, and no subnet carries ${clusterTag(cluster)}; pass --vpc-id`,
    { cluster },
  );
}

/**
 * Reads everything the plan needs; see the module comment.
 *
 * @example
 * const state = await discover(ec2, { cluster: 'eksworkshop', nodeTags: { 'alpha.eksctl.io/nodegroup-name': 'ng1-public' } });
 */
export async function discover(ec2: Ec2VpcApi, options: DiscoverOptions): Promise<VpcState> {
  const vpc = await findVpc(ec2, options);
  const nodeTags = {
    ...(options.cluster === undefined ? {} : { [clusterTag(options.cluster)]: undefined }),
    ...options.nodeTags,
  };
  const [subnets, routeTables, zones, nodes] = await Promise.all([
    ec2.describeSubnets([inVpc(vpc.id)]),
    ec2.describeRouteTables([inVpc(vpc.id)]),
    ec2.describeAvailabilityZones(),
    ec2.describeInstances([inVpc(vpc.id), LIVE_INSTANCES, ...tagFilters(nodeTags)]),
  ]);
  nodes.sort(
    (a, b) => a.availabilityZone.localeCompare(b.availabilityZone) || a.privateDnsName.localeCompare(b.privateDnsName),
  );
  const groupIds = [...new Set([...nodes.flatMap((n) => n.securityGroups), ...(options.securityGroups ?? [])])];
  // By the group-id filter: an unknown group is absent rather than failing the call (the plan refuses it by name).
  const securityGroups = await ec2.describeSecurityGroups([{ name: 'group-id', values: groupIds }]);
  return { cluster: options.cluster, vpc, subnets, routeTables, zones, nodes, securityGroups };
}
