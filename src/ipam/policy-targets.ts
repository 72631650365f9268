/**
 * The warm-pool arithmetic of [behaviour §3.4–3.5; behaviour §3.7] ("too high"), as free functions over the datastore's
 * statistics — the reference's `datastoreTargetState`, `isDatastorePoolTooLow` and `isDatastorePoolTooHigh` without the
 * god object around them (cilium's `calculateNeededIPs`/`calculateExcessIPs` shape).
 *
 * @example
 * const stats = { totalIPs: 7, assignedIPs: 5, cooldownIPs: 0, availableIPs: 2, totalPrefixes: 0, freePrefixes: 0 };
 * const targets = { warmEniTarget: 1, warmIpTarget: 5, minimumIpTarget: 10, warmPrefixTarget: 0 };
 * targetState(stats, targets, { prefixDelegation: false }); // { ipTargetsDefined: true, short: 3, over: 0, ... }
 * isPoolTooLow(stats, targets, { maxIpsPerEni: 9, maxPods: 29 }, { prefixDelegation: false }).result; // true
 */
import { PREFIX_SIZE } from './cidr.js';
import type { PoolLimits, PoolMode, PoolTargets, TargetState, Verdict } from './policy-types.js';
import type { PoolStats } from './types.js';

/** Addresses in one /28 prefix: the policy's unit conversion in PD [behaviour §10.1]. */
export const IPS_PER_PREFIX = PREFIX_SIZE;

type PdMode = Pick<PoolMode, 'prefixDelegation'>;

/**
 * Integer division rounding up (the reference's `DivCeil`).
 *
 * @example
 * divCeil(17, 16); // 2
 */
export function divCeil(x: number, y: number): number {
  return Math.ceil(x / y);
}

/**
 * "IP targets defined" ⇔ WARM_IP_TARGET ≠ 0 || MINIMUM_IP_TARGET ≠ 0; they then override WARM_ENI_TARGET and
 * WARM_PREFIX_TARGET when growing and shrinking.
 *
 * @example
 * ipTargetsDefined({ warmEniTarget: 1, warmIpTarget: 0, minimumIpTarget: 10, warmPrefixTarget: 0 }); // true
 */
export function ipTargetsDefined(targets: PoolTargets): boolean {
  return targets.warmIpTarget !== 0 || targets.minimumIpTarget !== 0;
}

/**
 * The targets that apply to a network card. The reference hard-codes WARM_IP_TARGET=1 and MINIMUM_IP_TARGET=1 for
 * cards other than 0 [behaviour §3.1], whatever the environment says, so secondary cards keep one spare address.
 *
 * @example
 * effectiveTargets({ warmEniTarget: 1, warmIpTarget: 0, minimumIpTarget: 0, warmPrefixTarget: 1 }, 1).warmIpTarget; // 1
 */
export function effectiveTargets(targets: PoolTargets, networkCard: number): PoolTargets {
  return networkCard === 0 ? targets : { ...targets, warmIpTarget: 1, minimumIpTarget: 1 };
}

/**
 * [behaviour §3.4] `datastoreTargetState`: how many IPs the pool is short of / over the IP targets, and in PD the same
 * in prefixes. `over` may be positive while addresses are in cooldown: they count as available [behaviour §3.3].
 *
 * @example
 * // PD, WARM_IP_TARGET=5, nothing allocated yet: 5 IPs short → 1 prefix.
 * targetState({ totalIPs: 0, assignedIPs: 0, cooldownIPs: 0, availableIPs: 0, totalPrefixes: 0, freePrefixes: 0 },
 *   { warmEniTarget: 1, warmIpTarget: 5, minimumIpTarget: 0, warmPrefixTarget: 0 }, { prefixDelegation: true });
 * // → { ipTargetsDefined: true, short: 5, over: 0, shortPrefixes: 1, overPrefixes: 0 }
 */
export function targetState(stats: PoolStats, targets: PoolTargets, mode: PdMode): TargetState {
  if (!ipTargetsDefined(targets)) {
    return { ipTargetsDefined: false, short: 0, over: 0, shortPrefixes: 0, overPrefixes: 0 };
  }
  const { warmIpTarget: warm, minimumIpTarget: min } = targets;
  const available = stats.availableIPs;
  const short = Math.max(Math.max(warm - available, 0), min - stats.totalIPs);
  const over = Math.max(Math.min(Math.max(available - warm, 0), stats.totalIPs - min), 0);
  if (!mode.prefixDelegation) return { ipTargetsDefined: true, short, over, shortPrefixes: 0, overPrefixes: 0 };

  // `over` counts single IPs, but PD shrinks in whole prefixes: only prefixes with no pod that are not needed to
  // hold assigned + WARM_IP (or MINIMUM_IP) addresses, rounded up to whole prefixes, are surplus.
  const neededForWarm = divCeil(stats.assignedIPs + warm, IPS_PER_PREFIX);
  const neededForMin = divCeil(min, IPS_PER_PREFIX);
  let overPrefixes = Math.max(Math.min(stats.freePrefixes, stats.totalPrefixes - neededForWarm), 0);
  overPrefixes = Math.max(Math.min(overPrefixes, stats.totalPrefixes - neededForMin), 0);
  return { ipTargetsDefined: true, short, over, shortPrefixes: divCeil(short, IPS_PER_PREFIX), overPrefixes };
}

function describeIpTargets(stats: PoolStats, targets: PoolTargets): string {
  return (
    `${stats.availableIPs} available vs WARM_IP_TARGET ${targets.warmIpTarget}, ` +
    `${stats.totalIPs} total vs MINIMUM_IP_TARGET ${targets.minimumIpTarget}`
  );
}

/**
 * [behaviour §3.5] `isDatastorePoolTooLow`, in the reference's order: the maxPods ceiling first, then the IP targets,
 * then WARM_ENI_TARGET (SIP) or WARM_PREFIX_TARGET (PD), including the "target 0 and nothing available" edge.
 *
 * @example
 * isPoolTooLow(stats, targets, { maxIpsPerEni: 9, maxPods: 29 }, { prefixDelegation: false });
 * // { result: true, reason: 'pool too low: 3 available < 9 (WARM_ENI_TARGET 1 × 9 IPs per ENI)' }
 */
export function isPoolTooLow(
  stats: PoolStats,
  targets: PoolTargets,
  limits: Pick<PoolLimits, 'maxIpsPerEni' | 'maxPods'>,
  mode: PdMode,
): Verdict {
  if (stats.totalIPs >= limits.maxPods) {
    return { result: false, reason: `at maxPods ceiling: ${stats.totalIPs} IPs ≥ maxPods ${limits.maxPods}` };
  }
  const state = targetState(stats, targets, mode);
  if (state.ipTargetsDefined) {
    return state.short > 0
      ? { result: true, reason: `pool too low: short ${state.short} IPs (${describeIpTargets(stats, targets)})` }
      : { result: false, reason: `pool at target: short 0 IPs (${describeIpTargets(stats, targets)})` };
  }
  const available = stats.availableIPs;
  const [knob, warm, perUnit, unitName] = mode.prefixDelegation
    ? (['WARM_PREFIX_TARGET', targets.warmPrefixTarget, IPS_PER_PREFIX, 'per prefix'] as const)
    : (['WARM_ENI_TARGET', targets.warmEniTarget, limits.maxIpsPerEni, 'IPs per ENI'] as const);
  const wanted = warm * perUnit;
  if (available < wanted) {
    return {
      result: true,
      reason: `pool too low: ${available} available < ${wanted} (${knob} ${warm} × ${perUnit} ${unitName})`,
    };
  }
  // With a target of 0 the comparison above is never true, so the reference adds: an empty pool is too low.
  if (warm === 0 && available === 0) {
    return { result: true, reason: `pool too low: 0 available and ${knob} is 0` };
  }
  return {
    result: false,
    reason: `pool at target: ${available} available ≥ ${wanted} (${knob} ${warm} × ${perUnit} ${unitName})`,
  };
}

/**
 * [behaviour §3.7] `isDatastorePoolTooHigh`. SIP with only WARM_ENI_TARGET never shrinks IP by IP: surplus ENIs are
 * freed whole by {@link shouldRemoveExtraEnis} and `pickEniToFree`. Like the reference it ignores maxPods (pools grow
 * in chunks).
 *
 * @example
 * isPoolTooHigh(stats, { warmEniTarget: 1, warmIpTarget: 0, minimumIpTarget: 0, warmPrefixTarget: 1 },
 *   { prefixDelegation: true }); // { result: true, reason: 'pool too high: 3 free prefixes > WARM_PREFIX_TARGET 1' }
 */
export function isPoolTooHigh(stats: PoolStats, targets: PoolTargets, mode: PdMode): Verdict {
  const state = targetState(stats, targets, mode);
  if (state.ipTargetsDefined) {
    const [over, unit] = mode.prefixDelegation ? [state.overPrefixes, 'prefixes'] : [state.over, 'IPs'];
    const detail = describeIpTargets(stats, targets);
    return over > 0
      ? { result: true, reason: `pool too high: ${over} ${unit} over target (${detail})` }
      : { result: false, reason: `pool not over target: 0 ${unit} over (${detail})` };
  }
  if (mode.prefixDelegation) {
    const { freePrefixes } = stats;
    const cmp = freePrefixes > targets.warmPrefixTarget ? '>' : '≤';
    return {
      result: freePrefixes > targets.warmPrefixTarget,
      reason: `pool ${cmp === '>' ? 'too high' : 'not over target'}: ${freePrefixes} free prefixes ${cmp} WARM_PREFIX_TARGET ${targets.warmPrefixTarget}`,
    };
  }
  return { result: false, reason: 'WARM_ENI_TARGET mode never releases single IPs; surplus ENIs are freed whole' };
}

/**
 * How many CIDRs a decrease may unassign (the reference's `over` in `tryUnassignCidrsFromAll`): the [behaviour §3.4]
 * excess (in prefixes in PD), or in PD without IP targets the free prefixes beyond WARM_PREFIX_TARGET.
 *
 * @example
 * releaseCount({ ...stats, freePrefixes: 3 }, { ...targets, warmIpTarget: 0, minimumIpTarget: 0, warmPrefixTarget: 1 },
 *   { prefixDelegation: true }); // 2
 */
export function releaseCount(stats: PoolStats, targets: PoolTargets, mode: PdMode): number {
  const state = targetState(stats, targets, mode);
  if (state.ipTargetsDefined) return mode.prefixDelegation ? state.overPrefixes : state.over;
  if (mode.prefixDelegation) return Math.max(stats.freePrefixes - targets.warmPrefixTarget, 0);
  return 0;
}
