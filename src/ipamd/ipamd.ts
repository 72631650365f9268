/**
 * ipamd: node initialisation, then the pool loop [behaviour §3.2]: every 5 s — 2.5 s, pool tick, 2.5 s, reconcile
 * (when 60 s have passed since the last pool action) and the VPC CIDR refresh (every 30 s) — plus the hourly
 * leaked-ENI clean-up. The CNI backend exists from construction and answers IPAMD_NOT_READY until initialisation
 * has finished, so the gRPC server can start first. All timings come from `deps.timings` over the reference's
 * defaults; all time from `deps.clock` and `deps.timers`.
 *
 * @example
 * const ipamd = new Ipamd(deps);
 * await ipamd.start();             // throws IpamdError IPAMD_INIT_FAILED / CHECKPOINT_RESTORE_FAILED
 * server.serve(ipamd.backend);
 * introspection.pool = () => ipamd.pool();
 * process.on('SIGTERM', () => void ipamd.stop());
 */
import type { DatastoreSnapshot } from '../ipam/types.js';
import type { CniBackend } from '../rpc/types.js';
import { IpamdBackend } from './allocation/backend.js';
import { AllocationService } from './allocation/service.js';
import type { DescribedSubnets, IpamdContext, IpamdDeps } from './context.js';
import type { PoolReport } from './introspect/pool.js';
import type { SourceReadiness } from './introspect/source.js';
import { LeakedEniCleaner, type LeakedEniResult } from './eni/leaked.js';
import { completeInit, initNode, snatSpec } from './node/init.js';
import { ActionHistory } from './pool/history.js';
import { PoolManager, type TickOutcome } from './pool/manager.js';
import { Reconciler, type ReconcileOutcome } from './eni/reconcile.js';
import { errorFacts } from '../errors.js';
import { IpamdError } from './errors.js';
import { Serial } from './serial.js';
import { type Ec2RetryNote } from './pool/status.js';

export type IpamdPhase = 'new' | 'initialising' | 'running' | 'failed' | 'stopped';

/** Whether ipamd can assign addresses, and if not why: the introspection source's type, one definition. */
export type IpamdReadiness = SourceReadiness;

interface Running {
  readonly ctx: IpamdContext;
  readonly pool: PoolManager;
  readonly allocation: AllocationService;
  readonly reconciler: Reconciler;
  readonly leaked: LeakedEniCleaner;
}

/**
 * See the module comment.
 *
 * @example
 * const ipamd = new Ipamd(deps);
 * await ipamd.start();
 * await ipamd.backend.addNetwork(request);
 * await ipamd.stop();
 */
export class Ipamd {
  /** The CNI backend for the gRPC server; answers IPAMD_NOT_READY until {@link start} has finished. */
  readonly backend: CniBackend;
  readonly #deps: IpamdDeps;
  readonly #serial = new Serial();
  readonly #history = new ActionHistory();
  #phase: IpamdPhase = 'new';
  #failure: string | undefined;
  #step = 'waiting to start';
  #stepSince = 0;
  #running: Running | undefined;
  #timer: unknown;
  #inflight: Promise<void> | undefined;
  #lastCidrRefresh = 0;

  constructor(deps: IpamdDeps) {
    this.#deps = deps;
    this.#stepSince = deps.clock.now();
    this.backend = new IpamdBackend(deps, {
      ready: () => this.#running,
      notReadyReason: () => {
        const readiness = this.readiness();
        return readiness.ready ? 'ipamd is ready' : readiness.reason;
      },
    });
  }

  /** See {@link IpamdReadiness}. */
  readiness(): IpamdReadiness {
    const phase = this.#phase;
    if (phase === 'running') return { ready: true };
    const since = this.#stepSince;
    const seconds = Math.max(0, Math.round((this.#deps.clock.now() - since) / 100) / 10);
    const reason =
      phase === 'failed'
        ? `ipamd failed to initialise the node: ${this.#failure ?? ''}`
        : phase === 'stopped'
          ? 'ipamd is stopping'
          : `ipamd is still initialising the node: ${this.#step} (for ${seconds} s); try again shortly`;
    return { ready: false, phase, step: this.#step, since, reason };
  }

  #onStep(what: string): void {
    this.#step = what;
    this.#stepSince = this.#deps.clock.now();
  }

  get phase(): IpamdPhase {
    return this.#phase;
  }

  /** Initialises the node and starts the loops. Rejects (and stays `failed`) when initialisation fails. */
  async start(): Promise<void> {
    if (this.#phase !== 'new')
      throw new IpamdError('IPAMD_INIT_FAILED', `ipamd cannot start from phase ${this.#phase}`);
    const deps = this.#deps;
    const started = deps.clock.now();
    this.#phase = 'initialising';
    try {
      const onStep = (what: string): void => this.#onStep(what);
      const ctx = await initNode(deps, { serial: this.#serial, history: this.#history, onStep });
      const pool = new PoolManager(ctx);
      onStep('releasing unused addresses and filling the warm pool');
      await completeInit(ctx, pool);
      // The datastore gauges reflect the node from the first scrape on, not from the first change: a restart that
      // restores 30 pods and needs no pool action would otherwise report 0 addresses until the next tick (or, with
      // provisioning off, until the next ADD/DEL).
      deps.metrics.datastore(ctx.node.datastore.snapshot());
      const allocation = new AllocationService(ctx, pool);
      this.#running = { ctx, pool, allocation, reconciler: new Reconciler(ctx), leaked: new LeakedEniCleaner(ctx) };
      this.#lastCidrRefresh = deps.clock.now();
    } catch (error) {
      const facts = errorFacts(error);
      this.#phase = 'failed';
      this.#failure = facts.message;
      deps.metrics.startup((deps.clock.now() - started) / 1000, false, facts.code);
      deps.logger.error({ code: facts.code }, `ipamd initialisation failed: ${facts.message}`);
      throw error;
    }
    this.#phase = 'running';
    deps.metrics.startup((deps.clock.now() - started) / 1000, true, '');
    this.#running.leaked.start();
    this.#schedule('pool');
  }

  /** Stops attaching/detaching, cancels the timers and waits for the work in flight. */
  async stop(): Promise<void> {
    const running = this.#running;
    if (running !== undefined) running.ctx.status.terminating = true;
    if (this.#timer !== undefined) this.#deps.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    await running?.leaked.stop();
    await this.#inflight;
    await this.#serial.idle();
    this.#phase = 'stopped';
    this.#deps.logger.info({}, 'ipamd stopped');
  }

  /** Resolves when no loop work or queued pool action is in flight (tests, orderly shutdown). */
  async idle(): Promise<void> {
    await this.#inflight;
    await this.#serial.idle();
  }

  /** The datastore per network card (only card 0 today); empty before initialisation. */
  snapshots(): ReadonlyMap<number, DatastoreSnapshot> {
    const running = this.#running;
    return running === undefined ? new Map() : new Map([[0, running.ctx.node.datastore.snapshot()]]);
  }

  /** `/v1/pool`: the last tick's plan and the recent EC2 history; undefined before the first tick. */
  pool(): PoolReport | undefined {
    return this.#running?.pool.report();
  }

  /** The node's zone subnets as EC2 last described them, and when (the dashboard); undefined before initialisation. */
  subnets(): DescribedSubnets | undefined {
    return this.#running?.ctx.node.describedSubnets;
  }

  /**
   * An EC2 call failed and is being retried (the adapter's `onRetry`, wired by the composition root): remembered so
   * that a pod waiting for that call learns why ("EC2 is throttling ipamd", "... is being retried after 503").
   */
  noteEc2Retry(note: Ec2RetryNote): void {
    const ctx = this.context();
    if (ctx !== undefined) ctx.status.lastRetry = note;
  }

  /** The running context (node facts, datastore, status), for introspection and tests. */
  context(): IpamdContext | undefined {
    return this.#running?.ctx;
  }

  /** One pool tick now (after anything in flight). */
  async runPoolTick(): Promise<TickOutcome | undefined> {
    return this.#running?.pool.tick();
  }

  /** One reconcile now, due or not. */
  async runReconcile(): Promise<ReconcileOutcome | undefined> {
    return this.#running?.reconciler.run();
  }

  async runLeakedEniCleanup(): Promise<LeakedEniResult | undefined> {
    return this.#running?.leaked.runOnce();
  }

  #schedule(phase: 'pool' | 'reconcile'): void {
    const running = this.#running;
    if (running === undefined || running.ctx.status.terminating) return;
    const half = running.ctx.timings.poolIntervalMs / 2;
    this.#timer = this.#deps.timers.setTimeout(() => {
      this.#timer = undefined;
      this.#inflight = this.#runPhase(running, phase).finally(() => {
        this.#inflight = undefined;
        this.#schedule(phase === 'pool' ? 'reconcile' : 'pool');
      });
    }, half);
  }

  async #runPhase(running: Running, phase: 'pool' | 'reconcile'): Promise<void> {
    const { ctx } = running;
    try {
      if (phase === 'pool') {
        if (ctx.deps.config.features.networkResourceProvisioning) await running.pool.tick();
        return;
      }
      if (running.reconciler.due()) await running.reconciler.run();
      await this.#refreshVpcCidrs(ctx);
    } catch (error) {
      // Each step records its own failures; this keeps the loop alive whatever happens.
      ctx.log.error({ phase, error: errorFacts(error) }, `ipamd ${phase} step failed: ${errorFacts(error).message}`);
    }
  }

  /** [behaviour §2.3] step 14: the VPC may gain CIDR blocks; SNAT must then exempt them. */
  async #refreshVpcCidrs(ctx: IpamdContext): Promise<void> {
    const now = ctx.clock.now();
    if (now - this.#lastCidrRefresh < ctx.timings.vpcCidrRefreshMs) return;
    this.#lastCidrRefresh = now;
    const { imds, host } = ctx.deps;
    const cidrs = await imds.vpcIpv4Cidrs(ctx.node.primaryEni.mac);
    const before = [...ctx.node.vpcCidrs].sort().join(',');
    if (cidrs.length === 0 || [...cidrs].sort().join(',') === before) return;
    ctx.node.vpcCidrs = cidrs;
    ctx.log.info({ vpcCidrs: cidrs }, `VPC CIDRs changed to ${cidrs.join(', ')}: re-programming SNAT`);
    const link = await host.linkByMac(ctx.node.primaryEni.mac);
    await host.setupSnat(snatSpec(ctx, link ?? 'eth0'));
  }
}
