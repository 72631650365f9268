/**
 * The EC2 port: the operations vpc-cni calls and EC2's answers as plain domain types, split by consumer —
 * {@link Ec2Api} for ipamd, {@link Ec2VpcApi} for the custom-networking workflow — over one set of types. The one
 * adapter is the AWS SDK v3 client (client.ts), which serves both; tests use the embedded VPC over HTTP or in-process
 * stand-ins. No SDK type crosses this line.
 *
 * @example
 * const subnets = await ec2.describeSubnets([{ name: 'vpc-id', values: [vpcId] }, ...tagFilters({ Name: 'pods' })]);
 * const [vpc] = await ec2.describeVpcs([vpcId]); // Ec2Vpc, with its CIDR blocks and their states
 */
import type { EniId } from '../../ipam/types.js';
import type { InstanceLimits } from '../../limits/index.js';

/** A resource's tags, by key. */
export type Ec2Tags = Readonly<Record<string, string>>;

/** An ENI as EC2 describes it. */
export interface Ec2Eni {
  readonly id: EniId;
  readonly macAddress: string;
  readonly subnetId: string;
  readonly vpcId: string;
  readonly availabilityZone: string;
  readonly description: string;
  readonly status: string;
  readonly interfaceType: string;
  readonly privateIp: string;
  /** Secondary IPv4 addresses (the primary excluded). */
  readonly secondaryIps: readonly string[];
  /** Delegated IPv4 /28 prefixes. */
  readonly prefixes: readonly string[];
  readonly groups: readonly string[];
  readonly tags: Ec2Tags;
  readonly attachment?: {
    readonly id: string;
    readonly instanceId: string;
    readonly deviceIndex: number;
    readonly networkCardIndex: number;
    readonly deleteOnTermination: boolean;
    readonly status: string;
  };
}

export interface Ec2Subnet {
  readonly id: string;
  readonly vpcId: string;
  readonly cidr: string;
  readonly availabilityZone: string;
  readonly availableIpAddressCount: number;
  readonly tags: Ec2Tags;
}

/** A security group as EC2 describes it (custom networking needs only its identity). */
export interface Ec2SecurityGroup {
  readonly id: string;
  readonly vpcId: string;
  readonly name: string;
}

/** One IPv4 block of a VPC. */
export interface Ec2VpcCidrBlock {
  readonly associationId: string;
  readonly cidr: string;
  /** associating | associated | disassociating | disassociated | failing | failed */
  readonly state: string;
}

export interface Ec2Vpc {
  readonly id: string;
  /** The primary block. */
  readonly cidr: string;
  readonly cidrBlocks: readonly Ec2VpcCidrBlock[];
  readonly tags: Ec2Tags;
}

/** An instance as the custom-networking workflow sees it (ipamd reads only {@link Ec2InstanceAttachments}). */
export interface Ec2Instance {
  readonly id: string;
  readonly instanceType: string;
  readonly availabilityZone: string;
  readonly subnetId: string;
  readonly vpcId: string;
  readonly privateIp: string;
  /** The node name kubelet registers by default on EKS (ip-10-11-16-31.ap-northeast-2.compute.internal). */
  readonly privateDnsName: string;
  /** The primary ENI's groups, in EC2's order. */
  readonly securityGroups: readonly string[];
  readonly state: string;
  readonly tags: Ec2Tags;
}

export interface Ec2RouteTable {
  readonly id: string;
  readonly vpcId: string;
  readonly main: boolean;
  /** Explicit subnet associations. */
  readonly subnetIds: readonly string[];
}

export interface Ec2InstanceAttachments {
  readonly instanceId: string;
  readonly instanceType: string;
  /** Device indexes in use, per network card. */
  readonly deviceIndexes: readonly { readonly networkCardIndex: number; readonly deviceIndex: number }[];
}

/**
 * An EC2 filter (`vpc-id`, `tag:Name`, `tag-key`, ...): an item matches when its field equals one of the values. A
 * filter with no values matches nothing, so the adapter answers [] without sending the request.
 */
export interface Ec2Filter {
  readonly name: string;
  readonly values: readonly string[];
}

/**
 * Filters on tags: a value matches exactly, `undefined` matches any resource that has the key.
 *
 * @example
 * tagFilters({ Name: 'eksworkshop', 'kubernetes.io/cluster/eksworkshop': undefined });
 * // [{ name: 'tag:Name', values: ['eksworkshop'] }, { name: 'tag-key', values: ['kubernetes.io/cluster/eksworkshop'] }]
 */
export function tagFilters(tags: Readonly<Record<string, string | undefined>> = {}): Ec2Filter[] {
  return Object.entries(tags).map(([key, value]) =>
    value === undefined ? { name: 'tag-key', values: [key] } : { name: `tag:${key}`, values: [value] },
  );
}

export interface CreateSubnetRequest {
  readonly vpcId: string;
  readonly cidr: string;
  readonly availabilityZone: string;
  /** Set in the CreateSubnet call itself, so an interrupted caller never leaves an untagged subnet behind. */
  readonly tags: Ec2Tags;
}

export interface CreateEniRequest {
  readonly subnetId: string;
  readonly groups: readonly string[];
  readonly description: string;
  readonly tags: Ec2Tags;
  /**
   * A tag the adapter sets to the time each attempt is sent (RFC 3339), not the time ipamd decided to create: a
   * call that waited in the client budget or in retries must not look old to another node's leaked-ENI clean-up.
   */
  readonly stampTag?: string;
  /** Exactly one of the two. */
  readonly secondaryIpCount?: number;
  readonly prefixCount?: number;
}

/**
 * The EC2 operations ipamd uses [behaviour §2.6]. Every call goes through the adapter's one call path (client-side
 * rate limit, timing, metrics, retry, error mapping); failures are {@link CloudError}s.
 */
export interface Ec2Api {
  describeInstance(instanceId: string): Promise<Ec2InstanceAttachments>;
  createNetworkInterface(request: CreateEniRequest): Promise<Ec2Eni>;
  attachNetworkInterface(request: {
    eniId: EniId;
    instanceId: string;
    deviceIndex: number;
    networkCardIndex: number;
  }): Promise<string>;
  setDeleteOnTermination(eniId: EniId, attachmentId: string): Promise<void>;
  detachNetworkInterface(attachmentId: string): Promise<void>;
  /** Resolves when deleted, also when EC2 says it no longer exists. */
  deleteNetworkInterface(eniId: EniId): Promise<void>;
  assignPrivateIps(
    eniId: EniId,
    request: { count: number } | { prefixCount: number },
  ): Promise<{ ips: string[]; prefixes: string[] }>;
  unassignPrivateIps(
    eniId: EniId,
    request: { ips: readonly string[] } | { prefixes: readonly string[] },
  ): Promise<void>;
  /** By ids; an id EC2 does not know is dropped and reported in `missing` (reference: strip it and retry). */
  describeNetworkInterfaces(ids: readonly EniId[]): Promise<{ enis: Ec2Eni[]; missing: EniId[] }>;
  /** By filters, every page. */
  findNetworkInterfaces(filters: readonly Ec2Filter[]): Promise<Ec2Eni[]>;
  createTags(resourceIds: readonly string[], tags: Ec2Tags): Promise<void>;
  describeSubnets(filters: readonly Ec2Filter[]): Promise<Ec2Subnet[]>;
  modifyNetworkInterfaceGroups(eniId: EniId, groups: readonly string[]): Promise<void>;
  /**
   * Optional (custom networking checks ENIConfig security groups with it): groups matching the filters, every page.
   * Filter by `group-id` rather than passing ids, so that an unknown id is simply absent instead of failing the call.
   */
  describeSecurityGroups?(filters: readonly Ec2Filter[]): Promise<Ec2SecurityGroup[]>;
  /**
   * Optional (node start-up, for a type the built-in limits table does not know): EC2's DescribeInstanceTypes for
   * one type; undefined when EC2 does not know it either (InvalidInstanceType).
   */
  describeInstanceType?(instanceType: string): Promise<InstanceLimits | undefined>;
}

/**
 * The EC2 operations of the custom-networking workflow (plan, apply, validate): read the VPC, its subnets, route
 * tables, zones, nodes and groups; associate a CIDR block, create and tag subnets, associate route tables. The
 * calls it shares with ipamd have ipamd's signatures; failures are {@link CloudError}s as there.
 */
export interface Ec2VpcApi extends Pick<Ec2Api, 'describeSubnets' | 'createTags'> {
  /** By ids; an id EC2 does not know fails the call (CLOUD_NOT_FOUND, `InvalidVpcID.NotFound`), as EC2 does. */
  describeVpcs(ids: readonly string[]): Promise<Ec2Vpc[]>;
  /** By filters, every page. */
  findVpcs(filters: readonly Ec2Filter[]): Promise<Ec2Vpc[]>;
  /** By filters, every page; filter by `group-id` so that an unknown id is simply absent. */
  describeSecurityGroups(filters: readonly Ec2Filter[]): Promise<Ec2SecurityGroup[]>;
  describeInstances(filters: readonly Ec2Filter[]): Promise<Ec2Instance[]>;
  describeRouteTables(filters: readonly Ec2Filter[]): Promise<Ec2RouteTable[]>;
  /** The region's zone names, sorted. */
  describeAvailabilityZones(): Promise<string[]>;
  associateVpcCidrBlock(vpcId: string, cidr: string): Promise<Ec2VpcCidrBlock>;
  createSubnet(request: CreateSubnetRequest): Promise<Ec2Subnet>;
  /** Returns the association id. */
  associateRouteTable(routeTableId: string, subnetId: string): Promise<string>;
}
