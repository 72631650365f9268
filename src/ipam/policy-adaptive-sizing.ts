/**
 * The adaptive warm-pool policy's sizing (see policy-adaptive.ts and docs/pool-policy.md): its knobs, the demand
 * history ipamd hands it, and the maths from arrival times to the pool's low- and high-water marks — the arrival
 * rate outside bursts, bursts under way, the remembered burst size, and periodic (cron) bursts. Pure.
 *
 * @example
 * const sizing = adaptiveSizing({ ...policyInput, demand: { arrivals } });
 * sizing.usable < sizing.low; // grow to sizing.high
 */
import type { PolicyInput } from './policy-types.js';

/** The adaptive policy's knobs (milliseconds and address counts). */
export interface AdaptiveKnobs {
  /** Time from "grow" to addresses a pod can use (a pool tick, EC2, IMDS). */
  readonly leadTimeMs: number;
  /** Window of the fast arrival-rate estimate. */
  readonly rateWindowMs: number;
  /** Window of the slow arrival-rate estimate and of the remembered burst size. */
  readonly memoryMs: number;
  /** A burst is this many arrivals within `surgeWindowMs`. */
  readonly burstTrigger: number;
  readonly surgeWindowMs: number;
  /** A burst's size: the arrivals within this window from its start. */
  readonly burstWindowMs: number;
  /** Share of the remembered burst size kept ready between bursts (0 = none). */
  readonly burstShare: number;
  /** When the last three bursts came at a regular interval (±10 %), grow for the next this long before it is due. */
  readonly prewarmMs: number;
  /** Free addresses always kept (WARM_IP_TARGET raises it). */
  readonly minWarm: number;
  /** Smallest growth above the low-water mark. */
  readonly minBatch: number;
  /** No release sooner than this after the last growth… */
  readonly releaseHoldMs: number;
  /** …nor sooner than this after the last release. */
  readonly releaseIntervalMs: number;
  /** An empty ENI is kept while the most pods of this window could need it. ipamd keeps this much history. */
  readonly eniMemoryMs: number;
}

export const ADAPTIVE_DEFAULTS: AdaptiveKnobs = Object.freeze({
  leadTimeMs: 10_000,
  rateWindowMs: 60_000,
  memoryMs: 15 * 60_000,
  burstTrigger: 3,
  surgeWindowMs: 1_000,
  burstWindowMs: 10_000,
  burstShare: 0,
  prewarmMs: 20_000,
  minWarm: 2,
  minBatch: 4,
  releaseHoldMs: 30_000,
  releaseIntervalMs: 60_000,
  eniMemoryMs: 60 * 60_000,
});

/** What ipamd observed of pod demand. */
export interface DemandHistory {
  /** AddNetwork arrival times (ms since the epoch), oldest first; older than `memoryMs` may be dropped. */
  readonly arrivals: readonly number[];
  /** When the pool last grew; absent if never. */
  readonly lastGrowthAt?: number;
  /** AddNetwork calls waiting for an address right now (they will take that many usable addresses); default 0. */
  readonly waiting?: number;
  /**
   * Most addresses the pool wanted at once (assigned + the high-water mark of that moment) over the last
   * `eniMemoryMs`; absent = unknown (empty ENIs are kept).
   */
  readonly peakWanted?: number;
}

export interface AdaptiveInput extends PolicyInput {
  readonly demand: DemandHistory;
  readonly knobs?: Partial<AdaptiveKnobs>;
}

export interface AdaptiveSizing {
  /** Arrivals per second used for sizing. */
  readonly rate: number;
  /** Arrivals in the surge window. */
  readonly surge: number;
  /** The largest burst remembered: most arrivals within `burstWindowMs` over `memoryMs`. */
  readonly burst: number;
  /** A burst is under way (≥ burstTrigger arrivals in the surge window). */
  readonly inBurst: boolean;
  /** When the next burst is due, if the last three came at a regular interval (cron jobs). */
  readonly nextBurstAt?: number;
  /** Free and not cooling down, less the pods waiting for an address (negative when more wait than are free). */
  readonly usable: number;
  readonly low: number;
  readonly high: number;
  readonly batch: number;
  readonly reason: string;
}

/** Arrivals in (now − window, now]. `arrivals` is sorted. */
function countSince(arrivals: readonly number[], now: number, window: number): number {
  let n = 0;
  for (let i = arrivals.length - 1; i >= 0 && (arrivals[i] ?? 0) > now - window; i--)
    if ((arrivals[i] ?? 0) <= now) n += 1;
  return n;
}

/** Largest number of arrivals within any `window`-long span ending at an arrival in (now − memory, now]. */
function peakCount(arrivals: readonly number[], now: number, window: number, memory: number): number {
  let peak = 0;
  let lo = 0;
  for (let hi = 0; hi < arrivals.length; hi++) {
    const t = arrivals[hi] ?? 0;
    if (t <= now - memory || t > now) continue;
    while ((arrivals[lo] ?? 0) <= t - window || (arrivals[lo] ?? 0) <= now - memory) lo += 1;
    peak = Math.max(peak, hi - lo + 1);
  }
  return peak;
}

/** Start times of bursts: the first arrival of ≥ burstTrigger within the surge window, one per burst window. */
export function burstStarts(
  arrivals: readonly number[],
  k: Pick<AdaptiveKnobs, 'burstTrigger' | 'surgeWindowMs' | 'burstWindowMs'>,
): number[] {
  const starts: number[] = [];
  let lo = 0;
  for (let hi = 0; hi < arrivals.length; hi++) {
    const t = arrivals[hi] ?? 0;
    while ((arrivals[lo] ?? 0) <= t - k.surgeWindowMs) lo += 1;
    const start = arrivals[lo] ?? t;
    const previous = starts.at(-1);
    if (hi - lo + 1 >= k.burstTrigger && (previous === undefined || start - previous >= k.burstWindowMs))
      starts.push(start);
  }
  return starts;
}

/** The arrivals outside every burst (a burst lasts `burstWindowMs` from its start). Both lists are sorted. */
function withoutBursts(arrivals: readonly number[], starts: readonly number[], burstWindowMs: number): number[] {
  if (starts.length === 0) return [...arrivals];
  let b = 0;
  return arrivals.filter((t) => {
    while (b < starts.length && (starts[b] ?? 0) + burstWindowMs <= t) b += 1;
    const start = starts[b];
    return start === undefined || t < start;
  });
}

/** The next burst when the last three started at a regular interval (within 10 %), else undefined. */
export function nextPeriodicBurst(starts: readonly number[]): number | undefined {
  const [a, b, c] = starts.slice(-3);
  if (a === undefined || b === undefined || c === undefined) return undefined;
  const first = b - a;
  const second = c - b;
  if (Math.abs(first - second) > 0.1 * Math.max(first, second)) return undefined;
  return c + (first + second) / 2;
}

/** The defaults with `knobs` applied; WARM_IP_TARGET raises `minWarm`. */
export function adaptiveKnobs(input: Pick<AdaptiveInput, 'knobs' | 'targets'>): AdaptiveKnobs {
  const knobs = { ...ADAPTIVE_DEFAULTS, ...input.knobs };
  return { ...knobs, minWarm: Math.max(knobs.minWarm, input.targets.warmIpTarget) };
}

/**
 * The low- and high-water marks for the pool as it is now (see the module comment).
 *
 * @example
 * // 4 arrivals in the last second, bursts of 30 seen in the last 15 min, 4 of this one already arrived:
 * adaptiveSizing(input); // { inBurst: true, low: 26, high: 33, … }
 */
export function adaptiveSizing(input: AdaptiveInput): AdaptiveSizing {
  const k = adaptiveKnobs(input);
  const now = input.timing.now;
  const { arrivals } = input.demand;
  const stats = input.snapshot.stats;
  // The flow is the churn between bursts: arrivals inside a burst are the burst term's.
  const starts = burstStarts(arrivals, k);
  const steady = withoutBursts(arrivals, starts, k.burstWindowMs);
  const fast = countSince(steady, now, k.rateWindowMs) / (k.rateWindowMs / 1000);
  const slow = countSince(steady, now, k.memoryMs) / (k.memoryMs / 1000);
  const rate = Math.max(fast, slow);
  const surge = countSince(arrivals, now, k.surgeWindowMs);
  const burst = peakCount(arrivals, now, k.burstWindowMs, k.memoryMs);
  const inBurst = surge >= k.burstTrigger;
  const waiting = input.demand.waiting ?? 0;
  const usable = Math.max(0, stats.availableIPs - stats.cooldownIPs) - waiting;
  const flow = Math.ceil((rate * k.leadTimeMs * 2) / 1000);
  const nextBurstAt = nextPeriodicBurst(starts);
  const due = nextBurstAt !== undefined && now >= nextBurstAt - k.prewarmMs && now <= nextBurstAt + k.burstWindowMs;
  const between = due ? burst : Math.ceil(k.burstShare * burst);
  // In a burst: the rest of a burst as large as the largest remembered; once this one is the largest, one more
  // surge at a time. Between bursts: a share of it, or all of it when a periodic one is due.
  const seen = countSince(arrivals, now, k.burstWindowMs);
  const ready = inBurst ? (seen < burst ? burst - seen : surge) : between;
  const minimum = Math.max(0, input.targets.minimumIpTarget - stats.assignedIPs);
  const ceiling = Math.max(0, input.limits.maxPods - stats.assignedIPs);
  const low = Math.min(ceiling, Math.max(k.minWarm, flow, ready, minimum));
  const batch = Math.max(k.minBatch, Math.ceil(low / 4));
  const high = Math.min(ceiling, low + batch);
  const reason =
    `${usable} usable (${stats.availableIPs} free, ${stats.cooldownIPs} cooling${waiting > 0 ? `, ${waiting} pods waiting` : ''}); low ${low} = max(min ${k.minWarm}, ` +
    `flow ${flow} at ${rate.toFixed(3)}/s, ${inBurst ? `in a burst (${surge} in ${k.surgeWindowMs / 1000} s): rest of ${burst}` : due ? `burst of ${burst} due at ${new Date(nextBurstAt).toISOString()}` : `${k.burstShare} × burst ${burst}`} ${ready}` +
    `${minimum > 0 ? `, MINIMUM_IP_TARGET ${minimum} more` : ''}), high ${high}`;
  return {
    rate,
    surge,
    burst,
    inBurst,
    ...(nextBurstAt === undefined ? {} : { nextBurstAt }),
    usable,
    low,
    high,
    batch,
    reason,
  };
}
