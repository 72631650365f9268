/**
 * The EC2 port: the operations vpc-cni calls and EC2's answers as plain domain types. The one adapter is the AWS SDK
 * v3 client (client.ts); tests use the embedded VPC over HTTP or in-process stand-ins. No SDK type crosses this line.
 */
import type { EniId } from '../../ipam/types.js';
import type { InstanceLimits } from '../../limits/index.js';

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
  readonly tags: Readonly<Record<string, string>>;
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
  readonly tags: Readonly<Record<string, string>>;
}

/** A security group as EC2 describes it (custom-networking validation needs only its identity). */
export interface Ec2SecurityGroup {
  readonly id: string;
  readonly vpcId: string;
  readonly name: string;
}

export interface Ec2InstanceAttachments {
  readonly instanceId: string;
  readonly instanceType: string;
  /** Device indexes in use, per network card. */
  readonly deviceIndexes: readonly { readonly networkCardIndex: number; readonly deviceIndex: number }[];
}

export interface Ec2Filter {
  readonly name: string;
  readonly values: readonly string[];
}

export interface CreateEniRequest {
  readonly subnetId: string;
  readonly groups: readonly string[];
  readonly description: string;
  readonly tags: Readonly<Record<string, string>>;
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
 * The EC2 operations ipamd uses (reference §2.6). Every call goes through the adapter's one call path (client-side
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
  createTags(resourceIds: readonly string[], tags: Readonly<Record<string, string>>): Promise<void>;
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
