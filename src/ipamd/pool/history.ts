/**
 * The pool's memory for operators: a bounded history of the EC2 calls the pool made and of the failures that
 * affected it, each failure with what to do about it. `/v1/pool` shows it; AddNetwork's failure reason reads the
 * last failure from {@link PoolStatus}. Every EC2 call of the pool goes through {@link tracked}, which times it,
 * records it, logs it and keeps its typed error.
 *
 * @example
 * const ips = await tracked(ctx, { action: 'AssignPrivateIpAddresses', eniId, detail: 'assign 9 IPs' },
 *   () => ctx.deps.ec2.assignPrivateIps(eniId, { count: 9 }));
 */
import type { PolicyInput, PoolPlan } from '../../ipam/policy-types.js';
import type { PoolActionRecord, PoolErrorRecord, PoolReport } from '../introspect/pool.js';
import { errorFacts } from '../../errors.js';
import { type Logger } from '../../obs/logger.js';
import { type PoolStatus } from './status.js';
import type { Clock } from '../../ipam/clock.js';

/** What an operator can do about a failure code (ours or EC2's). */
const HINTS: Readonly<Record<string, string>> = {
  CLOUD_SUBNET_FULL:
    'free addresses in the subnet, lower WARM_ENI_TARGET/WARM_IP_TARGET, or tag another subnet of the zone kubernetes.io/role/cni=1 (subnet discovery)',
  CLOUD_NO_CIDR_BLOCKS:
    'the subnet has no free aligned /28: reserve a prefix range (create-subnet-cidr-reservation), use a less fragmented subnet, or turn off prefix delegation',
  CLOUD_ENI_LIMIT:
    'the instance type (or MAX_ENI, or the regional ENI quota) takes no more ENIs: use a larger type or prefix delegation',
  CLOUD_IP_LIMIT: 'the ENI is full; ipamd re-reads it from EC2 and moves on',
  CLOUD_THROTTLED: 'EC2 is throttling this account: lower WARM_IP_TARGET churn or raise the EC2 API rate limits',
  CLOUD_UNAUTHORIZED: "check the node role's IAM policy (AmazonEKS_CNI_Policy) and its credentials",
  CLOUD_UNAVAILABLE: 'EC2 could not be reached: check the endpoint, DNS and the node’s route to EC2',
  IMDS_ERROR: 'IMDS did not answer as expected; check the metadata service hop limit and IMDSv2 settings',
};

/**
 * The hint for a failure code, when there is one.
 *
 * @example
 * hintFor('CLOUD_UNAUTHORIZED'); // "check the node role's IAM policy ..."
 */
export function hintFor(code: string): string | undefined {
  return HINTS[code];
}

/**
 * Bounded, newest-first lists of actions and errors.
 *
 * @example
 * const history = new ActionHistory(50);
 * history.action({ at, action: 'AssignPrivateIpAddresses', detail: 'assign 9 IPs', outcome: 'ok' });
 * history.actions()[0]?.action; // 'AssignPrivateIpAddresses'
 */
export class ActionHistory {
  readonly #actions: PoolActionRecord[] = [];
  readonly #errors: PoolErrorRecord[] = [];
  readonly #limit: number;

  constructor(limit = 50) {
    this.#limit = limit;
  }

  action(record: PoolActionRecord): void {
    this.#actions.unshift(record);
    this.#actions.length = Math.min(this.#actions.length, this.#limit);
  }

  error(record: PoolErrorRecord): void {
    this.#errors.unshift(record);
    this.#errors.length = Math.min(this.#errors.length, this.#limit);
  }

  actions(): readonly PoolActionRecord[] {
    return [...this.#actions];
  }

  errors(): readonly PoolErrorRecord[] {
    return [...this.#errors];
  }
}

/** What {@link tracked} needs: a narrow slice of the ipamd context. */
export interface TrackingContext {
  readonly clock: Clock;
  readonly history: ActionHistory;
  readonly status: PoolStatus;
  readonly log: Logger;
}

export interface TrackedCall {
  /** The EC2 action, as the reference's metrics and docs name it. */
  readonly action: string;
  readonly eniId?: string;
  /** What was asked, in words. */
  readonly detail: string;
}

/**
 * Runs one EC2 call, records it (outcome, duration, EC2's error code), logs it, and on failure remembers it as the
 * pool's last error before re-throwing it unchanged.
 *
 * @example
 * await tracked(ctx, { action: 'DetachNetworkInterface', eniId, detail: 'detach' }, () => ec2.detachNetworkInterface(id));
 */
export async function tracked<T>(ctx: TrackingContext, call: TrackedCall, work: () => Promise<T>): Promise<T> {
  const start = ctx.clock.now();
  const base = { action: call.action, detail: call.detail, ...(call.eniId === undefined ? {} : { eniId: call.eniId }) };
  try {
    const result = await work();
    const at = ctx.clock.now();
    ctx.history.action({ ...base, at, outcome: 'ok', durationMs: at - start });
    ctx.log.debug({ ...base, ms: at - start }, `${call.action} ok: ${call.detail}`);
    return result;
  } catch (error) {
    recordFailure(ctx, call, error, start);
    throw error;
  }
}

/**
 * Records a failed call (history, last error, log) without throwing; for failures found outside {@link tracked}.
 *
 * @example
 * recordFailure(ctx, { action: 'setupENI', eniId, detail: 'program the host' }, error);
 */
export function recordFailure(ctx: TrackingContext, call: TrackedCall, error: unknown, start = ctx.clock.now()): void {
  const at = ctx.clock.now();
  const facts = errorFacts(error);
  const hint = hintFor(facts.code);
  const eni = call.eniId === undefined ? {} : { eniId: call.eniId };
  ctx.history.action({
    at,
    action: call.action,
    detail: call.detail,
    ...eni,
    outcome: 'error',
    errorCode: facts.awsCode ?? facts.code,
    durationMs: at - start,
  });
  ctx.history.error({
    at,
    code: facts.code,
    message: facts.message,
    action: call.action,
    ...(hint === undefined ? {} : { hint }),
  });
  ctx.status.lastError = {
    at,
    code: facts.code,
    action: call.action,
    message: facts.message,
    ...(facts.awsCode === undefined ? {} : { awsCode: facts.awsCode }),
  };
  ctx.log.warn(
    { ...eni, action: call.action, code: facts.code, awsCode: facts.awsCode, hint },
    `${call.action} failed (${call.detail}): ${facts.message}`,
  );
}

/**
 * The `/v1/pool` report of card 0 from the last tick's plan and input, the pool's timers and the history.
 *
 * @example
 * poolReport(ctx, { at: now, plan, input }).cards[0]?.plan.resize.reason;
 */
export function poolReport(
  ctx: TrackingContext,
  last: { readonly at: number; readonly plan: PoolPlan; readonly input: PolicyInput },
): PoolReport {
  const { status, history, clock } = ctx;
  const { input } = last;
  return {
    generatedAt: clock.now(),
    mode: input.mode,
    targets: input.targets,
    cards: [
      {
        networkCard: 0,
        plannedAt: last.at,
        plan: last.plan,
        stats: input.snapshot.stats,
        limits: input.limits,
        unmanagedEnis: input.unmanagedEnis,
        trunkReserve: input.trunkReserve,
        ...(status.lastDecreaseAt === undefined ? {} : { lastDecreaseAt: status.lastDecreaseAt }),
        ...(status.lastInsufficient === undefined ? {} : { lastInsufficientAt: status.lastInsufficient.at }),
        ...(input.attachmentBlockedBy === undefined ? {} : { attachmentBlockedBy: input.attachmentBlockedBy }),
      },
    ],
    recentActions: history.actions(),
    recentErrors: history.errors(),
  };
}
