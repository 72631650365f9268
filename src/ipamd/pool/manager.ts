/**
 * The warm-pool executor: one {@link PoolManager.tick} is the reference's `updateIPPoolIfRequired` [behaviour §3.2]. It
 * builds the policy's input from the datastore, the config, the limits and the timers, asks the pure policy
 * (`planPool`) what to do, and carries the plan out through EC2: grow an existing ENI ([behaviour §3.6] step A), attach
 * a new ENI (step B), release free CIDRs [behaviour §3.7], free one ENI. It stamps the timers the policy reads
 * (`lastDecreaseAt` after every release, `lastInsufficientAt` after InsufficientFreeAddressesInSubnet /
 * InsufficientCidrBlocks). No failure escapes a tick: each is typed, logged, recorded for `/v1/pool` and counted.
 *
 * Ticks run one at a time (the context's lock). {@link PoolManager.requestGrowth} runs one more tick as soon as the
 * lock is free — AddNetwork calls it when the pool is empty — and concurrent requests share that tick.
 *
 * The policy is the reference's `planPool` unless VPC_CNI_POOL_POLICY=adaptive: then `planAdaptive`, fed with the
 * AddNetwork arrivals {@link PoolManager.noteArrival} records, and every arrival also asks for a tick, so a burst
 * is answered at once rather than at the next 5 s tick (docs/pool-policy.md).
 *
 * @example
 * const pool = new PoolManager(ctx);
 * const { plan, added } = await pool.tick();
 * log.info({ resize: plan?.resize.reason, added }, 'pool tick');
 */
import { isCloudError } from '../../cloud/errors.js';
import { planAdaptive } from '../../ipam/policy-adaptive.js';
import {
  planPool,
  type AssignCandidate,
  type EniRequest,
  type PolicyInput,
  type PoolPlan,
  type PoolUnit,
  type ReleaseCidr,
  type ResizeDecision,
} from '../../ipam/policy.js';
import type { EniId } from '../../ipam/types.js';
import type { IpamdContext } from '../context.js';
import { releaseCidrs } from './cidr-release.js';
import { allocateEni, freeEni, syncEniFromEc2, type AllocOutcome } from '../eni/lifecycle.js';
import { addCidrIfMissing } from '../eni/setup.js';
import type { PoolReport } from '../introspect/pool.js';
import { PoolDemand } from './demand.js';
import { poolReport, tracked } from './history.js';
import { explainShortage } from './reasons.js';
import { errorFacts } from '../../errors.js';

export interface TickOutcome {
  /** Undefined when the tick was skipped (ipamd stopping). */
  readonly plan: PoolPlan | undefined;
  /** /32s and /28s added to the datastore. */
  readonly added: number;
  /** /32s and /28s given back to EC2. */
  readonly released: number;
  readonly freedEni?: EniId;
}

type AssignResult =
  | { readonly kind: 'ok'; readonly added: number }
  | { readonly kind: 'limit'; readonly added: number }
  | { readonly kind: 'insufficient'; readonly code: string; readonly awsCode: string; readonly subnetId: string }
  | { readonly kind: 'failed' };

const INSUFFICIENT = ['CLOUD_SUBNET_FULL', 'CLOUD_NO_CIDR_BLOCKS'] as const;

/**
 * The plan for a tick pods are waiting on: the policy's own, unless it stays steady while addresses are cooling
 * down — then the plan made with those addresses counted as in use (the reference counts them as available, so the
 * pool does not grow and the pods fail until the cooldown ends).
 *
 * @example
 * // WARM_IP_TARGET=1, the one free address is cooling down: the policy alone stays steady.
 * planForWaitingPods(input).resize.kind; // 'assign'
 */
export function planForWaitingPods(input: PolicyInput): PoolPlan {
  const plan = planPool(input);
  const stats = input.snapshot.stats;
  if (plan.resize.kind !== 'steady' || stats.cooldownIPs === 0) return plan;
  const starved = planPool({
    ...input,
    snapshot: {
      ...input.snapshot,
      stats: {
        ...stats,
        assignedIPs: stats.assignedIPs + stats.cooldownIPs,
        availableIPs: stats.availableIPs - stats.cooldownIPs,
      },
    },
  });
  if (starved.resize.kind !== 'assign' && starved.resize.kind !== 'allocate-eni') return plan;
  const reason = `pods are waiting and ${stats.cooldownIPs} free addresses are in cooldown: ${starved.resize.reason}`;
  return { ...starved, resize: { ...starved.resize, reason } };
}

/**
 * See the module comment: ticks, growth on demand, the mode clean-up, and the `/v1/pool` report.
 *
 * @example
 * const pool = new PoolManager(ctx);
 * await pool.requestGrowth(); // AddNetwork found no address
 * pool.report()?.cards[0]?.plan.resize.reason;
 */
export class PoolManager {
  readonly #ctx: IpamdContext;
  #last: { readonly at: number; readonly plan: PoolPlan; readonly input: PolicyInput } | undefined;
  #queued: Promise<TickOutcome> | undefined;
  #demand = false;
  /** Demand as the adaptive policy sees it (unused by the reference policy). */
  readonly #demandHistory = new PoolDemand();

  constructor(ctx: IpamdContext) {
    this.#ctx = ctx;
  }

  /** The policy input for the datastore as it is now. */
  policyInput(): PolicyInput {
    const { node, deps, status, timings, clock } = this.#ctx;
    const pool = deps.config.pool;
    const blocked = status.terminating
      ? 'ipamd is shutting down'
      : !deps.config.features.networkResourceProvisioning
        ? 'network resource provisioning is off (DISABLE_NETWORK_RESOURCE_PROVISIONING or ENABLE_IMDS_ONLY_MODE)'
        : deps.attachmentBlocked?.();
    return {
      snapshot: node.datastore.snapshot(),
      targets: {
        warmEniTarget: pool.warmEniTarget,
        warmIpTarget: pool.warmIpTarget,
        minimumIpTarget: pool.minimumIpTarget,
        warmPrefixTarget: pool.warmPrefixTarget,
      },
      limits: { maxEnis: node.limits.maxEnis, maxIpsPerEni: node.limits.maxIpsPerEni, maxPods: node.limits.maxPods },
      mode: { prefixDelegation: node.prefixDelegation, customNetworking: deps.config.customNetworking.enabled },
      unmanagedEnis: [...node.unmanaged.values()].filter((card) => card === 0).length,
      trunkReserve: deps.config.features.podEni && node.limits.trunkCompatible && node.trunkEniId === undefined ? 1 : 0,
      timing: {
        now: clock.now(),
        ...(status.lastDecreaseAt === undefined ? {} : { lastDecreaseAt: status.lastDecreaseAt }),
        ...(status.lastInsufficient === undefined ? {} : { lastInsufficientAt: status.lastInsufficient.at }),
        decreaseIntervalMs: timings.decreaseIntervalMs,
        insufficientAddressBackoffMs: timings.insufficientAddressBackoffMs,
        minEniAgeMs: timings.minEniAgeMs,
      },
      ...(blocked === undefined ? {} : { attachmentBlockedBy: blocked }),
    };
  }

  /** One pool tick, after whatever holds the lock now. */
  tick(): Promise<TickOutcome> {
    return this.#ctx.serial.run(() => this.#tick());
  }

  /**
   * One more tick as soon as possible, for pods waiting for an address; callers that ask while one is queued share
   * it. That tick counts addresses in cooldown as in use when the policy would otherwise stay steady, so that a
   * churny node with only cooling-down addresses grows instead of starving its pods [pain-points §10].
   */
  requestGrowth(): Promise<TickOutcome> {
    this.#demand = true;
    this.#queued ??= this.#ctx.serial.run(() => {
      this.#queued = undefined;
      return this.#tick();
    });
    this.#demandHistory.waiting += 1;
    return this.#queued.finally(() => {
      this.#demandHistory.waiting -= 1;
    });
  }

  /**
   * An AddNetwork arrived (called before it looks for an address). Under the adaptive policy: remembered as demand,
   * and a tick is queued (shared with any already queued) so that the pool follows a burst as it happens.
   */
  noteArrival(): void {
    if (this.#ctx.deps.config.pool.policy !== 'adaptive') return;
    this.#demandHistory.arrived(this.#ctx.clock.now());
    this.#queued ??= this.#ctx.serial.run(() => {
      this.#queued = undefined;
      return this.#tick();
    });
    this.#queued.catch(() => undefined);
  }

  #plan(input: PolicyInput, demand: boolean): PoolPlan {
    if (this.#ctx.deps.config.pool.policy === 'adaptive') {
      const plan = planAdaptive({ ...input, demand: this.#demandHistory.history() });
      this.#demandHistory.wanted(input.timing.now, input.snapshot.stats.assignedIPs + plan.state.targets.warmIpTarget);
      return plan;
    }
    return demand ? planForWaitingPods(input) : planPool(input);
  }

  /** The last plan, for reasons and introspection. */
  lastPlan(): PoolPlan | undefined {
    return this.#last?.plan;
  }

  /** Why an AddNetwork found no address (see reasons.ts). */
  explainShortage(error?: unknown): string {
    return explainShortage(this.#ctx, this.#last?.plan, error, this.#last?.input.attachmentBlockedBy);
  }

  async #tick(): Promise<TickOutcome> {
    const ctx = this.#ctx;
    if (ctx.status.terminating) return { plan: undefined, added: 0, released: 0 };
    const input = this.policyInput();
    const demand = this.#demand;
    this.#demand = false;
    const plan = this.#plan(input, demand);
    this.#last = { at: input.timing.now, plan, input };
    // Without provisioning ipamd makes no EC2 change at all, releases included; the plan is kept for /v1/pool.
    if (!ctx.deps.config.features.networkResourceProvisioning) return { plan, added: 0, released: 0 };
    ctx.log.debug(
      { resize: plan.resize.kind, freeEni: plan.freeEni.kind, stats: input.snapshot.stats },
      `pool plan: ${plan.resize.reason}; ${plan.freeEni.reason}`,
    );
    let added = 0;
    let released = 0;
    try {
      ({ added, released } = await this.#resize(plan.resize));
    } catch (error) {
      // Everything below records its own failures; this is a bug net so the loop survives.
      ctx.deps.metrics.ipamdError('updateIPPoolIfRequired');
      ctx.log.error({ error: errorFacts(error) }, `pool tick failed: ${errorFacts(error).message}`);
    }
    let freedEni: EniId | undefined;
    if (plan.freeEni.kind === 'free-eni') {
      ctx.log.info({ eniId: plan.freeEni.eniId }, plan.freeEni.reason);
      ctx.deps.metrics.actionInProgress('decreaseDatastorePool', 1);
      try {
        if (await freeEni(ctx, plan.freeEni.eniId)) freedEni = plan.freeEni.eniId;
      } finally {
        ctx.deps.metrics.actionInProgress('decreaseDatastorePool', -1);
      }
    }
    if (added > 0) this.#demandHistory.grew(ctx.clock.now());
    if (added > 0 || released > 0 || freedEni !== undefined) ctx.status.lastActionAt = ctx.clock.now();
    ctx.deps.metrics.datastore(ctx.node.datastore.snapshot());
    return { plan, added, released, ...(freedEni === undefined ? {} : { freedEni }) };
  }

  async #resize(resize: ResizeDecision): Promise<{ added: number; released: number }> {
    const ctx = this.#ctx;
    switch (resize.kind) {
      case 'steady':
        return { added: 0, released: 0 };
      case 'release': {
        ctx.log.info({ over: resize.over, cidrs: resize.cidrs.map((c) => c.cidr) }, `pool too high: ${resize.reason}`);
        const released = await releaseCidrs(ctx, resize.cidrs);
        ctx.status.lastDecreaseAt = ctx.clock.now();
        return { added: 0, released };
      }
      case 'assign':
      case 'allocate-eni': {
        ctx.log.info({ kind: resize.kind }, `pool too low: ${resize.reason}`);
        ctx.deps.metrics.actionInProgress('increaseDatastorePool', 1);
        try {
          const added =
            resize.kind === 'assign'
              ? await this.#grow(resize.unit, resize.candidates, resize.eniFallback)
              : await this.#allocate(resize);
          return { added, released: 0 };
        } finally {
          ctx.deps.metrics.actionInProgress('increaseDatastorePool', -1);
        }
      }
    }
  }

  /** Step A: the first candidate; the next ones only after an insufficient-address error with subnet discovery. */
  async #grow(unit: PoolUnit, candidates: readonly AssignCandidate[], fallback: EniRequest | null): Promise<number> {
    const ctx = this.#ctx;
    const discovery = ctx.deps.config.features.subnetDiscovery;
    let insufficient: Extract<AssignResult, { kind: 'insufficient' }> | undefined;
    for (const candidate of candidates) {
      const result = await this.#assignOn(candidate, unit);
      if (result.kind === 'ok' || result.kind === 'limit') return result.added;
      if (result.kind === 'failed') return 0;
      insufficient = result;
      if (!discovery) break;
    }
    // Every candidate's subnet is out of addresses: with discovery a new ENI may land in another subnet.
    if (insufficient !== undefined && discovery && fallback !== null) return this.#allocate(fallback);
    if (insufficient !== undefined) this.#stampInsufficient(insufficient);
    return 0;
  }

  async #assignOn(candidate: AssignCandidate, unit: PoolUnit): Promise<AssignResult> {
    const ctx = this.#ctx;
    const { eniId } = candidate;
    const units = unit === 'ip' ? 'IPs' : 'prefixes';
    const ask = (count: number): Promise<{ ips: string[]; prefixes: string[] }> =>
      tracked(ctx, { action: 'AssignPrivateIpAddresses', eniId, detail: `assign ${count} ${units}` }, () =>
        ctx.deps.ec2.assignPrivateIps(eniId, unit === 'ip' ? { count } : { prefixCount: count }),
      );
    let answer: { ips: string[]; prefixes: string[] };
    try {
      answer = await ask(candidate.count);
    } catch (first) {
      if (isCloudError(first, 'CLOUD_IP_LIMIT'))
        return { kind: 'limit', added: (await syncEniFromEc2(ctx, eniId)) ?? 0 };
      try {
        if (candidate.count <= 1) throw first;
        answer = await ask(1);
      } catch (error) {
        if (isCloudError(error, 'CLOUD_IP_LIMIT'))
          return { kind: 'limit', added: (await syncEniFromEc2(ctx, eniId)) ?? 0 };
        ctx.deps.metrics.ipamdError('increaseIPPoolAllocIPAddressesFailed');
        if (!isCloudError(error, ...INSUFFICIENT)) return { kind: 'failed' };
        const subnetId = ctx.node.enis.get(eniId)?.subnetId ?? 'unknown';
        return { kind: 'insufficient', code: error.code, awsCode: error.details.awsCode ?? error.code, subnetId };
      }
    }
    let added = 0;
    for (const cidr of [...answer.ips.map((ip) => `${ip}/32`), ...answer.prefixes])
      if (addCidrIfMissing(ctx, eniId, cidr)) added += 1;
    ctx.log.info({ eniId, added }, `added ${added} ${units} to ENI ${eniId}`);
    return { kind: 'ok', added };
  }

  async #allocate(request: EniRequest): Promise<number> {
    const outcome: AllocOutcome = await allocateEni(this.#ctx, request);
    if (outcome.kind === 'ok') {
      this.#ctx.log.info(
        { eniId: outcome.eniId, added: outcome.added },
        `attached ENI ${outcome.eniId} with ${outcome.added} CIDRs`,
      );
      return outcome.added;
    }
    if (outcome.kind === 'insufficient') this.#stampInsufficient(outcome);
    else this.#ctx.log.warn({ code: outcome.code }, `ENI allocation failed: ${outcome.message}`);
    return 0;
  }

  #stampInsufficient(result: { code: string; awsCode: string; subnetId: string }): void {
    const ctx = this.#ctx;
    ctx.status.lastInsufficient = {
      at: ctx.clock.now(),
      code: result.code,
      awsCode: result.awsCode,
      subnetId: result.subnetId,
    };
    ctx.log.error(
      { subnetId: result.subnetId, awsCode: result.awsCode, backoffMs: ctx.timings.insufficientAddressBackoffMs },
      `subnet ${result.subnetId} has no room (${result.awsCode}): not growing the pool for ${ctx.timings.insufficientAddressBackoffMs / 1000} s`,
    );
  }

  /** Releases the free CIDRs of one kind that match `which` (mode-switch and DEL mismatch clean-up), under the lock. */
  releaseUnused(which: { readonly prefixes: boolean; readonly eniId?: EniId }, why: string): Promise<number> {
    return this.#ctx.serial.run(async () => {
      const enis = this.#ctx.node.datastore
        .snapshot()
        .enis.filter((eni) => which.eniId === undefined || eni.id === which.eniId);
      const cidrs: ReleaseCidr[] = enis.flatMap((eni) =>
        eni.cidrs
          .filter((c) => c.isPrefix === which.prefixes && c.assignedCount === 0)
          .map((c) => ({ eniId: eni.id, cidr: c.cidr, isPrefix: c.isPrefix })),
      );
      if (cidrs.length === 0) return 0;
      this.#ctx.log.info(
        { cidrs: cidrs.map((c) => c.cidr) },
        `releasing ${cidrs.length} unused ${which.prefixes ? 'prefixes' : 'secondary IPs'}: ${why}`,
      );
      const released = await releaseCidrs(this.#ctx, cidrs);
      if (released > 0) this.#ctx.status.lastActionAt = this.#ctx.clock.now();
      return released;
    });
  }

  /** `/v1/pool`: the last plan, the numbers it was made from and the recent EC2 history; undefined before a tick. */
  report(): PoolReport | undefined {
    return this.#last === undefined ? undefined : poolReport(this.#ctx, this.#last);
  }
}
