/**
 * The adaptive warm-pool policy (VPC_CNI_POOL_POLICY=adaptive; docs/pool-policy.md): the same {@link PoolPlan} as
 * the reference's {@link planPool}, but the pool is sized from the pod demand ipamd observed instead of from fixed
 * targets. Pure: the demand history (AddNetwork arrival times, the last growth) comes in as input.
 *
 * Sizing, in addresses ({@link adaptiveSizing}):
 * - `flow`: the arrival rate outside bursts (the larger of the last minute's and the last 15 minutes': fast up, slow
 *   down) times twice the lead time of new addresses — what steady churn consumes before a growth lands;
 * - `burst`: the largest number of arrivals within 10 s remembered over 15 minutes. Between bursts a share
 *   (`burstShare`) of it is kept ready; once a burst starts (`burstTrigger` arrivals within a second) the pool grows
 *   at once, in one call, to the rest of a burst that large;
 * - low-water mark `low` = max(minWarm, flow, burst term, what MINIMUM_IP_TARGET still asks for), capped by maxPods;
 *   high-water mark `high` = low + a batch (max(minBatch, low / 4)).
 *
 * Plan: grow when the usable free addresses (free, not in cooldown, less the ADDs waiting) drop below `low`, to `high`,
 * in one call (the reference's increase machinery: existing ENIs first, else a new ENI). Release only addresses above
 * `high + batch`, that are neither assigned nor cooling, and only `releaseHoldMs` after the last growth and
 * `releaseIntervalMs` after the last release.
 * Release from one ENI at a time (one call). Free an ENI only once it holds no address and the other ENIs can hold
 * the most the pool wanted within `eniMemoryMs`: an attached empty ENI holds
 * no idle address, and growing on it later is one AssignPrivateIpAddresses instead of Create+Attach.
 *
 * @example
 * const plan = planAdaptive({ ...policyInput, demand: { arrivals: recentAddTimes } });
 * plan.resize.kind; // 'assign' when a burst is under way
 */
import {
  adaptiveKnobs,
  adaptiveSizing,
  type AdaptiveInput,
  type AdaptiveKnobs,
  type AdaptiveSizing,
} from './policy-adaptive-sizing.js';
import { allocatableEnis, planIncrease, untilText } from './policy-resize.js';
import { IPS_PER_PREFIX, divCeil, targetState } from './policy-targets.js';
import {
  POLICY_DEFAULTS,
  type FreeEniDecision,
  type PoolPlan,
  type PoolTargets,
  type ReleaseCidr,
  type ResizeDecision,
  type Verdict,
} from './policy-types.js';
import type { EniView } from './types.js';

export * from './policy-adaptive-sizing.js';

/**
 * Free CIDRs with no pod and no address in cooldown, at most `limit` addresses, all from one ENI (one
 * UnassignPrivateIpAddresses call): the ENI with the most of them, the highest device on a tie; highest address first.
 */
function releasable(enis: readonly EniView[], prefixDelegation: boolean, limit: number): ReleaseCidr[] {
  let best: ReleaseCidr[] = [];
  for (const eni of [...enis].sort((a, b) => b.deviceNumber - a.deviceNumber)) {
    if (eni.isExcludedForPodIPs) continue;
    const out: ReleaseCidr[] = [];
    let addresses = 0;
    for (const cidr of [...eni.cidrs].reverse()) {
      if (cidr.isPrefix !== prefixDelegation || cidr.assignedCount > 0 || cidr.cooldownCount > 0) continue;
      if (addresses + cidr.size > limit) break;
      out.push({ eniId: eni.id, cidr: cidr.cidr, isPrefix: cidr.isPrefix });
      addresses += cidr.size;
    }
    if (out.length > best.length) best = out;
  }
  return best;
}

function planAdaptiveRelease(
  input: AdaptiveInput,
  sizing: AdaptiveSizing,
  k: AdaptiveKnobs,
): ResizeDecision | undefined {
  const excess = sizing.usable - sizing.high;
  // PD shrinks in whole /28s: the band is a prefix wider, or every prefix would bounce.
  const band = sizing.batch + (input.mode.prefixDelegation ? IPS_PER_PREFIX - 1 : 0);
  if (excess <= band) return undefined;
  const { now, lastDecreaseAt } = input.timing;
  const until = Math.max(
    (lastDecreaseAt ?? -Infinity) + k.releaseIntervalMs,
    (input.demand.lastGrowthAt ?? -Infinity) + k.releaseHoldMs,
  );
  if (now < until) {
    return {
      kind: 'steady',
      reason: `${excess} over the high-water mark; release held until ${untilText(until, now)}: ${sizing.reason}`,
    };
  }
  const cidrs = releasable(input.snapshot.enis, input.mode.prefixDelegation, excess);
  if (cidrs.length === 0)
    return {
      kind: 'steady',
      reason: `${excess} over the high-water mark, but no whole free CIDR to release: ${sizing.reason}`,
    };
  const enis = [...new Set(cidrs.map((c) => c.eniId))].join(', ');
  return {
    kind: 'release',
    over: cidrs.length,
    cidrs,
    reason: `${excess} over the high-water mark: release ${cidrs.length} from ${enis}: ${sizing.reason}`,
  };
}

function planAdaptiveFreeEni(
  input: AdaptiveInput,
  sizing: AdaptiveSizing,
): { decision: FreeEniDecision; verdict: Verdict } {
  const keep = (reason: string): { decision: FreeEniDecision; verdict: Verdict } => ({
    decision: { kind: 'keep', reason },
    verdict: { result: false, reason },
  });
  if (input.attachmentBlockedBy !== undefined) return keep(`not freeing ENIs: ${input.attachmentBlockedBy}`);
  if (sizing.usable < sizing.low) return keep('not freeing ENIs while the pool is below its low-water mark');
  const minAge = input.timing.minEniAgeMs ?? POLICY_DEFAULTS.minEniAgeMs;
  const now = input.timing.now;
  const empty = input.snapshot.enis
    .filter((e) => !e.isPrimary && !e.isTrunk && !e.isEFA && e.cidrs.length === 0 && now - e.createTime >= minAge)
    .sort((a, b) => b.deviceNumber - a.deviceNumber)[0];
  if (empty === undefined) return keep('no empty ENI older than the minimum ENI age');
  const unit = input.mode.prefixDelegation ? IPS_PER_PREFIX : 1;
  const others = allocatableEnis(
    input.snapshot.enis.filter((e) => e.id !== empty.id),
    Number.MAX_SAFE_INTEGER,
    input.mode,
  );
  const room = others.reduce((sum, e) => sum + Math.max(0, input.limits.maxIpsPerEni - e.cidrs.length) * unit, 0);
  const peak = input.demand.peakWanted;
  if (peak === undefined) return keep(`keep empty ${empty.id}: no demand history yet`);
  const stats = input.snapshot.stats;
  const capacity = stats.totalIPs + room;
  const wanted = Math.max(peak, stats.assignedIPs + sizing.high);
  if (capacity < wanted)
    return keep(
      `keep empty ${empty.id}: without it the node holds ${capacity} addresses; the pool wanted ${wanted} within the ENI memory`,
    );
  const reason = `free empty ${empty.id} (device ${empty.deviceNumber}): without it the node still holds ${capacity} ≥ ${wanted} addresses, the most the pool wanted within the ENI memory`;
  return {
    decision: { kind: 'free-eni', eniId: empty.id, deviceNumber: empty.deviceNumber, reason },
    verdict: { result: true, reason },
  };
}

/** An `assign` asks the ENI that can take the most of it first (fewer calls than lowest device first). */
function widestFirst(resize: ResizeDecision): ResizeDecision {
  if (resize.kind !== 'assign') return resize;
  const [first, ...rest] = [...resize.candidates].sort((a, b) => b.count - a.count || a.deviceNumber - b.deviceNumber);
  if (first === undefined) return resize;
  const units = resize.unit === 'ip' ? 'IPs' : 'prefixes';
  return {
    ...resize,
    candidates: [first, ...rest],
    reason: `want ${resize.wanted} ${units}: assign ${first.count} on ${first.eniId} (device ${first.deviceNumber})`,
  };
}

/**
 * One pool tick under the adaptive policy. Pods waiting for an address need no special case: the sizing already
 * counts cooling addresses as unusable, and their arrivals are in the demand history.
 *
 * @example
 * planAdaptive({ ...input, demand: { arrivals: [] } }).resize; // grows to minWarm + minBatch on an empty pool
 */
export function planAdaptive(input: AdaptiveInput): PoolPlan {
  const k = adaptiveKnobs(input);
  const sizing = adaptiveSizing(input);
  const stats = input.snapshot.stats;
  const targets: PoolTargets = { warmEniTarget: 0, warmIpTarget: sizing.high, minimumIpTarget: 0, warmPrefixTarget: 0 };
  const tooLow: Verdict = { result: sizing.usable < sizing.low, reason: `adaptive: ${sizing.reason}` };
  let resize: ResizeDecision;
  if (tooLow.result) {
    // The reference's increase machinery, sized to reach `high` usable addresses: cooling ones do not count.
    const usableStats = { ...stats, availableIPs: sizing.usable };
    resize = widestFirst(planIncrease({ ...input, snapshot: { ...input.snapshot, stats: usableStats } }, targets));
    if (resize.kind !== 'steady') resize = { ...resize, reason: `${resize.reason}; ${tooLow.reason}` };
  } else {
    resize = planAdaptiveRelease(input, sizing, k) ?? {
      kind: 'steady',
      reason: `adaptive: within the marks: ${sizing.reason}`,
    };
  }
  const tooHigh: Verdict = { result: resize.kind === 'release', reason: resize.reason };
  const { decision: freeEni, verdict: removeExtraEnis } = planAdaptiveFreeEni(input, sizing);
  const target = {
    ...targetState(stats, targets, input.mode),
    shortPrefixes: input.mode.prefixDelegation ? divCeil(Math.max(0, sizing.high - sizing.usable), IPS_PER_PREFIX) : 0,
  };
  return { resize, freeEni, state: { targets, target, tooLow, tooHigh, removeExtraEnis } };
}
