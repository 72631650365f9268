/**
 * The datastore's internal records, the read-only views built from them, and the parsing of the /32 and /28 blocks
 * it holds. Internal to src/ipam: the Datastore class owns the records; callers only ever see views (deep copies).
 *
 * @example
 * const views = orderedEnis(enis).map((eni) => eniView(eni, { now: clock.now(), cooldownMs: 30_000 }));
 */
import { CidrError, compareCidrs, cidrSize, formatIpv4, parseCidr, PREFIX_LENGTH, type Cidr } from './cidr.js';
import { IpamError } from './errors.js';
import type { AddressView, CidrView, EniId, EniSpec, EniView, IpamKey, IpamMetadata, PoolStats } from './types.js';

/** An address that a pod holds. */
export interface AssignedAddress {
  readonly kind: 'assigned';
  readonly key: IpamKey;
  readonly metadata: IpamMetadata;
  readonly assignedTime: number;
}

/** An address a pod gave back; remembered so that it is not reused during the cooldown. */
export interface ReleasedAddress {
  readonly kind: 'released';
  readonly assignedTime: number;
  readonly unassignedTime: number;
}

/** Records are immutable and replaced whole, so a view or a rollback never sees a half-updated address. */
export type AddressRecord = AssignedAddress | ReleasedAddress;

export interface CidrRecord {
  /** Canonical `a.b.c.d/n` text; the key in the ENI's map. */
  readonly text: string;
  readonly block: Cidr;
  readonly isPrefix: boolean;
  /** Keyed by the address as an unsigned 32-bit integer; absent means never used or forgotten after cooldown. */
  readonly addresses: Map<number, AddressRecord>;
}

export interface EniRecord {
  readonly spec: EniSpec;
  readonly createTime: number;
  excluded: boolean;
  /** Keyed by {@link CidrRecord.text}. */
  readonly cidrs: Map<string, CidrRecord>;
}

/** A pod's address and where it lives. */
export interface Allocation {
  readonly key: IpamKey;
  readonly metadata: IpamMetadata;
  readonly address: string;
  /** The /32 or /28 the address belongs to. */
  readonly cidr: string;
  readonly eniId: EniId;
  readonly deviceNumber: number;
  readonly routeTableId: number;
  /** Milliseconds since the epoch. */
  readonly assignedTime: number;
}

/** What the cooldown predicate needs to know about "now". */
export interface CooldownContext {
  readonly now: number;
  readonly cooldownMs: number;
}

/**
 * True while a released address must not be handed out: less than `cooldownMs` since release. The reference uses
 * `<=`; the boundary is one nanosecond there and one millisecond here, and "reusable after exactly the period" is the
 * simpler rule to state and test.
 */
export function isCoolingDown(record: AddressRecord | undefined, context: CooldownContext): boolean {
  return record?.kind === 'released' && context.now - record.unassignedTime < context.cooldownMs;
}

export function isAssigned(record: AddressRecord | undefined): record is AssignedAddress {
  return record?.kind === 'assigned';
}

export function assignedCount(cidr: CidrRecord): number {
  let count = 0;
  for (const record of cidr.addresses.values()) if (record.kind === 'assigned') count += 1;
  return count;
}

/** Identity of an IPAM key for maps and comparisons (the `a/b/c` string form is ambiguous when parts hold `/`). */
export function keyId(key: IpamKey): string {
  return JSON.stringify([key.networkName, key.containerID, key.ifName]);
}

export function sameKey(a: IpamKey, b: IpamKey): boolean {
  return a.networkName === b.networkName && a.containerID === b.containerID && a.ifName === b.ifName;
}

export function copyKey(key: IpamKey): IpamKey {
  return { networkName: key.networkName, containerID: key.containerID, ifName: key.ifName };
}

export function copyMetadata(metadata: IpamMetadata): IpamMetadata {
  return { ...metadata };
}

/** ENIs by ascending device number (ties by id), the order of every listing and of address selection. */
export function orderedEnis(enis: Iterable<EniRecord>): EniRecord[] {
  return [...enis].sort((a, b) => a.spec.deviceNumber - b.spec.deviceNumber || compareText(a.spec.id, b.spec.id));
}

export function orderedCidrs(eni: EniRecord): CidrRecord[] {
  return [...eni.cidrs.values()].sort((a, b) => compareCidrs(a.block, b.block));
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function addressView(address: number, record: AddressRecord): AddressView {
  if (record.kind === 'assigned') {
    return {
      address: formatIpv4(address),
      ipamKey: copyKey(record.key),
      ipamMetadata: copyMetadata(record.metadata),
      assignedTime: record.assignedTime,
    };
  }
  return { address: formatIpv4(address), assignedTime: record.assignedTime, unassignedTime: record.unassignedTime };
}

export function cidrView(cidr: CidrRecord, context: CooldownContext): CidrView {
  const entries = [...cidr.addresses.entries()].sort(([a], [b]) => a - b);
  let cooldownCount = 0;
  for (const [, record] of entries) if (isCoolingDown(record, context)) cooldownCount += 1;
  return {
    cidr: cidr.text,
    isPrefix: cidr.isPrefix,
    size: cidrSize(cidr.block),
    assignedCount: assignedCount(cidr),
    cooldownCount,
    addresses: entries.map(([address, record]) => addressView(address, record)),
  };
}

export function eniView(eni: EniRecord, context: CooldownContext): EniView {
  return {
    ...eni.spec,
    isExcludedForPodIPs: eni.excluded,
    createTime: eni.createTime,
    cidrs: orderedCidrs(eni).map((cidr) => cidrView(cidr, context)),
  };
}

/**
 * [behaviour §3.3]: totals, assigned and cooldown counts only over non-excluded ENIs and CIDRs of the current mode;
 * `totalPrefixes` and `freePrefixes` over every prefix of every ENI.
 */
export function poolStats(enis: Iterable<EniRecord>, prefixDelegation: boolean, context: CooldownContext): PoolStats {
  let totalIPs = 0;
  let assignedIPs = 0;
  let cooldownIPs = 0;
  let totalPrefixes = 0;
  let freePrefixes = 0;
  for (const eni of enis) {
    for (const cidr of eni.cidrs.values()) {
      const assigned = assignedCount(cidr);
      if (cidr.isPrefix) {
        totalPrefixes += 1;
        if (assigned === 0) freePrefixes += 1;
      }
      if (eni.excluded || cidr.isPrefix !== prefixDelegation) continue;
      totalIPs += cidrSize(cidr.block);
      assignedIPs += assigned;
      for (const record of cidr.addresses.values()) if (isCoolingDown(record, context)) cooldownIPs += 1;
    }
  }
  return { totalIPs, assignedIPs, cooldownIPs, availableIPs: totalIPs - assignedIPs, totalPrefixes, freePrefixes };
}

/** Accepts exactly a /32 or a /28 aligned on 16 addresses; anything else is `INVALID_ADDRESS_BLOCK`. */
export function parseBlock(text: string): Cidr {
  let block: Cidr;
  try {
    block = parseCidr(text);
  } catch (error) {
    if (!(error instanceof CidrError)) throw error;
    const why = `'${text}' is not a /32 secondary IP or an aligned /28 prefix: ${error.message}`;
    throw new IpamError('INVALID_ADDRESS_BLOCK', why, { cidr: text }, error);
  }
  if (block.prefixLength !== 32 && block.prefixLength !== PREFIX_LENGTH) {
    const why = `'${text}' is a /${block.prefixLength}; only /32 secondary IPs and /28 prefixes are held`;
    throw new IpamError('INVALID_ADDRESS_BLOCK', why, { cidr: text });
  }
  return block;
}

export function allocationsIn(eni: EniRecord, cidr: CidrRecord): Allocation[] {
  const out: Allocation[] = [];
  for (const [address, record] of [...cidr.addresses.entries()].sort(([a], [b]) => a - b)) {
    if (record.kind === 'assigned') out.push(toAllocation(eni, cidr, address, record));
  }
  return out;
}

export function toAllocation(eni: EniRecord, cidr: CidrRecord, address: number, record: AssignedAddress): Allocation {
  return {
    key: copyKey(record.key),
    metadata: copyMetadata(record.metadata),
    address: formatIpv4(address),
    cidr: cidr.text,
    eniId: eni.spec.id,
    deviceNumber: eni.spec.deviceNumber,
    routeTableId: eni.spec.routeTableId,
    assignedTime: record.assignedTime,
  };
}
