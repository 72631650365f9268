/**
 * Planning a checkpoint restore ([behaviour §8] step 3) without touching the datastore: every entry is checked first,
 * and only a conflict-free plan is applied, so a bad checkpoint leaves the datastore exactly as it was.
 *
 * @example
 * const plan = planRestore(enis.values(), data.allocations); // throws CHECKPOINT_CONFLICT
 * for (const p of plan.placements) p.cidr.addresses.set(p.address, p.record);
 */
import { cidrContains, isIpv4, parseIpv4 } from './cidr.js';
import { nsToMs, type CheckpointEntry } from './checkpoint.js';
import {
  copyKey,
  copyMetadata,
  keyId,
  orderedCidrs,
  orderedEnis,
  type AssignedAddress,
  type CidrRecord,
  type EniRecord,
} from './datastore-model.js';
import { IpamError } from './errors.js';
import { ipamKeyString } from './types.js';

/**
 * Why a checkpoint entry was not restored: its address is in no CIDR the datastore knows (the ENI or IP was
 * released while ipamd was down — the reference's "stale/dead"), or it holds only an IPv6 address, which this IPv4
 * datastore does not manage.
 */
export type DropReason = 'outside-known-cidrs' | 'no-ipv4-address';

export interface DroppedEntry {
  readonly entry: CheckpointEntry;
  readonly reason: DropReason;
}

export interface Placement {
  readonly entry: CheckpointEntry;
  readonly eni: EniRecord;
  readonly cidr: CidrRecord;
  readonly address: number;
  readonly record: AssignedAddress;
}

export interface RestorePlan {
  readonly placements: readonly Placement[];
  readonly dropped: readonly DroppedEntry[];
}

/** Checks every entry against the others and against the datastore, then says where each one goes. */
export function planRestore(enis: Iterable<EniRecord>, entries: readonly CheckpointEntry[]): RestorePlan {
  const ordered = orderedEnis(enis);
  const claims = existingClaims(ordered);
  const placements: Placement[] = [];
  const dropped: DroppedEntry[] = [];
  entries.forEach((entry, index) => {
    claimKey(claims.keys, entry, index);
    if (entry.allocationTimestamp < 0n) {
      throw new IpamError('CHECKPOINT_INVALID', `allocations[${index}].allocationTimestamp: negative`, { index });
    }
    if (entry.ipv4 === undefined || entry.ipv4 === '') {
      dropped.push({ entry, reason: 'no-ipv4-address' });
      return;
    }
    if (!isIpv4(entry.ipv4)) {
      throw new IpamError('CHECKPOINT_INVALID', `allocations[${index}].ipv4: '${entry.ipv4}' is not an IPv4 address`, {
        index,
      });
    }
    const address = parseIpv4(entry.ipv4);
    claimAddress(claims.addresses, entry, index, address);
    const home = findCidr(ordered, address);
    if (home === undefined) {
      dropped.push({ entry, reason: 'outside-known-cidrs' });
      return;
    }
    const record: AssignedAddress = {
      kind: 'assigned',
      key: copyKey(entry),
      metadata: copyMetadata(entry.metadata ?? {}),
      assignedTime: nsToMs(entry.allocationTimestamp),
    };
    placements.push({ entry, ...home, address, record });
  });
  return { placements, dropped };
}

interface Claims {
  /** Key id → who holds it: `datastore` or the entry index. */
  readonly keys: Map<string, string>;
  readonly addresses: Map<number, string>;
}

function existingClaims(enis: readonly EniRecord[]): Claims {
  const claims: Claims = { keys: new Map(), addresses: new Map() };
  for (const eni of enis) {
    for (const cidr of eni.cidrs.values()) {
      for (const [address, record] of cidr.addresses) {
        if (record.kind !== 'assigned') continue;
        claims.keys.set(keyId(record.key), `the datastore (${eni.spec.id})`);
        claims.addresses.set(address, `the datastore (${eni.spec.id})`);
      }
    }
  }
  return claims;
}

function claimKey(keys: Map<string, string>, entry: CheckpointEntry, index: number): void {
  const id = keyId(entry);
  const holder = keys.get(id);
  if (holder !== undefined) {
    throw new IpamError(
      'CHECKPOINT_CONFLICT',
      `allocations[${index}]: key ${ipamKeyString(entry)} is already claimed by ${holder}; nothing was restored`,
      { index, key: ipamKeyString(entry) },
    );
  }
  keys.set(id, `allocations[${index}]`);
}

function claimAddress(addresses: Map<number, string>, entry: CheckpointEntry, index: number, address: number): void {
  const holder = addresses.get(address);
  if (holder !== undefined) {
    throw new IpamError(
      'CHECKPOINT_CONFLICT',
      `allocations[${index}]: address ${entry.ipv4 ?? ''} is already claimed by ${holder}; nothing was restored`,
      { index, address: entry.ipv4 },
    );
  }
  addresses.set(address, `allocations[${index}]`);
}

function findCidr(enis: readonly EniRecord[], address: number): { eni: EniRecord; cidr: CidrRecord } | undefined {
  for (const eni of enis) {
    for (const cidr of orderedCidrs(eni)) if (cidrContains(cidr.block, address)) return { eni, cidr };
  }
  return undefined;
}
