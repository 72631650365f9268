/**
 * Freeing whole ENIs ([behaviour §3.7] `shouldRemoveExtraENIs`, `tryFreeENI` → the datastore's `getDeletableENI`): at
 * most one ENI per tick, never the primary, trunk or EFA ENI, never one with pods, addresses in cooldown or younger
 * than a minute, and never one whose addresses the warm/minimum targets still need.
 *
 * @example
 * const { eni, verdicts } = pickEniToFree(snapshot.enis, targets, { prefixDelegation: false },
 *   { now: clock.now(), minEniAgeMs: POLICY_DEFAULTS.minEniAgeMs });
 * // eni: the highest-device ENI that may go, or null; verdicts: one line per ENI saying why (not)
 */
import { IPS_PER_PREFIX, divCeil, ipTargetsDefined } from './policy-targets.js';
import type { PoolLimits, PoolMode, PoolTargets, Verdict } from './policy-types.js';
import type { CidrView, EniId, EniView, PoolStats } from './types.js';

type PdMode = Pick<PoolMode, 'prefixDelegation'>;

/** Why one ENI may or may not be freed. */
export interface EniFreeVerdict {
  readonly eniId: EniId;
  readonly deviceNumber: number;
  readonly freeable: boolean;
  readonly reason: string;
}

export interface EniToFree {
  /** The ENI to free, or null when none qualifies. */
  readonly eni: EniView | null;
  /** Every ENI, highest device number first. */
  readonly verdicts: readonly EniFreeVerdict[];
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
const assignedOn = (eni: EniView): number => sum(eni.cidrs.map((c) => c.assignedCount));

/** An unused ENI the PD fall-back of shouldRemoveExtraENIs looks for (`CheckFreeableENIexists`). */
function isUnusedSecondary(eni: EniView): boolean {
  return !eni.isPrimary && !eni.isTrunk && !eni.isEFA && assignedOn(eni) === 0;
}

/**
 * [behaviour §3.7] `shouldRemoveExtraENIs`: whether to look for an ENI to free this tick. With IP targets always (each
 * ENI is checked against them); else when a whole extra ENI's worth of addresses is available beyond WARM_ENI_TARGET
 * (SIP) or WARM_PREFIX_TARGET (PD, where an ENI's worth is `maxIpsPerEni × 16`); in PD also whenever some
 * secondary ENI has no pods (after the target was lowered, prefixes are released first and ENIs linger).
 *
 * @example
 * shouldRemoveExtraEnis(stats, enis, targets, { maxIpsPerEni: 9 }, { prefixDelegation: false });
 * // { result: true, reason: '18 available ≥ 18 ((WARM_ENI_TARGET 1 + 1) × 9 per ENI)' }
 */
export function shouldRemoveExtraEnis(
  stats: PoolStats,
  enis: readonly EniView[],
  targets: PoolTargets,
  limits: Pick<PoolLimits, 'maxIpsPerEni'>,
  mode: PdMode,
): Verdict {
  if (ipTargetsDefined(targets)) {
    return { result: true, reason: 'IP targets defined: every ENI is checked against them' };
  }
  const [knob, warm, perEni] = mode.prefixDelegation
    ? (['WARM_PREFIX_TARGET', targets.warmPrefixTarget, limits.maxIpsPerEni * IPS_PER_PREFIX] as const)
    : (['WARM_ENI_TARGET', targets.warmEniTarget, limits.maxIpsPerEni] as const);
  // The +1 keeps the target's own ENIs: only an ENI's worth beyond them is extra.
  const threshold = (warm + 1) * perEni;
  const detail = `((${knob} ${warm} + 1) × ${perEni} per ENI)`;
  if (stats.availableIPs >= threshold) {
    return { result: true, reason: `${stats.availableIPs} available ≥ ${threshold} ${detail}` };
  }
  const unused = mode.prefixDelegation ? enis.find(isUnusedSecondary) : undefined;
  if (unused !== undefined) {
    return {
      result: true,
      reason: `${unused.id} has no pods (${stats.availableIPs} available < ${threshold} ${detail})`,
    };
  }
  return { result: false, reason: `no extra ENI: ${stats.availableIPs} available < ${threshold} ${detail}` };
}

/** CIDRs of the mode that pods use (PD: prefixes; SIP: /32s) — the others do not count toward the targets. */
function modeCidrs(eni: EniView, mode: PdMode): CidrView[] {
  return eni.cidrs.filter((c) => c.isPrefix === mode.prefixDelegation);
}

/** In PD addresses come 16 at a time, so a target is met only by whole prefixes: round it up to a multiple of 16. */
function roundTarget(target: number, mode: PdMode): number {
  return mode.prefixDelegation ? divCeil(target, IPS_PER_PREFIX) * IPS_PER_PREFIX : target;
}

function whyKept(
  eni: EniView,
  others: readonly EniView[],
  targets: PoolTargets,
  mode: PdMode,
  ageMs: number,
  minAgeMs: number,
): string | null {
  if (eni.isPrimary) return 'primary ENI';
  if (ageMs < minAgeMs) return `too young (${Math.floor(ageMs / 1000)} s < ${minAgeMs / 1000} s)`;
  const cooling = sum(eni.cidrs.map((c) => c.cooldownCount));
  if (cooling > 0) return `${cooling} addresses in cooldown`;
  const pods = assignedOn(eni);
  if (pods > 0) return `${pods} pods`;
  if (targets.warmIpTarget !== 0) {
    const warm = roundTarget(targets.warmIpTarget, mode);
    const otherFree = sum(others.flatMap((o) => modeCidrs(o, mode).map((c) => c.size - c.assignedCount)));
    if (otherFree < warm) return `required for WARM_IP_TARGET ${warm}: other ENIs have ${otherFree} free`;
  }
  if (targets.minimumIpTarget !== 0) {
    const min = roundTarget(targets.minimumIpTarget, mode);
    const otherTotal = sum(others.flatMap((o) => modeCidrs(o, mode).map((c) => c.size)));
    if (otherTotal < min) return `required for MINIMUM_IP_TARGET ${min}: other ENIs have ${otherTotal} addresses`;
  }
  // Checked even when IP targets are defined, as the reference does.
  if (mode.prefixDelegation && targets.warmPrefixTarget !== 0) {
    const otherFree = others.flatMap((o) => o.cidrs).filter((c) => c.assignedCount === 0).length;
    if (otherFree < targets.warmPrefixTarget) {
      return `required for WARM_PREFIX_TARGET ${targets.warmPrefixTarget}: other ENIs have ${otherFree} free prefixes`;
    }
  }
  if (eni.isTrunk) return 'trunk ENI';
  if (eni.isEFA) return 'EFA ENI';
  return null;
}

/**
 * [behaviour §3.7] `getDeletableENI`: the ENI to free this tick. The reference takes the first qualifying ENI in Go map
 * order; we take the highest device number, the ENI our datastore drains first (pods are packed onto low device
 * numbers), so the most recently attached capacity goes first. "Other ENIs" in the target checks are the non-excluded
 * ones, as in the pool statistics.
 *
 * @example
 * pickEniToFree(enis, targets, { prefixDelegation: false }, { now: 120_000, minEniAgeMs: 60_000 }).verdicts[0];
 * // { eniId: 'eni-2', deviceNumber: 2, freeable: false, reason: '3 pods' }
 */
export function pickEniToFree(
  enis: readonly EniView[],
  targets: PoolTargets,
  mode: PdMode,
  at: { readonly now: number; readonly minEniAgeMs: number },
): EniToFree {
  const ordered = [...enis].sort((a, b) => b.deviceNumber - a.deviceNumber);
  const verdicts = ordered.map((eni): EniFreeVerdict => {
    const others = enis.filter((o) => o.id !== eni.id && !o.isExcludedForPodIPs);
    const ageMs = at.now - eni.createTime;
    const kept = whyKept(eni, others, targets, mode, ageMs, at.minEniAgeMs);
    const base = { eniId: eni.id, deviceNumber: eni.deviceNumber };
    return kept === null
      ? {
          ...base,
          freeable: true,
          reason: `no pods, nothing in cooldown, ${Math.floor(ageMs / 1000)} s old, not needed for the targets`,
        }
      : { ...base, freeable: false, reason: kept };
  });
  const chosen = verdicts.find((v) => v.freeable);
  return { eni: chosen === undefined ? null : (ordered.find((e) => e.id === chosen.eniId) ?? null), verdicts };
}
