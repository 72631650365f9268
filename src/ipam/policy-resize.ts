/**
 * What to request when the pool is too low ([behaviour §3.6] `increaseDatastorePool`,
 * `tryAssignIPs`/`tryAssignPrefixes`, `tryAllocateENI`, `hasRoomForEni`) and what to unassign when it is too high
 * ([behaviour §3.7] `tryUnassignCidrsFromAll`).
 *
 * Where the reference walks a Go map (random order) these functions fix an order, so that plans are reproducible
 * and pods, which our datastore packs onto low device numbers, are left alone:
 * - grow the lowest device number first (fill ENIs in attachment order, as a human would expect);
 * - release from the highest device number first, highest address first, so the ENIs the datastore drains first
 *   empty out completely and can then be freed whole.
 *
 * @example
 * const room = hasRoomForEni(snapshot, { maxEnis: 3 }, { unmanagedEnis: 0, trunkReserve: 0 });
 * // { result: false, reason: 'no room for another ENI (3 of 3 attached)' }
 */
import { ipTargetsDefined, releaseCount, targetState } from './policy-targets.js';
import {
  POLICY_DEFAULTS,
  type AssignCandidate,
  type EniRequest,
  type PolicyInput,
  type PoolLimits,
  type PoolMode,
  type PoolTargets,
  type PoolUnit,
  type ReleaseCidr,
  type ResizeDecision,
  type Verdict,
} from './policy-types.js';
import type { DatastoreSnapshot, EniView } from './types.js';

/**
 * An instant a timer runs to, for reasons: ISO time plus the seconds left.
 *
 * @example
 * untilText(1_060_000, 1_000_000); // '1970-01-01T00:17:40.000Z (60 s left)'
 */
export function untilText(until: number, now: number): string {
  return `${new Date(until).toISOString()} (${Math.ceil((until - now) / 1000)} s left)`;
}

function byDeviceAscending(enis: readonly EniView[]): EniView[] {
  return [...enis].sort((a, b) => a.deviceNumber - b.deviceNumber);
}

/**
 * [behaviour §3.6] `hasRoomForEni`: every ENI in the datastore holds a slot (primary, trunk, EFA, excluded alike);
 * unmanaged ENIs and a slot kept for the SGP trunk ENI reduce the limit.
 *
 * @example
 * hasRoomForEni(snapshot, { maxEnis: 4 }, { unmanagedEnis: 1, trunkReserve: 1 });
 * // with 2 ENIs: { result: false, reason: 'no room for another ENI (2 of 2 attached: 4 max − 1 unmanaged − 1 kept for the trunk ENI)' }
 */
export function hasRoomForEni(
  snapshot: Pick<DatastoreSnapshot, 'enis'>,
  limits: Pick<PoolLimits, 'maxEnis'>,
  slots: Pick<PolicyInput, 'unmanagedEnis' | 'trunkReserve'>,
): Verdict {
  const attached = snapshot.enis.length;
  const limit = limits.maxEnis - slots.unmanagedEnis - slots.trunkReserve;
  const parts = [`${limits.maxEnis} max`];
  if (slots.unmanagedEnis > 0) parts.push(`${slots.unmanagedEnis} unmanaged`);
  if (slots.trunkReserve > 0) parts.push(`${slots.trunkReserve} kept for the trunk ENI`);
  const detail = parts.length > 1 ? `: ${parts.join(' − ')}` : '';
  return attached < limit
    ? { result: true, reason: `room for another ENI (${attached} of ${limit} attached${detail})` }
    : { result: false, reason: `no room for another ENI (${attached} of ${limit} attached${detail})` };
}

/**
 * ENIs that may be grown (the reference's `GetAllocatableENIs`): not trunk, not excluded from pod IPs, not the primary
 * ENI under custom networking (its subnet is not the pods' subnet), with fewer than `maxIpsPerEni` CIDRs of any kind
 * (IPs and prefixes share the slots). Ascending device number.
 *
 * @example
 * allocatableEnis(snapshot.enis, 9, { customNetworking: true }).map((e) => e.id); // ['eni-1'] (eni-0 is primary)
 */
export function allocatableEnis(
  enis: readonly EniView[],
  maxIpsPerEni: number,
  mode: Pick<PoolMode, 'customNetworking'>,
): EniView[] {
  return byDeviceAscending(enis).filter(
    (eni) =>
      !eni.isTrunk &&
      !eni.isExcludedForPodIPs &&
      !(mode.customNetworking && eni.isPrimary) &&
      eni.cidrs.length < maxIpsPerEni,
  );
}

/**
 * [behaviour §3.6] amounts: `wanted` on an existing ENI (`tryAssignIPs`/`getPrefixesNeeded`) and the count to create a
 * new ENI with (`GetENIResourcesToAllocate`).
 *
 * @example
 * // PD, MINIMUM_IP_TARGET=20, empty pool: 20 IPs short → 2 prefixes, on an existing ENI or a new one.
 * increaseAmounts(snapshot, targets, { maxIpsPerEni: 9 }, { prefixDelegation: true }); // { unit: 'prefix', wanted: 2, newEni: 2 }
 */
export function increaseAmounts(
  snapshot: DatastoreSnapshot,
  targets: PoolTargets,
  limits: Pick<PoolLimits, 'maxIpsPerEni'>,
  mode: Pick<PoolMode, 'prefixDelegation'>,
): { readonly unit: PoolUnit; readonly wanted: number; readonly newEni: number } {
  const state = targetState(snapshot.stats, targets, mode);
  if (mode.prefixDelegation) {
    // getPrefixesNeeded: at least one prefix; the IP targets (in prefixes) win over WARM_PREFIX_TARGET.
    const short = state.ipTargetsDefined ? state.shortPrefixes : targets.warmPrefixTarget - snapshot.stats.freePrefixes;
    const wanted = Math.max(1, short);
    return { unit: 'prefix', wanted, newEni: Math.min(wanted, limits.maxIpsPerEni) };
  }
  // Without IP targets SIP asks for a whole ENI's worth; with them only for what is short, to avoid over-allocating
  // and releasing again on the next decrease.
  const wanted = state.ipTargetsDefined ? state.short : limits.maxIpsPerEni;
  return { unit: 'ip', wanted, newEni: Math.min(wanted, limits.maxIpsPerEni) };
}

/**
 * The increase half of a tick, once the pool is known to be too low: nothing while attachment is blocked or during
 * the insufficient-address back-off; otherwise grow existing ENIs, or else attach a new ENI if there is room.
 *
 * @example
 * planIncrease(input, input.targets);
 * // { kind: 'steady', reason: 'no room for another ENI (3 of 3 attached)' } when every ENI is full at MAX_ENI
 */
export function planIncrease(input: PolicyInput, targets: PoolTargets): ResizeDecision {
  const { snapshot, limits, mode, timing } = input;
  if (input.attachmentBlockedBy !== undefined) {
    return { kind: 'steady', reason: `pool too low but not growing: ${input.attachmentBlockedBy}` };
  }
  const backoff = timing.insufficientAddressBackoffMs ?? POLICY_DEFAULTS.insufficientAddressBackoffMs;
  if (timing.lastInsufficientAt !== undefined && timing.now - timing.lastInsufficientAt <= backoff) {
    return {
      kind: 'steady',
      reason: `in insufficient-address back-off until ${untilText(timing.lastInsufficientAt + backoff, timing.now)}`,
    };
  }
  const { unit, wanted, newEni } = increaseAmounts(snapshot, targets, limits, mode);
  if (wanted <= 0) return { kind: 'steady', reason: `nothing to request: IP targets met` };

  const room = hasRoomForEni(snapshot, limits, input);
  const eniRequest: EniRequest | null = room.result && newEni > 0 ? { unit, count: newEni } : null;
  const candidates: AssignCandidate[] = allocatableEnis(snapshot.enis, limits.maxIpsPerEni, mode).map((eni) => ({
    eniId: eni.id,
    deviceNumber: eni.deviceNumber,
    count: Math.min(limits.maxIpsPerEni - eni.cidrs.length, wanted),
  }));
  const [first, ...rest] = candidates;
  const units = unit === 'ip' ? 'IPs' : 'prefixes';
  if (first !== undefined) {
    return {
      kind: 'assign',
      unit,
      wanted,
      candidates: [first, ...rest],
      eniFallback: eniRequest,
      reason: `want ${wanted} ${units}: assign ${first.count} on ${first.eniId} (device ${first.deviceNumber})`,
    };
  }
  if (!room.result) return { kind: 'steady', reason: room.reason };
  if (eniRequest === null) return { kind: 'steady', reason: `nothing to request for a new ENI` };
  return {
    kind: 'allocate-eni',
    unit,
    count: eniRequest.count,
    reason: `want ${wanted} ${units}, no existing ENI can be grown: attach a new ENI with ${eniRequest.count}; ${room.reason}`,
  };
}

/**
 * CIDRs with no assigned address, at most `limit`, highest device number first and highest address first. A /32
 * in cooldown has no assigned address, so it is freeable (reference quirk, [behaviour §3.7; behaviour §13.4]). Every
 * ENI is walked, primary and excluded ones included, and CIDRs of the other mode too, as the reference's
 * `FindFreeableCidrs`.
 *
 * @example
 * freeableCidrs(snapshot.enis, 2).map((c) => c.cidr); // ['10.0.2.12/32', '10.0.2.11/32']
 */
export function freeableCidrs(enis: readonly EniView[], limit: number): ReleaseCidr[] {
  const out: ReleaseCidr[] = [];
  for (const eni of byDeviceAscending(enis).reverse()) {
    for (const cidr of [...eni.cidrs].reverse()) {
      if (out.length >= limit) return out;
      if (cidr.assignedCount === 0) out.push({ eniId: eni.id, cidr: cidr.cidr, isPrefix: cidr.isPrefix });
    }
  }
  return out;
}

/**
 * The decrease half of a tick, once the pool is too high and the 30 s throttle has passed.
 *
 * @example
 * planRelease(input, input.targets);
 * // { kind: 'release', over: 2, cidrs: [...], reason: '2 prefixes over WARM_PREFIX_TARGET 1: release 2 from eni-0' }
 */
export function planRelease(input: PolicyInput, targets: PoolTargets): ResizeDecision {
  const { snapshot, mode } = input;
  const over = releaseCount(snapshot.stats, targets, mode);
  const cidrs = freeableCidrs(snapshot.enis, over);
  const units = mode.prefixDelegation ? 'prefixes' : 'IPs';
  const why = ipTargetsDefined(targets) ? 'over the IP targets' : `over WARM_PREFIX_TARGET ${targets.warmPrefixTarget}`;
  const enis = [...new Set(cidrs.map((c) => c.eniId))].join(', ');
  const reason =
    cidrs.length === 0
      ? `${over} ${units} ${why}, but every CIDR has a pod: nothing to release`
      : `${over} ${units} ${why}: release ${cidrs.length} from ${enis}`;
  return { kind: 'release', over, cidrs, reason };
}
