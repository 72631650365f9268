/**
 * The warm-pool policy: one pure function, {@link planPool}, that decides one tick of the reference's
 * `updateIPPoolIfRequired` [behaviour §3.2] from a datastore snapshot, and the maths behind it, re-exported here so
 * callers import one module. The reconciler executes the plan: first `resize`, then `freeEni`, and records the timers
 * (`lastDecreaseAt` after every `release`, `lastInsufficientAt` after an insufficient-address error).
 *
 * @example
 * const plan = planPool({ snapshot: datastore.snapshot(), targets, limits, mode,
 *   unmanagedEnis: 0, trunkReserve: 0, timing: { now: clock.now(), lastDecreaseAt } });
 * log.info({ resize: plan.resize.reason, freeEni: plan.freeEni.reason }, 'pool tick');
 */
import { pickEniToFree, shouldRemoveExtraEnis } from './policy-free-eni.js';
import { planIncrease, planRelease, untilText } from './policy-resize.js';
import { effectiveTargets, isPoolTooHigh, isPoolTooLow, targetState } from './policy-targets.js';
import {
  POLICY_DEFAULTS,
  type FreeEniDecision,
  type PolicyInput,
  type PoolPlan,
  type PoolTargets,
  type ReleaseCidr,
  type ResizeDecision,
  type Verdict,
} from './policy-types.js';
import type { EniView } from './types.js';

export * from './policy-types.js';
export * from './policy-targets.js';
export * from './policy-resize.js';
export * from './policy-free-eni.js';

function planResize(input: PolicyInput, targets: PoolTargets, tooLow: Verdict, tooHigh: Verdict): ResizeDecision {
  if (tooLow.result) return planIncrease(input, targets);
  if (!tooHigh.result) return { kind: 'steady', reason: tooLow.reason };
  const { timing } = input;
  const interval = timing.decreaseIntervalMs ?? POLICY_DEFAULTS.decreaseIntervalMs;
  if (timing.lastDecreaseAt !== undefined && timing.now - timing.lastDecreaseAt <= interval) {
    return {
      kind: 'steady',
      reason: `${tooHigh.reason}; decrease throttled until ${untilText(timing.lastDecreaseAt + interval, timing.now)}`,
    };
  }
  return planRelease(input, targets);
}

/** The ENIs as they will be once `cidrs` are unassigned: the reference frees ENIs after the decrease ran. */
function withoutCidrs(enis: readonly EniView[], cidrs: readonly ReleaseCidr[]): readonly EniView[] {
  if (cidrs.length === 0) return enis;
  const gone = new Set(cidrs.map((c) => `${c.eniId} ${c.cidr}`));
  return enis.map((eni) => ({ ...eni, cidrs: eni.cidrs.filter((c) => !gone.has(`${eni.id} ${c.cidr}`)) }));
}

function planFreeEni(
  input: PolicyInput,
  targets: PoolTargets,
  enis: readonly EniView[],
  removeExtra: Verdict,
): FreeEniDecision {
  if (input.attachmentBlockedBy !== undefined)
    return { kind: 'keep', reason: `not freeing ENIs: ${input.attachmentBlockedBy}` };
  if (!removeExtra.result) return { kind: 'keep', reason: removeExtra.reason };
  const minEniAgeMs = input.timing.minEniAgeMs ?? POLICY_DEFAULTS.minEniAgeMs;
  const { eni, verdicts } = pickEniToFree(enis, targets, input.mode, { now: input.timing.now, minEniAgeMs });
  if (eni === null) {
    const why = verdicts.map((v) => `${v.eniId}: ${v.reason}`).join('; ');
    return { kind: 'keep', reason: `no ENI can be freed (${why})` };
  }
  const verdict = verdicts.find((v) => v.eniId === eni.id);
  return {
    kind: 'free-eni',
    eniId: eni.id,
    deviceNumber: eni.deviceNumber,
    reason: `free ${eni.id} (device ${eni.deviceNumber}): ${verdict?.reason ?? ''}; ${removeExtra.reason}`,
  };
}

/**
 * One tick of the pool manager [behaviour §3.2]: if the pool is too low, grow it [behaviour §3.6]; else if it is too
 * high and the last decrease is more than 30 s ago, release CIDRs [behaviour §3.7]; independently, free at most one ENI
 * [behaviour §3.7].
 *
 * The ENI to free is chosen on the ENIs as they will be after this tick's release, but `shouldRemoveExtraEnis`
 * sees the statistics from before it — the reference's order (it passes the tick's stale stats). It is chosen
 * before any growth is known, so a tick that grows the pool never frees an ENI on the strength of the new IPs.
 *
 * @example
 * const plan = planPool(input);
 * switch (plan.resize.kind) {
 *   case 'assign': ...; case 'allocate-eni': ...; case 'release': ...; case 'steady': break;
 * }
 */
export function planPool(input: PolicyInput): PoolPlan {
  const { snapshot, limits, mode } = input;
  const targets = effectiveTargets(input.targets, snapshot.networkCard);
  const stats = snapshot.stats;
  const target = targetState(stats, targets, mode);
  const tooLow = isPoolTooLow(stats, targets, limits, mode);
  const tooHigh = isPoolTooHigh(stats, targets, mode);
  const resize = planResize(input, targets, tooLow, tooHigh);
  const enisAfter = resize.kind === 'release' ? withoutCidrs(snapshot.enis, resize.cidrs) : snapshot.enis;
  const removeExtraEnis = shouldRemoveExtraEnis(stats, enisAfter, targets, limits, mode);
  const freeEni = planFreeEni(input, targets, enisAfter, removeExtraEnis);
  return { resize, freeEni, state: { targets, target, tooLow, tooHigh, removeExtraEnis } };
}
