/**
 * A whole cluster joining at once, in virtual time (bench/cluster-scale.ts): N real {@link Ipamd}s over one
 * embedded VPC ({@link clusterScenario}), one account's EC2 buckets ({@link SharedEc2}), one clock and one
 * {@link VirtualScheduler}. Every node starts ipamd at time 0; when its start-up finishes (the node is Ready), the
 * kubelet asks for `podsPerNode` pod addresses at once. Failures are retried the way the cluster would:
 *
 * - an ipamd whose initialisation fails is restarted by the kubelet with CrashLoopBackOff (10 s doubling to 300 s,
 *   same checkpoint, a new process);
 * - a pod whose AddNetwork fails is retried by its pod worker after 10 s plus up to 50 % jitter (kubelet's
 *   `backOffPeriod` and `workerBackOffPeriodJitterFactor`).
 *
 * The run ends when every pod has an address or at `limitMs` of virtual time. Each node has its own seeded random
 * source, so runs are reproducible.
 *
 * @example
 * const result = await runCluster({ nodes: 100, podsPerNode: 20 });
 * result.doneMs; // virtual ms until the last pod had an address
 * result.throttled; // RequestLimitExceeded answers
 */
import { pacedBudget } from '../../../src/cloud/ec2/budget.js';
import { loadConfig } from '../../../src/config/index.js';
import { manualClock } from '../../../src/ipam/clock.js';
import { ImdsPropagation, clusterScenario, VpcStore, type ClusterScenarioOptions } from '../../../src/sim/index.js';
import { Ipamd } from '../../../src/ipamd/ipamd.js';
import { pacedTimings, type IpamdTimings } from '../../../src/ipamd/timings.js';
import { silentLogger } from '../../../src/obs/logger.js';
import { type IpamdDeps } from '../../../src/ipamd/context.js';
import { clusterFloor, type BucketSummary } from './cluster-floor.js';
import { FakeHostNetwork, MemoryCheckpointStore, RecordingMetrics } from './fakes.js';
import { VirtualScheduler } from './scheduler.js';
import { SimImds } from './sim-ports.js';
import { SharedEc2, ThrottledEc2, type ThrottledEc2Options } from './throttled-ec2.js';
import { addRequest, START } from './world.js';
import { seededRandom } from '../../../src/ipam/random.js';

export interface ClusterOptions extends Omit<ClusterScenarioOptions, 'nodes'> {
  readonly nodes: number;
  readonly podsPerNode: number;
  /** ipamd's environment (WARM_ENI_TARGET, ...); the defaults otherwise. */
  readonly env?: Record<string, string>;
  readonly timings?: Partial<IpamdTimings>;
  /** Each node's client-side EC2 budget (the production default when absent). */
  readonly budget?: ThrottledEc2Options['budget'];
  /**
   * Account-aware pacing instead of `budget` ({@link pacedBudget}): each node takes `share` of every bucket and its
   * buckets start filled to a random fraction (one phase per node).
   */
  readonly pacing?: { readonly share: number };
  readonly seed?: number;
  /** Uniform latency of an accepted EC2 call, ms ([100, 300]). */
  readonly latencyMs?: readonly [number, number];
  /** IMDS shows an attached ENI this long after the attach (1500 ms); addresses after `imdsAddressLagMs` (1000). */
  readonly imdsAttachLagMs?: number;
  readonly imdsAddressLagMs?: number;
  /** Virtual time limit (ms); 3600 s by default. */
  readonly limitMs?: number;
  /** Receives the shared account once built (for timelines and debugging). */
  readonly onAccount?: (account: SharedEc2) => void;
  /** Called every ~1000 instants, e.g. to sample the heap. */
  readonly onProgress?: (progress: { readonly nowMs: number; readonly podsWithAddress: number }) => void;
}

export interface ClusterResult {
  readonly nodes: number;
  readonly podsPerNode: number;
  readonly pods: number;
  readonly podsWithAddress: number;
  /** Virtual ms from the start until every pod had an address; undefined when the limit came first. */
  readonly doneMs: number | undefined;
  /** Virtual ms until each node was Ready: median and maximum. */
  readonly readyMs: { readonly median: number; readonly max: number };
  /** ipamd initialisations that failed (each followed by a restart). */
  readonly initFailures: number;
  /** AddNetwork replies that failed (each followed by a kubelet retry). */
  readonly addFailures: number;
  /** ipamd's error counter (`awscni_ipamd_error_count{fn}`) summed over the nodes. */
  readonly ipamdErrors: Readonly<Record<string, number>>;
  /** Nodes whose pods did not all get an address, grouped by what ipamd says (phase; last EC2 error; last plan). */
  readonly stuck: readonly { readonly nodes: number; readonly why: string }[];
  /** RequestLimitExceeded answers. */
  readonly throttled: number;
  /** InsufficientFreeAddressesInSubnet / InsufficientCidrBlocks answers. */
  readonly subnetFull: number;
  /** NetworkInterfaceLimitExceeded answers (the region's ENI quota). */
  readonly eniQuota: number;
  /** Per bucket, calls until `doneMs` (or the end). */
  readonly buckets: readonly BucketSummary[];
  /** The least time EC2's buckets allow for those calls, and the bucket that sets it. */
  readonly bucketFloorMs: number;
  readonly bottleneck: string | undefined;
  readonly instants: number;
}

const CRASH_BACKOFF = { firstMs: 10_000, maxMs: 300_000 };
const POD_RETRY = { baseMs: 10_000, jitter: 0.5 };

/** Runs the cluster; see the module comment. */
export async function runCluster(options: ClusterOptions): Promise<ClusterResult> {
  const seed = options.seed ?? 1;
  const clock = manualClock(START);
  const scenario = clusterScenario(options);
  const store = new VpcStore({ region: scenario.region, clock });
  scenario.build(store);
  const timers = new VirtualScheduler(clock);
  const propagation = new ImdsPropagation(store, {
    attachLagMs: options.imdsAttachLagMs ?? 1500,
    addressLagMs: options.imdsAddressLagMs ?? 1000,
    detachLagMs: 1000,
  });
  const account = new SharedEc2({
    store,
    timers,
    random: seededRandom(seed),
    ...(options.latencyMs === undefined ? {} : { latencyMs: options.latencyMs }),
  });
  options.onAccount?.(account);
  const { config } = loadConfig({ ...options.env });
  // Paced, a node may call DescribeSubnets once per 1 / (20 × share) s: start-up's answer must do for that long.
  const timings =
    options.pacing === undefined ? options.timings : { ...pacedTimings(options.pacing.share), ...options.timings };
  const sleep = (ms: number): Promise<void> => timers.sleep(ms);
  const pods = options.nodes * options.podsPerNode;
  let podsWithAddress = 0;
  let initFailures = 0;
  let addFailures = 0;
  let doneMs: number | undefined;
  const ready: number[] = [];
  const ipamdErrors: Record<string, number> = {};
  const countErrors = (metrics: RecordingMetrics): void => {
    for (const fn of metrics.errors) ipamdErrors[fn] = (ipamdErrors[fn] ?? 0) + 1;
  };
  const allMetrics: RecordingMetrics[] = [];
  const latest: { ipamd: Ipamd | undefined; addressed: number; restarts: number; instanceId: string }[] = [];

  const startPod = (ipamd: Ipamd, node: number, name: string, random: () => number): void => {
    const attempt = async (): Promise<void> => {
      const reply = await ipamd.backend.addNetwork(addRequest(name));
      if (reply.success) {
        podsWithAddress += 1;
        const entry = latest[node];
        if (entry !== undefined) entry.addressed += 1;
        if (podsWithAddress === pods) doneMs = clock.now() - START;
        return;
      }
      addFailures += 1;
      timers.setTimeout(() => void attempt(), POD_RETRY.baseMs * (1 + POD_RETRY.jitter * random()));
    };
    void attempt();
  };

  const instances = [...store.instances.values()];
  instances.forEach((instance, index) => {
    const random = seededRandom(seed * 1_000_003 + index + 1);
    const checkpoint = new MemoryCheckpointStore();
    latest[index] = { ipamd: undefined, addressed: 0, restarts: 0, instanceId: instance.id };
    const pacing = options.pacing;
    const budget = pacing === undefined ? options.budget : pacedBudget(pacing.share, random);
    const boot = (restarts: number): void => {
      const deps: IpamdDeps = {
        config,
        ec2: new ThrottledEc2(account, { clock, sleep, random, ...(budget === undefined ? {} : { budget }) }),
        imds: new SimImds(propagation, instance.id),
        host: new FakeHostNetwork(),
        checkpoint,
        metrics: new RecordingMetrics(),
        clock,
        timers,
        logger: silentLogger,
        random,
        ...(timings === undefined ? {} : { timings }),
      };
      allMetrics.push(deps.metrics as RecordingMetrics);
      const ipamd = new Ipamd(deps);
      const entry = latest[index];
      if (entry !== undefined) Object.assign(entry, { ipamd, restarts });
      ipamd.start().then(
        () => {
          ready.push(clock.now() - START);
          for (let p = 0; p < options.podsPerNode; p++) startPod(ipamd, index, `n${index}-p${p}`, random);
        },
        () => {
          initFailures += 1;
          timers.setTimeout(
            () => boot(restarts + 1),
            Math.min(CRASH_BACKOFF.maxMs, CRASH_BACKOFF.firstMs * 2 ** restarts),
          );
        },
      );
    };
    boot(0);
  });

  const limitMs = options.limitMs ?? 3_600_000;
  let instants = 0;
  let sinceProgress = 0;
  for (;;) {
    const run = await timers.run({
      until: Math.min(START + limitMs, clock.now() + 10_000),
      done: () => doneMs !== undefined,
    });
    instants += run.instants;
    sinceProgress += run.instants;
    if (sinceProgress >= 1000 || run.stoppedBy !== 'until') {
      sinceProgress = 0;
      options.onProgress?.({ nowMs: clock.now() - START, podsWithAddress });
    }
    if (run.stoppedBy !== 'until' || clock.now() >= START + limitMs) break;
  }
  propagation.close();
  for (const m of allMetrics) countErrors(m);

  const stuck = new Map<string, number>();
  for (const node of latest) {
    if (node.addressed >= options.podsPerNode) continue;
    const why = stuckReason(node.ipamd, node.restarts, store, node.instanceId);
    stuck.set(why, (stuck.get(why) ?? 0) + 1);
  }
  const endMs = doneMs ?? clock.now() - START;
  const floor = clusterFloor([...account.tallies.values()], START + endMs);
  const sorted = [...ready].sort((a, b) => a - b);
  return {
    nodes: options.nodes,
    podsPerNode: options.podsPerNode,
    pods,
    podsWithAddress,
    doneMs,
    readyMs: { median: sorted[Math.floor(sorted.length / 2)] ?? 0, max: sorted[sorted.length - 1] ?? 0 },
    initFailures,
    addFailures,
    ipamdErrors,
    stuck: [...stuck]
      .map(([why, nodes]) => ({ nodes, why }))
      .sort((a, b) => b.nodes - a.nodes)
      .slice(0, 8),
    throttled: account.throttled(),
    subnetFull: account.subnetFullAt.length,
    eniQuota: account.eniQuotaAt.length,
    buckets: floor.buckets,
    bucketFloorMs: floor.floorMs,
    bottleneck: floor.bottleneck,
    instants,
  };
}

/** What a node whose pods are still waiting is doing, in one line (ENIs: datastore vs attached in EC2). */
function stuckReason(ipamd: Ipamd | undefined, restarts: number, store: VpcStore, instanceId: string): string {
  if (ipamd === undefined) return 'no ipamd';
  const attached = [...store.enis.values()].filter((e) => e.attachment?.instanceId === instanceId).length;
  const ctx = ipamd.context();
  if (ctx === undefined) return `ipamd ${ipamd.phase} (restarts ${restarts}), ${attached} ENIs attached`;
  const known = ctx.node.datastore.snapshot().enis.length;
  const error = ctx.status.lastError;
  const plan = ipamd.pool()?.cards[0]?.plan.resize;
  const text = (t: string): string => t.replace(/(eni|subnet|i)-[0-9a-f]+/g, '$1-…').replace(/\d+/g, 'N');
  return `ipamd ${ipamd.phase}, ENIs ${known} known / ${attached} attached; last error ${error === undefined ? '-' : text(`${error.action} ${error.code}`)}; plan ${plan === undefined ? '-' : text(`${plan.kind}: ${plan.reason}`)}`;
}
