/**
 * Replays a pod churn trace against the real ipamd on the embedded VPC, in virtual time (control plane only), and
 * measures the warm pool: pods whose ADD could not be answered from the pool at once and how long they waited,
 * idle addresses held (time-averaged), EC2 calls (mutating, throttled). The benchmark bench/pool-churn.ts runs it
 * once per policy.
 *
 * The world: the eksworkshop node turned into an m5.xlarge (by default), EC2 behind {@link TimedEc2} (latency and
 * the node's share of EC2's throttling buckets), IMDS showing changes `lagMs` late, FakeTimers in manual mode so
 * every EC2 call, IMDS poll, back-off and pool tick takes virtual time. Each pod is an AddNetwork on the backend; a
 * failed ADD is retried `retryMs` later (the kubelet's sandbox retry); the pod's DelNetwork comes `lifetimeMs` after
 * its address. Measurement starts after `warmupMs` (ipamd started, first pool ticks done) and runs for the trace.
 *
 * @example
 * const result = await runChurn({ trace: churnTrace('burst'), env: { VPC_CNI_POOL_POLICY: 'adaptive' } });
 * result.waited; result.waitP99Ms; result.idleAvg; result.ec2.mutating;
 */
import type { DatastoreSnapshot } from '../../../src/ipam/types.js';
import { silentLogger, type Logger } from '../../../src/obs/logger.js';
import type { ChurnTrace, TracePod } from './churn-traces.js';
import { seededRandom } from '../../../src/ipam/random.js';
import { flush, RecordingMetrics } from './fakes.js';
import { TimedEc2, type Ec2Counts } from './timed-ec2.js';
import { addRequest, buildWorld, delRequest, type World } from './world.js';

export interface ChurnOptions {
  readonly trace: ChurnTrace;
  /** ipamd's environment (the policy under test). */
  readonly env: Readonly<Record<string, string>>;
  /** Default m5.xlarge. */
  readonly instanceType?: string;
  readonly maxPods?: number;
  /** IMDS propagation lag; default 1 500 ms. */
  readonly lagMs?: number;
  /** The node's share of the account's EC2 buckets; default 0.1 (one node of ten running the same churn). */
  readonly throttleScale?: number;
  /** The kubelet's retry after a failed ADD; default 5 s. */
  readonly retryMs?: number;
  readonly warmupMs?: number;
  /** Seeds EC2 latency jitter; default the trace's seed. */
  readonly seed?: number;
  /** ipamd's logger (default silent), to see the policy's decisions. */
  readonly logger?: Logger;
}

export interface ChurnResult {
  readonly pods: number;
  /** Pods whose first ADD was not answered at once from the warm pool. */
  readonly waited: number;
  /** Over the pods that waited (0 when none did), ms of virtual time from their first ADD to their address. */
  readonly waitP50Ms: number;
  readonly waitP99Ms: number;
  readonly waitMaxMs: number;
  /** Sum of all waits (pod-milliseconds), served pods only. */
  readonly waitTotalMs: number;
  /** ADD replies that failed (the pod retried). */
  readonly failedAdds: number;
  /** Pods that never got an address before the trace ended. */
  readonly unserved: number;
  /** Addresses on the node with no pod (cooldown included), time-averaged over the trace; and the peak. */
  readonly idleAvg: number;
  readonly idlePeak: number;
  /** EC2 calls made during the trace (not the warm-up). */
  readonly ec2: Ec2Counts;
  readonly virtualMs: number;
}

/** The datastore gauges as a time integral of idle addresses (total − assigned), piecewise constant. */
class IdleMeter extends RecordingMetrics {
  readonly #now: () => number;
  #since: number | undefined;
  #idle = 0;
  #area = 0;
  peak = 0;

  constructor(now: () => number) {
    super();
    this.#now = now;
  }

  start(): void {
    this.#since = this.#now();
    this.#area = 0;
    this.peak = this.#idle;
  }

  override datastore(snapshot: DatastoreSnapshot): void {
    super.datastore(snapshot);
    this.#accrue();
    this.#idle = snapshot.stats.totalIPs - snapshot.stats.assignedIPs;
    if (this.#since !== undefined) this.peak = Math.max(this.peak, this.#idle);
  }

  #accrue(): void {
    if (this.#since === undefined) return;
    const now = this.#now();
    this.#area += this.#idle * (now - this.#since);
    this.#since = now;
  }

  average(startedAt: number): number {
    this.#accrue();
    const span = this.#now() - startedAt;
    return span > 0 ? this.#area / span : this.#idle;
  }
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

function diff(after: Ec2Counts, before: Ec2Counts): Ec2Counts {
  const byAction: Record<string, number> = {};
  for (const [action, n] of Object.entries(after.byAction)) {
    const d = n - (before.byAction[action] ?? 0);
    if (d > 0) byAction[action] = d;
  }
  return {
    calls: after.calls - before.calls,
    mutating: after.mutating - before.mutating,
    throttled: after.throttled - before.throttled,
    byAction,
  };
}

/** Runs `work` to completion while moving virtual time in small steps (start-up sleeps on the timers). */
async function drive<T>(world: World, work: Promise<T>): Promise<T> {
  let done = false;
  const settled = work.finally(() => {
    done = true;
  });
  await flush();
  while (!done) await world.timers.advance(100);
  return settled;
}

/** See the module comment. */
export async function runChurn(options: ChurnOptions): Promise<ChurnResult> {
  const { trace } = options;
  const world = buildWorld({
    env: { ...options.env },
    lagMs: options.lagMs ?? 1_500,
    ...(options.maxPods === undefined ? {} : { maxPods: options.maxPods }),
  });
  const instance = world.store.instance(world.instance.id);
  world.store.instances.set(instance.id, { ...instance, instanceType: options.instanceType ?? 'm5.xlarge' });
  world.timers.autoSleep = false;
  const clock = world.clock;
  const ec2 = new TimedEc2(world.ec2, {
    timers: world.timers,
    clock,
    throttleScale: options.throttleScale ?? 0.1,
    random: seededRandom(options.seed ?? trace.seed),
  });
  const metrics = new IdleMeter(() => clock.now());
  const ipamd = world.ipamd({ ec2, metrics, logger: options.logger ?? silentLogger });
  await drive(world, ipamd.start());
  await world.timers.advance(options.warmupMs ?? 60_000);

  const t0 = clock.now();
  const before = ec2.counts();
  metrics.start();
  const retryMs = options.retryMs ?? 5_000;
  const waits: number[] = [];
  let failedAdds = 0;
  let served = 0;

  const attempt = (pod: TracePod, firstAt: number): void => {
    void ipamd.backend.addNetwork(addRequest(pod.name)).then((reply) => {
      const now = clock.now();
      if (!reply.success) {
        failedAdds += 1;
        world.timers.setTimeout(() => attempt(pod, firstAt), retryMs);
        return;
      }
      served += 1;
      if (now > firstAt) waits.push(now - firstAt);
      world.timers.setTimeout(() => void ipamd.backend.delNetwork(delRequest(pod.name)), pod.lifetimeMs);
    });
  };

  for (const pod of trace.pods) {
    const at = t0 + pod.arriveAt;
    if (at > clock.now()) await world.timers.advance(at - clock.now());
    attempt(pod, clock.now());
    await flush(5);
  }
  const end = t0 + trace.durationMs;
  if (end > clock.now()) await world.timers.advance(end - clock.now());
  const idleAvg = metrics.average(t0);
  const ec2Counts = diff(ec2.counts(), before);
  const sorted = [...waits].sort((a, b) => a - b);
  return {
    pods: trace.pods.length,
    waited: waits.length + (trace.pods.length - served),
    waitP50Ms: percentile(sorted, 50),
    waitP99Ms: percentile(sorted, 99),
    waitMaxMs: sorted.at(-1) ?? 0,
    waitTotalMs: sorted.reduce((a, b) => a + b, 0),
    failedAdds,
    unserved: trace.pods.length - served,
    idleAvg,
    idlePeak: metrics.peak,
    ec2: ec2Counts,
    virtualMs: clock.now() - t0,
  };
}
