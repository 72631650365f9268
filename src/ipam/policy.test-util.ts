/**
 * Test builders for the pool policy: small ENI descriptions turned into a {@link DatastoreSnapshot} whose statistics
 * follow [behaviour §3.3] exactly (only non-excluded ENIs and CIDRs of the current mode count; `totalPrefixes` and
 * `freePrefixes` count every ENI). Independent of the Datastore class so the policy can be tested on its own.
 *
 * @example
 * const snap = snapshotOf([eni(0, { primary: true, cidrs: ips(0, 9, { assigned: 3 }) })], { now: 100_000 });
 * snap.stats.availableIPs; // 6
 */
import { formatIpv4, parseCidr } from './cidr.js';
import type { PolicyInput, PoolLimits, PoolMode, PoolTargets } from './policy-types.js';
import type { AddressView, CidrView, DatastoreSnapshot, EniView, PoolStats } from './types.js';

export interface CidrSpec {
  readonly cidr: string;
  readonly assigned?: number;
  readonly cooldown?: number;
}

/** `count` /32 secondary IPs on ENI `device` (10.0.<device>.10 upward); the first `assigned` have pods, the next `cooldown` are cooling. */
export function ips(
  device: number,
  count: number,
  opts: { assigned?: number; cooldown?: number; from?: number } = {},
): CidrSpec[] {
  const assigned = opts.assigned ?? 0;
  const cooldown = opts.cooldown ?? 0;
  const from = opts.from ?? 10;
  return Array.from({ length: count }, (_, i) => ({
    cidr: `10.0.${device}.${from + i}/32`,
    assigned: i < assigned ? 1 : 0,
    cooldown: i >= assigned && i < assigned + cooldown ? 1 : 0,
  }));
}

/** /28 prefixes on ENI `device` (10.<device>.0.0/28, 10.<device>.0.16/28, …), one per entry: its assigned count. */
export function prefixes(
  device: number,
  assignedPerPrefix: readonly number[],
  cooldownPerPrefix: readonly number[] = [],
): CidrSpec[] {
  return assignedPerPrefix.map((assigned, i) => ({
    cidr: `10.${device}.${Math.floor(i / 16)}.${(i % 16) * 16}/28`,
    assigned,
    cooldown: cooldownPerPrefix[i] ?? 0,
  }));
}

export interface EniSpecOpts {
  readonly primary?: boolean;
  readonly trunk?: boolean;
  readonly efa?: boolean;
  readonly excluded?: boolean;
  readonly createTime?: number;
  readonly cidrs?: readonly CidrSpec[];
}

export interface EniBuild extends EniSpecOpts {
  readonly device: number;
}

export function eni(device: number, opts: EniSpecOpts = {}): EniBuild {
  return { device, ...opts };
}

function cidrView(spec: CidrSpec, now: number): CidrView {
  const block = parseCidr(spec.cidr);
  const size = 2 ** (32 - block.prefixLength);
  const assigned = spec.assigned ?? 0;
  const cooldown = spec.cooldown ?? 0;
  const addresses: AddressView[] = [];
  for (let i = 0; i < assigned + cooldown; i++) {
    const address = formatIpv4(block.network + i);
    addresses.push(
      i < assigned
        ? { address, ipamKey: { networkName: 'aws-cni', containerID: `c-${address}`, ifName: 'eth0' }, assignedTime: 0 }
        : { address, assignedTime: 0, unassignedTime: now },
    );
  }
  return {
    cidr: spec.cidr,
    isPrefix: block.prefixLength === 28,
    size,
    assignedCount: assigned,
    cooldownCount: cooldown,
    addresses,
  };
}

/** [behaviour §3.3] statistics of a set of ENIs. */
export function statsOf(enis: readonly EniView[], prefixDelegation: boolean): PoolStats {
  let totalIPs = 0;
  let assignedIPs = 0;
  let cooldownIPs = 0;
  let totalPrefixes = 0;
  let freePrefixes = 0;
  for (const e of enis) {
    for (const c of e.cidrs) {
      if (c.isPrefix) totalPrefixes += 1;
      if (c.isPrefix && c.assignedCount === 0) freePrefixes += 1;
      if (e.isExcludedForPodIPs || c.isPrefix !== prefixDelegation) continue;
      totalIPs += c.size;
      assignedIPs += c.assignedCount;
      cooldownIPs += c.cooldownCount;
    }
  }
  return { totalIPs, assignedIPs, cooldownIPs, availableIPs: totalIPs - assignedIPs, totalPrefixes, freePrefixes };
}

export function snapshotOf(
  builds: readonly EniBuild[],
  opts: { prefixDelegation?: boolean; now?: number; networkCard?: number } = {},
): DatastoreSnapshot {
  const now = opts.now ?? 1_000_000;
  const prefixDelegation = opts.prefixDelegation ?? false;
  const enis: EniView[] = [...builds]
    .sort((a, b) => a.device - b.device)
    .map((b) => ({
      id: `eni-${b.device}`,
      deviceNumber: b.device,
      isPrimary: b.primary ?? b.device === 0,
      isTrunk: b.trunk ?? false,
      isEFA: b.efa ?? false,
      subnetId: 'subnet-1',
      routeTableId: b.device === 0 ? 254 : b.device + 1,
      isExcludedForPodIPs: b.excluded ?? false,
      createTime: b.createTime ?? 0,
      cidrs: (b.cidrs ?? []).map((c) => cidrView(c, now)),
    }));
  return {
    takenAt: now,
    prefixDelegation,
    ipCooldownMs: 30_000,
    networkCard: opts.networkCard ?? 0,
    enis,
    stats: statsOf(enis, prefixDelegation),
  };
}

/** m5.large: 3 ENIs × 10 IPv4 addresses (9 secondary slots), maxPods 29. */
export const M5_LARGE: PoolLimits = { maxEnis: 3, maxIpsPerEni: 9, maxPods: 29 };

export const NO_IP_TARGETS: PoolTargets = {
  warmEniTarget: 1,
  warmIpTarget: 0,
  minimumIpTarget: 0,
  warmPrefixTarget: 0,
};

export const SIP: PoolMode = { prefixDelegation: false, customNetworking: false };
export const PD: PoolMode = { prefixDelegation: true, customNetworking: false };

/** A PolicyInput with m5.large limits, SIP, no IP targets, no timers, unless overridden. */
export function inputOf(snapshot: DatastoreSnapshot, over: Partial<PolicyInput> = {}): PolicyInput {
  return {
    snapshot,
    targets: NO_IP_TARGETS,
    limits: M5_LARGE,
    mode: snapshot.prefixDelegation ? PD : SIP,
    unmanagedEnis: 0,
    trunkReserve: 0,
    timing: { now: snapshot.takenAt },
    ...over,
  };
}
