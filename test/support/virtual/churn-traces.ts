/**
 * Seeded pod churn traces for the pool benchmark (bench/pool-churn.ts): when each pod's CNI ADD arrives and how
 * long the pod runs once it has its address. Sized for one m5.xlarge node (58 max pods, 56 secondary IPs): a pod
 * that would make more than {@link NODE_CAPACITY} run at once is left out (the scheduler puts it elsewhere), so a
 * trace never needs more addresses than the node has. Same name and seed, same trace.
 *
 * - `steady`: Poisson arrivals (one per 15 s), exponential lifetimes (mean 6 min): about 24 pods.
 * - `burst`: 8 long-running pods, light background churn, and batch jobs of 20–40 pods (Poisson, one per 15 min on
 *   average) whose ADDs arrive within 3 s and which run 1–4 min.
 * - `diurnal`: the arrival rate ramps from one per 60 s to one per 12 s and back over the trace (lifetimes mean
 *   8 min): 8 → 40 pods and back.
 * - `cronjob`: 10 long-running pods, background churn, and every 5 min a wave of 15 pods (ADDs within 2 s) that run
 *   40–90 s.
 *
 * @example
 * const trace = churnTrace('burst', { seed: 1 });
 * trace.pods.length; // ≈ 500 over 4 h
 */
import { seededRandom } from '../../../src/ipam/random.js';

export interface TracePod {
  readonly name: string;
  /** When the pod's first CNI ADD arrives, ms from the trace start. */
  readonly arriveAt: number;
  /** How long the pod runs once it has its address (its DEL arrives then). */
  readonly lifetimeMs: number;
}

export interface ChurnTrace {
  readonly name: TraceName;
  readonly description: string;
  readonly seed: number;
  readonly durationMs: number;
  /** Sorted by arrival. */
  readonly pods: readonly TracePod[];
  /** Time-averaged number of running pods if every ADD were answered at once: the node's "expected pod count". */
  readonly meanPods: number;
  readonly peakPods: number;
}

export const TRACE_NAMES = ['steady', 'burst', 'diurnal', 'cronjob'] as const;
export type TraceName = (typeof TRACE_NAMES)[number];

const MIN = 60_000;
/** Pods the scheduler puts on the node at most: an m5.xlarge's 56 secondary IPs, less headroom for waits. */
export const NODE_CAPACITY = 48;
const HOUR = 60 * MIN;

type Random = () => number;
const exp = (random: Random, mean: number): number => -Math.log(1 - random()) * mean;
const uniform = (random: Random, lo: number, hi: number): number => lo + (hi - lo) * random();

/** Arrivals of a Poisson process with rate `perMs(t)` ≤ `maxPerMs` on [from, to) (thinning). */
function poisson(
  random: Random,
  from: number,
  to: number,
  maxPerMs: number,
  perMs: (t: number) => number = () => maxPerMs,
): number[] {
  const out: number[] = [];
  for (let t = from + exp(random, 1 / maxPerMs); t < to; t += exp(random, 1 / maxPerMs)) {
    if (random() * maxPerMs <= perMs(t)) out.push(t);
  }
  return out;
}

interface Draft {
  readonly arriveAt: number;
  readonly lifetimeMs: number;
}

function steady(random: Random, duration: number): Draft[] {
  return poisson(random, 0, duration, 1 / 15_000).map((t) => ({ arriveAt: t, lifetimeMs: exp(random, 6 * MIN) }));
}

function background(random: Random, duration: number, longRunning: number): Draft[] {
  const longOnes = Array.from({ length: longRunning }, (_, i) => ({ arriveAt: i * 500, lifetimeMs: duration * 2 }));
  const churn = poisson(random, 0, duration, 1 / 60_000).map((t) => ({
    arriveAt: t,
    lifetimeMs: exp(random, 5 * MIN),
  }));
  return [...longOnes, ...churn];
}

function burst(random: Random, duration: number): Draft[] {
  const jobs = poisson(random, 5 * MIN, duration, 1 / (15 * MIN)).flatMap((start) => {
    const size = Math.floor(uniform(random, 20, 41));
    return Array.from({ length: size }, () => ({
      arriveAt: start + uniform(random, 0, 3_000),
      lifetimeMs: uniform(random, MIN, 4 * MIN),
    }));
  });
  return [...background(random, duration, 8), ...jobs];
}

function diurnal(random: Random, duration: number): Draft[] {
  const low = 1 / 60_000;
  const high = 1 / 12_000;
  const rate = (t: number): number => low + (high - low) * Math.sin((Math.PI * t) / duration);
  return poisson(random, 0, duration, high, rate).map((t) => ({ arriveAt: t, lifetimeMs: exp(random, 8 * MIN) }));
}

function cronjob(random: Random, duration: number): Draft[] {
  const waves: Draft[] = [];
  for (let start = 5 * MIN; start < duration; start += 5 * MIN) {
    for (let i = 0; i < 15; i++)
      waves.push({ arriveAt: start + uniform(random, 0, 2_000), lifetimeMs: uniform(random, 40_000, 90_000) });
  }
  return [...background(random, duration, 10), ...waves];
}

const BUILDERS: Readonly<
  Record<TraceName, { readonly description: string; readonly build: (random: Random, duration: number) => Draft[] }>
> = {
  steady: { description: 'Poisson arrivals 1/15 s, exponential lifetimes mean 6 min', build: steady },
  burst: {
    description:
      '8 long-running pods + batch jobs of 20–40 pods (ADDs within 3 s, run 1–4 min), one per 15 min on average',
    build: burst,
  },
  diurnal: { description: 'arrival rate ramps 1/60 s → 1/12 s → 1/60 s, lifetimes mean 8 min', build: diurnal },
  cronjob: {
    description: '10 long-running pods + every 5 min a wave of 15 pods (ADDs within 2 s, run 40–90 s)',
    build: cronjob,
  },
};

/**
 * The scheduler's view: a pod that would make more than `capacity` pods run at once goes to another node (dropped).
 * Lifetimes count from arrival here, as if every ADD were answered at once.
 */
function withinCapacity(sorted: readonly Draft[], capacity: number): Draft[] {
  const ends: number[] = [];
  const kept: Draft[] = [];
  for (const pod of sorted) {
    for (let i = ends.length - 1; i >= 0; i--) if ((ends[i] ?? 0) <= pod.arriveAt) ends.splice(i, 1);
    if (ends.length >= capacity) continue;
    ends.push(pod.arriveAt + pod.lifetimeMs);
    kept.push(pod);
  }
  return kept;
}

/** Running pods over time if every ADD were answered at once: time-average and peak over [0, duration). */
function occupancy(pods: readonly Draft[], duration: number): { mean: number; peak: number } {
  const edges = pods.flatMap((p) => [
    { t: p.arriveAt, d: 1 },
    { t: Math.min(duration, p.arriveAt + p.lifetimeMs), d: -1 },
  ]);
  edges.sort((a, b) => a.t - b.t || a.d - b.d);
  let running = 0;
  let peak = 0;
  let area = 0;
  let last = 0;
  for (const edge of edges) {
    area += running * (edge.t - last);
    last = edge.t;
    running += edge.d;
    peak = Math.max(peak, running);
  }
  return { mean: area / duration, peak };
}

/**
 * The named trace for a seed; `hours` of arrivals (default 4).
 *
 * @example
 * churnTrace('steady', { seed: 7, hours: 1 }).meanPods; // ≈ 24
 */
export function churnTrace(
  name: TraceName,
  options: { readonly seed?: number; readonly hours?: number; readonly capacity?: number } = {},
): ChurnTrace {
  const seed = options.seed ?? 1;
  const durationMs = Math.round((options.hours ?? 4) * HOUR);
  const { description, build } = BUILDERS[name];
  const sorted = build(seededRandom(seed * 7919 + TRACE_NAMES.indexOf(name)), durationMs).sort(
    (a, b) => a.arriveAt - b.arriveAt,
  );
  const drafts = withinCapacity(sorted, options.capacity ?? NODE_CAPACITY);
  const pods = drafts.map((d, i) => ({
    name: `${name}-${i}`,
    arriveAt: Math.round(d.arriveAt),
    lifetimeMs: Math.max(1_000, Math.round(d.lifetimeMs)),
  }));
  const { mean, peak } = occupancy(pods, durationMs);
  return { name, description, seed, durationMs, pods, meanPods: mean, peakPods: peak };
}
