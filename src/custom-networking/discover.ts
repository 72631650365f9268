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
import type {
  CustomNetworkingEc2,
  InstanceInfo,
  RouteTableInfo,
  SecurityGroupInfo,
  SubnetInfo,
  VpcInfo,
} from './ec2-types.js';
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
  readonly vpc: VpcInfo;
  readonly subnets: readonly SubnetInfo[];
  readonly routeTables: readonly RouteTableInfo[];
  readonly zones: readonly string[];
  readonly nodes: readonly InstanceInfo[];
  /** The nodes' groups and `--security-groups`, as EC2 knows them (unknown ids are absent). */
  readonly securityGroups: readonly SecurityGroupInfo[];
}

/**
 * @example
 * clusterTag('eksworkshop'); // 'kubernetes.io/cluster/eksworkshop'
 */
export const clusterTag = (cluster: string): string => `kubernetes.io/cluster/${cluster}`;

async function findVpc(ec2: CustomNetworkingEc2, options: DiscoverOptions): Promise<VpcInfo> {
  if (options.vpcId !== undefined) {
    const [vpc] = await ec2.describeVpcs({ ids: [options.vpcId] }).catch((error: unknown) => {
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
  const attempts: (() => Promise<VpcInfo[]>)[] = [
    () => ec2.describeVpcs({ tags: { Name: cluster } }),
    () => ec2.describeVpcs({ tags: { [clusterTag(cluster)]: undefined } }),
    async () => {
      const subnets = await ec2.describeSubnets({ tags: { [clusterTag(cluster)]: undefined } });
      const ids = [...new Set(subnets.map((s) => s.vpcId))];
      return ids.length === 0 ? [] : ec2.describeVpcs({ ids });
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
export async function discover(ec2: CustomNetworkingEc2, options: DiscoverOptions): Promise<VpcState> {
  const vpc = await findVpc(ec2, options);
  const nodeTags = {
    ...(options.cluster === undefined ? {} : { [clusterTag(options.cluster)]: undefined }),
    ...options.nodeTags,
  };
  const [subnets, routeTables, zones, nodes] = await Promise.all([
    ec2.describeSubnets({ vpcId: vpc.id }),
    ec2.describeRouteTables(vpc.id),
    ec2.describeAvailabilityZones(),
    ec2.describeInstances({ vpcId: vpc.id, tags: nodeTags }),
  ]);
  nodes.sort(
    (a, b) => a.availabilityZone.localeCompare(b.availabilityZone) || a.privateDnsName.localeCompare(b.privateDnsName),
  );
  const groupIds = [...new Set([...nodes.flatMap((n) => n.securityGroups), ...(options.securityGroups ?? [])])];
  const securityGroups = await ec2.describeSecurityGroups(groupIds);
  return { cluster: options.cluster, vpc, subnets, routeTables, zones, nodes, securityGroups };
}
