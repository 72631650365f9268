/**
 * Domain types shared by the datastore, the pool policy and their consumers (ipamd, introspection, the simulator).
 * Field names follow the reference's datastore (`pkg/ipamd/datastore`) so that introspection JSON can keep them.
 */

/** An ENI id such as `eni-0123456789abcdef0`. */
export type EniId = string;

/**
 * The CNI primary key of an allocation: (network name, CNI_CONTAINERID, CNI_IFNAME). JSON field names are the
 * reference's (`networkName`, `containerID`, `ifName`). The network name is the conflist name, `aws-cni`.
 */
export interface IpamKey {
  readonly networkName: string;
  readonly containerID: string;
  readonly ifName: string;
}

/** Pod facts stored with an allocation; all optional, as in the reference (`omitempty`). */
export interface IpamMetadata {
  readonly k8sPodNamespace?: string;
  readonly k8sPodName?: string;
  readonly interfacesCount?: number;
}

/** `network/container/ifname`, the reference's string form of an IPAM key. */
export function ipamKeyString(key: IpamKey): string {
  return `${key.networkName}/${key.containerID}/${key.ifName}`;
}

/** What an ENI is, as ipamd learns it from IMDS/EC2 before adding it to the datastore. */
export interface EniSpec {
  readonly id: EniId;
  readonly deviceNumber: number;
  readonly isPrimary: boolean;
  readonly isTrunk: boolean;
  readonly isEFA: boolean;
  readonly subnetId: string;
  /** Route table for pods on this ENI: 254 (main) for the primary ENI, device number + 1 otherwise. */
  readonly routeTableId: number;
}

/** One address the datastore knows: assigned to a pod, or released and remembered for cooldown. */
export interface AddressView {
  readonly address: string;
  /** Present while the address is assigned. */
  readonly ipamKey?: IpamKey;
  readonly ipamMetadata?: IpamMetadata;
  /** Milliseconds since the epoch; present once the address was assigned. */
  readonly assignedTime?: number;
  /** Milliseconds since the epoch; present once the address was released (starts its cooldown). */
  readonly unassignedTime?: number;
}

/** A /32 secondary IP or a /28 prefix on an ENI. */
export interface CidrView {
  /** `a.b.c.d/32` or `a.b.c.d/28`. */
  readonly cidr: string;
  readonly isPrefix: boolean;
  /** Addresses in the block: 1 for a /32, 16 for a /28. */
  readonly size: number;
  readonly assignedCount: number;
  /** Unassigned addresses still inside `IP_COOLDOWN_PERIOD`. */
  readonly cooldownCount: number;
  /** Only addresses that are assigned or remembered after release, ordered by address. */
  readonly addresses: readonly AddressView[];
}

export interface EniView extends EniSpec {
  readonly isExcludedForPodIPs: boolean;
  /** When the datastore learnt of the ENI (milliseconds since the epoch); ENIs younger than a minute are kept. */
  readonly createTime: number;
  /** Ordered by address. Only CIDRs of the datastore's mode are used for pods; others are still listed. */
  readonly cidrs: readonly CidrView[];
}

/**
 * The datastore's statistics, as the reference computes them [behaviour §3.3]: only non-excluded ENIs and only CIDRs of
 * the current mode count, except `totalPrefixes`, which counts every prefix.
 */
export interface PoolStats {
  readonly totalIPs: number;
  readonly assignedIPs: number;
  readonly cooldownIPs: number;
  /** `totalIPs − assignedIPs`: addresses in cooldown count as available for sizing, as in the reference. */
  readonly availableIPs: number;
  readonly totalPrefixes: number;
  /** Prefixes with no assigned address, on any ENI. */
  readonly freePrefixes: number;
}

/** A read-only, deep-copied picture of a datastore, for the policy and for introspection. */
export interface DatastoreSnapshot {
  /** Clock reading when the snapshot was taken (milliseconds since the epoch). */
  readonly takenAt: number;
  readonly prefixDelegation: boolean;
  readonly ipCooldownMs: number;
  readonly networkCard: number;
  /** Ordered by device number. */
  readonly enis: readonly EniView[];
  readonly stats: PoolStats;
}
