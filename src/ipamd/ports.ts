/**
 * The ports ipamd works through. Each has a real adapter (AWS SDK v3 for EC2 and IMDS, iproute2/iptables for the
 * host, a JSON file for the checkpoint) and is replaced by a fake or the embedded VPC in tests. Domain types here
 * are ipamd's view of EC2 and IMDS: no SDK types cross this line.
 */
import type { DatastoreSnapshot, EniId } from '../ipam/types.js';
import type { InstanceLimits } from '../limits/index.js';

// ---------------------------------------------------------------- EC2

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
  attachNetworkInterface(request: { eniId: EniId; instanceId: string; deviceIndex: number; networkCardIndex: number }): Promise<string>;
  setDeleteOnTermination(eniId: EniId, attachmentId: string): Promise<void>;
  detachNetworkInterface(attachmentId: string): Promise<void>;
  /** Resolves when deleted, also when EC2 says it no longer exists. */
  deleteNetworkInterface(eniId: EniId): Promise<void>;
  assignPrivateIps(eniId: EniId, request: { count: number } | { prefixCount: number }): Promise<{ ips: string[]; prefixes: string[] }>;
  unassignPrivateIps(eniId: EniId, request: { ips: readonly string[] } | { prefixes: readonly string[] }): Promise<void>;
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

// ---------------------------------------------------------------- IMDS

/** An attached ENI as IMDS shows it (reference §2.4). */
export interface ImdsEni {
  readonly mac: string;
  readonly eniId: EniId;
  readonly deviceNumber: number;
  readonly networkCard: number;
  readonly subnetId: string;
  readonly subnetCidr: string;
  readonly vpcId: string;
  /** Primary first. */
  readonly localIpv4s: readonly string[];
  readonly ipv4Prefixes: readonly string[];
  readonly securityGroupIds: readonly string[];
}

export interface InstanceIdentity {
  readonly instanceId: string;
  readonly instanceType: string;
  readonly region: string;
  readonly availabilityZone: string;
  readonly localIpv4: string;
  readonly primaryMac: string;
}

/** Typed IMDS getters for every path ipamd reads. Failures are {@link CloudError}s (code `IMDS_ERROR`). */
export interface Imds {
  identity(): Promise<InstanceIdentity>;
  macs(): Promise<string[]>;
  eni(mac: string, options?: { readonly prefixes?: boolean }): Promise<ImdsEni>;
  /**
   * Every attached ENI; the primary MAC forced to device 0 as the reference does. `primaryPrefixes: false` skips the
   * primary ENI's ipv4-prefix (custom networking never uses the primary ENI for pods).
   */
  attachedEnis(primaryMac: string, options?: { readonly primaryPrefixes?: boolean }): Promise<ImdsEni[]>;
  vpcIpv4Cidrs(mac: string): Promise<string[]>;
  securityGroupIds(mac: string): Promise<string[]>;
}

// ---------------------------------------------------------------- host network

export interface EniNetworkSpec {
  readonly mac: string;
  readonly deviceNumber: number;
  readonly primaryIp: string;
  readonly subnetCidr: string;
  readonly routeTableId: number;
  readonly mtu: number;
}

export interface SnatSpec {
  readonly primaryIp: string;
  readonly primaryInterface: string;
  readonly vpcCidrs: readonly string[];
  readonly excludeSnatCidrs: readonly string[];
  readonly externalSnat: boolean;
  readonly randomizeSnat: 'prng' | 'hashrandom' | 'none';
  readonly nodePortSupport: boolean;
  readonly connmark: number;
  readonly vethPrefix: string;
}

/** ipamd's host networking (reference §7.5–7.8), in the node's namespace. */
export interface HostNetwork {
  /** Name of the link with this MAC, or undefined. */
  linkByMac(mac: string): Promise<string | undefined>;
  setMtu(linkName: string, mtu: number): Promise<void>;
  /** Secondary ENI: link up, MTU, address, table `routeTableId` with gateway + default, rule 32765. */
  setupEni(spec: EniNetworkSpec): Promise<void>;
  /** Removes rule 32765 (and the table's routes) of an ENI being freed. */
  teardownEni(spec: Pick<EniNetworkSpec, 'primaryIp' | 'routeTableId'>): Promise<void>;
  /** SNAT, connmark and rule 1024 (§7.7–7.8); idempotent, run at start and when VPC CIDRs change. */
  setupSnat(spec: SnatSpec): Promise<void>;
  /** Rules 1535 for AWS_EXTERNAL_SERVICE_CIDRS. */
  setupExternalServiceRules(cidrs: readonly string[]): Promise<void>;
  /** Names of the host links, for the checkpoint's stale-pod check (§8). */
  linkNames(): Promise<string[]>;
  /** Deletes rules 512 `to ip` and 1536 `from ip` of a pod found stale. */
  deletePodRules(ip: string): Promise<void>;
}

// ---------------------------------------------------------------- checkpoint

/** Where the checkpoint text lives; the real adapter writes atomically (temp file, fsync, rename). */
export interface CheckpointStore {
  /** undefined when there is no checkpoint yet. */
  read(): Promise<string | undefined>;
  write(text: string): Promise<void>;
}

// ---------------------------------------------------------------- metrics and introspection

/** One EC2 or IMDS call, as the cloud adapters report it (for `awscni_aws_api_latency_ms` and the error counters). */
export interface AwsCallRecord {
  /** EC2 action (`AssignPrivateIpAddresses`) or IMDS operation (`GetMACs`, `GetLocalIPv4s`, ...). */
  readonly api: string;
  readonly kind: 'ec2' | 'imds';
  readonly ms: number;
  /** EC2's error code or a transport error name; absent on success. */
  readonly error?: string;
  /** HTTP status, when there was a response. */
  readonly status?: number;
  readonly attempts: number;
}

/**
 * ipamd's metrics through a narrow interface (the prom-client registry lives in the composition root). Names in
 * comments are the reference's `awscni_*` metrics (§6).
 */
export interface IpamdMetrics {
  /** awscni_aws_api_latency_ms, awscni_aws_api_error_count, awscni_ec2api_req_count, awscni_ec2api_error_count */
  awsCall(record: AwsCallRecord): void;
  /** awscni_ipamd_error_count{fn} */
  ipamdError(fn: string): void;
  /** awscni_ipamd_action_inprogress{fn} */
  actionInProgress(fn: string, delta: 1 | -1): void;
  /** awscni_reconcile_count{fn} */
  reconcile(fn: string): void;
  /** awscni_add_ip_req_count */
  addRequest(): void;
  /** awscni_del_ip_req_count{reason} */
  delRequest(reason: string): void;
  /** awscni_no_available_ip_addresses */
  noAvailableAddress(): void;
  /** awscni_force_removed_enis, awscni_force_removed_ips */
  forceRemoved(counts: { readonly enis: number; readonly ips: number }): void;
  /** awscni_eni_max, awscni_ip_max */
  poolLimits(limits: { readonly maxEnis: number; readonly maxIps: number }): void;
  /** awscni_eni_allocated, awscni_total_ip_addresses, awscni_assigned_ip_addresses, awscni_total_ipv4_prefixes,
   * awscni_assigned_ip_per_cidr{cidr}, awscni_assigned_ip_per_eni{eni} (series of vanished ENIs/CIDRs deleted) */
  datastore(snapshot: DatastoreSnapshot): void;
  /** Ours: awscni_subnet_available_ip_addresses{subnet_id,cidr,availability_zone} — free addresses per subnet. */
  subnets(subnets: readonly Ec2Subnet[]): void;
  /** awscni_ipamd_startup_duration_seconds */
  startup(seconds: number, success: boolean, failureReason: string): void;
}
