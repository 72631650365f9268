/**
 * The IP address datastore of one network card: ENIs, their /32 secondary IPs or /28 prefixes, and which pod (IPAM
 * key) holds which address — the reference's `pkg/ipamd/datastore` [behaviour §3.9] without its I/O. Pure and
 * synchronous: time comes from the injected clock, and ipamd writes the checkpoint ({@link Datastore.toCheckpoint})
 * after every change. Every operation either succeeds completely or throws an {@link IpamError} and changes nothing.
 *
 * @example
 * const ds = new Datastore({ clock: manualClock(0), prefixDelegation: true });
 * ds.addEni({ id: 'eni-0a', deviceNumber: 0, isPrimary: true, isTrunk: false, isEFA: false,
 *   subnetId: 'subnet-1', routeTableId: 254 });
 * ds.addCidr('eni-0a', '10.0.32.16/28');
 * ds.assign({ networkName: 'aws-cni', containerID: 'c1', ifName: 'eth0' }, { k8sPodName: 'web-1' });
 * // { address: '10.0.32.16', eniId: 'eni-0a', deviceNumber: 0, routeTableId: 254, alreadyAssigned: false }
 */
import { cidrSize, cidrsOverlap, formatCidr, formatIpv4, parseIpv4, PREFIX_LENGTH } from './cidr.js';
import {
  CHECKPOINT_FORMAT_VERSION,
  CRI_MIGRATED_IF_NAME,
  CRI_MIGRATED_NETWORK_NAME,
  msToNs,
  type CheckpointData,
  type CheckpointEntry,
} from './checkpoint.js';
import type { Clock } from './clock.js';
import {
  allocationsIn,
  copyKey,
  copyMetadata,
  eniView,
  orderedCidrs,
  orderedEnis,
  parseBlock,
  poolStats,
  sameKey,
  toAllocation,
  type Allocation,
  type AssignedAddress,
  type CidrRecord,
  type CooldownContext,
  type EniRecord,
} from './datastore-model.js';
import { planRestore, type DroppedEntry } from './datastore-restore.js';
import { exhaustionError, forgetCooledAddresses, pickAddress } from './datastore-select.js';
import { IpamError } from './errors.js';
import type { DatastoreSnapshot, EniId, EniSpec, EniView, IpamKey, IpamMetadata, PoolStats } from './types.js';

export type { Allocation } from './datastore-model.js';
export type { DropReason, DroppedEntry } from './datastore-restore.js';

/** `IP_COOLDOWN_PERIOD` default: a released pod address is not reused for 30 s. */
export const DEFAULT_IP_COOLDOWN_MS = 30_000;

export interface DatastoreOptions {
  readonly clock: Clock;
  /** `ENABLE_PREFIX_DELEGATION`: pods get addresses from /28 prefixes instead of /32 secondary IPs. */
  readonly prefixDelegation: boolean;
  /** `IP_COOLDOWN_PERIOD` in milliseconds; default {@link DEFAULT_IP_COOLDOWN_MS}. */
  readonly ipCooldownMs?: number;
  /** The network card this datastore serves; default 0. */
  readonly networkCard?: number;
}

export interface AssignResult {
  readonly address: string;
  readonly eniId: EniId;
  readonly deviceNumber: number;
  readonly routeTableId: number;
  /** True when the key already held this address (a repeated ADD); nothing changed. */
  readonly alreadyAssigned: boolean;
}

export interface UnassignResult {
  readonly address: string;
  readonly eniId: EniId;
  readonly deviceNumber: number;
  readonly routeTableId: number;
  /** The stored interface count; 0 or absent (entries restored from old checkpoints) reads as 1. */
  readonly interfacesCount: number;
}

export interface RemoveOptions {
  /** Take the ENI or CIDR even with pods on it; their addresses are unassigned ([behaviour §3.10] forced removal). */
  readonly force?: boolean;
}

export interface RemovalResult {
  /** Addresses the pool lost: 1 per /32, 16 per /28. */
  readonly removedIps: number;
  /** Pods whose addresses were taken by a forced removal; the count feeds `awscni_force_removed_ips`. */
  readonly removedPods: readonly Allocation[];
}

export interface RestoreResult {
  readonly restored: readonly Allocation[];
  readonly dropped: readonly DroppedEntry[];
}

/** See the module comment. One instance per network card. */
export class Datastore {
  readonly prefixDelegation: boolean;
  readonly ipCooldownMs: number;
  readonly networkCard: number;
  readonly #clock: Clock;
  readonly #enis = new Map<EniId, EniRecord>();

  constructor(options: DatastoreOptions) {
    const cooldown = options.ipCooldownMs ?? DEFAULT_IP_COOLDOWN_MS;
    if (!Number.isFinite(cooldown) || cooldown < 0) throw new RangeError(`ipCooldownMs must be ≥ 0, got ${cooldown}`);
    this.#clock = options.clock;
    this.prefixDelegation = options.prefixDelegation;
    this.ipCooldownMs = cooldown;
    this.networkCard = options.networkCard ?? 0;
  }

  /** Adds an ENI with no addresses; its creation time (for the one-minute minimum age) is now. */
  addEni(spec: EniSpec): void {
    if (this.#enis.has(spec.id)) {
      throw new IpamError('DUPLICATE_ENI', `ENI ${spec.id} is already in the datastore`, { eniId: spec.id });
    }
    this.#enis.set(spec.id, { spec: { ...spec }, createTime: this.#clock.now(), excluded: false, cidrs: new Map() });
  }

  /** Removes an ENI. Without `force` an ENI with pods is refused (`ENI_IN_USE`). */
  removeEni(id: EniId, options: RemoveOptions = {}): RemovalResult {
    const eni = this.#eni(id);
    const pods = orderedCidrs(eni).flatMap((cidr) => allocationsIn(eni, cidr));
    if (pods.length > 0 && options.force !== true) {
      throw new IpamError(
        'ENI_IN_USE',
        `ENI ${id} still has ${pods.length} pod(s); only a forced removal may take it`,
        { eniId: id, assignedIPs: pods.length },
      );
    }
    let removedIps = 0;
    for (const cidr of eni.cidrs.values()) removedIps += cidrSize(cidr.block);
    this.#enis.delete(id);
    return { removedIps, removedPods: pods };
  }

  /** Marks an ENI as excluded for pod IPs (`IsExcludedForPodIPs`): no new pods, not counted in the pool. */
  setExcluded(id: EniId, excluded: boolean): void {
    this.#eni(id).excluded = excluded;
  }

  /** Adds a /32 secondary IP or a /28 prefix (aligned on 16 addresses) to an ENI. */
  addCidr(eniId: EniId, cidrText: string): void {
    const eni = this.#eni(eniId);
    const block = parseBlock(cidrText);
    const text = formatCidr(block);
    for (const other of this.#enis.values()) {
      for (const cidr of other.cidrs.values()) {
        if (!cidrsOverlap(cidr.block, block)) continue;
        const how = cidr.text === text ? 'is already' : `overlaps ${cidr.text}`;
        throw new IpamError('DUPLICATE_CIDR', `${text} ${how} on ENI ${other.spec.id}`, {
          cidr: text,
          eniId: other.spec.id,
        });
      }
    }
    eni.cidrs.set(text, { text, block, isPrefix: block.prefixLength === PREFIX_LENGTH, addresses: new Map() });
  }

  /** Removes a /32 or /28 from an ENI. Without `force` a CIDR with pods is refused (`CIDR_IN_USE`). */
  removeCidr(eniId: EniId, cidrText: string, options: RemoveOptions = {}): RemovalResult {
    const eni = this.#eni(eniId);
    const text = formatCidr(parseBlock(cidrText));
    const cidr = eni.cidrs.get(text);
    if (cidr === undefined) throw new IpamError('CIDR_NOT_FOUND', `ENI ${eniId} has no ${text}`, { eniId, cidr: text });
    const pods = allocationsIn(eni, cidr);
    if (pods.length > 0 && options.force !== true) {
      const why = `${text} on ENI ${eniId} still has ${pods.length} pod(s); only a forced removal may take it`;
      throw new IpamError('CIDR_IN_USE', why, { eniId, cidr: text, assignedIPs: pods.length });
    }
    eni.cidrs.delete(text);
    return { removedIps: cidrSize(cidr.block), removedPods: pods };
  }

  /**
   * Gives the pod an address, or returns the one its key already holds (a repeated ADD). The choice is
   * deterministic: lowest device-number ENI, fullest CIDR, lowest address — see `datastore-select.ts` for why.
   * Addresses released less than `ipCooldownMs` ago are never handed out.
   *
   * @throws IpamError `NO_AVAILABLE_ADDRESS` (CNI code 11, try again later) with `{ totalIPs, assignedIPs,
   * cooldownIPs }` in its details.
   */
  assign(key: IpamKey, metadata: IpamMetadata = {}): AssignResult {
    const held = this.findByKey(key);
    if (held !== undefined) return { ...placeOf(held), alreadyAssigned: true };
    const context = { ...this.#cooldown(), prefixDelegation: this.prefixDelegation };
    const pick = pickAddress(this.#enis.values(), context);
    if (pick === undefined) throw exhaustionError(this.#enis.values(), context);
    forgetCooledAddresses(pick.cidr, context);
    pick.cidr.addresses.set(pick.address, {
      kind: 'assigned',
      key: copyKey(key),
      metadata: copyMetadata(metadata),
      assignedTime: context.now,
    });
    const { spec } = pick.eni;
    const address = formatIpv4(pick.address);
    return {
      address,
      eniId: spec.id,
      deviceNumber: spec.deviceNumber,
      routeTableId: spec.routeTableId,
      alreadyAssigned: false,
    };
  }

  /**
   * Releases the pod's address and starts its cooldown. Falls back to the CRI-migrated key (same container id,
   * network `_migrated-from-cri`, interface `unknown`). An unknown key returns undefined: DEL is idempotent.
   */
  unassign(key: IpamKey): UnassignResult | undefined {
    const migrated = {
      networkName: CRI_MIGRATED_NETWORK_NAME,
      containerID: key.containerID,
      ifName: CRI_MIGRATED_IF_NAME,
    };
    const found = this.#locate(key) ?? this.#locate(migrated);
    if (found === undefined) return undefined;
    const { eni, cidr, address, record } = found;
    cidr.addresses.set(address, {
      kind: 'released',
      assignedTime: record.assignedTime,
      unassignedTime: this.#clock.now(),
    });
    return {
      address: formatIpv4(address),
      eniId: eni.spec.id,
      deviceNumber: eni.spec.deviceNumber,
      routeTableId: eni.spec.routeTableId,
      interfacesCount: record.metadata.interfacesCount || 1,
    };
  }

  /** The allocation held by exactly this key, if any. */
  findByKey(key: IpamKey): Allocation | undefined {
    const found = this.#locate(key);
    return found === undefined ? undefined : toAllocation(found.eni, found.cidr, found.address, found.record);
  }

  /** Every allocation, by ENI device number then address. */
  allocations(): Allocation[] {
    return orderedEnis(this.#enis.values()).flatMap((eni) =>
      orderedCidrs(eni).flatMap((cidr) => allocationsIn(eni, cidr)),
    );
  }

  hasEni(id: EniId): boolean {
    return this.#enis.has(id);
  }

  /** A deep copy of one ENI, or undefined. */
  eni(id: EniId): EniView | undefined {
    const eni = this.#enis.get(id);
    return eni === undefined ? undefined : eniView(eni, this.#cooldown());
  }

  /** [behaviour §3.3] statistics; addresses in cooldown count as available. */
  stats(): PoolStats {
    return poolStats(this.#enis.values(), this.prefixDelegation, this.#cooldown());
  }

  /** A deep copy of the whole store: ENIs by device number, CIDRs and addresses by address. */
  snapshot(): DatastoreSnapshot {
    const context = this.#cooldown();
    return {
      takenAt: context.now,
      prefixDelegation: this.prefixDelegation,
      ipCooldownMs: this.ipCooldownMs,
      networkCard: this.networkCard,
      enis: orderedEnis(this.#enis.values()).map((eni) => eniView(eni, context)),
      stats: poolStats(this.#enis.values(), this.prefixDelegation, context),
    };
  }

  /**
   * Re-assigns the allocations of a checkpoint ([behaviour §8] step 3), after the ENIs and CIDRs were loaded from
   * IMDS/EC2. Entries whose address is in no known CIDR are dropped (their ENI or IP went away while ipamd was down).
   *
   * @throws IpamError `CHECKPOINT_CONFLICT` when an address or key is claimed twice (in the entries or against the
   * datastore); nothing is restored then.
   */
  restore(entries: readonly CheckpointEntry[]): RestoreResult {
    const plan = planRestore(this.#enis.values(), entries);
    const restored = plan.placements.map(({ eni, cidr, address, record }) => {
      cidr.addresses.set(address, record);
      return toAllocation(eni, cidr, address, record);
    });
    return { restored, dropped: plan.dropped };
  }

  /** The allocations in checkpoint form, ordered by address; serialize with `serializeCheckpoint`. */
  toCheckpoint(): CheckpointData {
    const allocations = this.allocations()
      .sort((a, b) => parseIpv4(a.address) - parseIpv4(b.address))
      .map((a): CheckpointEntry => ({
        ...a.key,
        ipv4: a.address,
        allocationTimestamp: msToNs(a.assignedTime),
        metadata: a.metadata,
      }));
    return { version: CHECKPOINT_FORMAT_VERSION, allocations };
  }

  #eni(id: EniId): EniRecord {
    const eni = this.#enis.get(id);
    if (eni === undefined) throw new IpamError('ENI_NOT_FOUND', `ENI ${id} is not in the datastore`, { eniId: id });
    return eni;
  }

  #cooldown(): CooldownContext {
    return { now: this.#clock.now(), cooldownMs: this.ipCooldownMs };
  }

  #locate(key: IpamKey): { eni: EniRecord; cidr: CidrRecord; address: number; record: AssignedAddress } | undefined {
    for (const eni of this.#enis.values()) {
      for (const cidr of eni.cidrs.values()) {
        for (const [address, record] of cidr.addresses) {
          if (record.kind === 'assigned' && sameKey(record.key, key)) return { eni, cidr, address, record };
        }
      }
    }
    return undefined;
  }
}

function placeOf({ address, eniId, deviceNumber, routeTableId }: Allocation): Omit<AssignResult, 'alreadyAssigned'> {
  return { address, eniId, deviceNumber, routeTableId };
}
