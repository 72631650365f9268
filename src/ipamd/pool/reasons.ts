/**
 * Why a pod got no address, in words an operator can act on ([pain-points §5]: the reference answers every
 * failure with "failed to assign an IP address to container"). Built from the datastore's numbers, the last pool
 * plan and the pool's last EC2 failure, most specific cause first: max pods, subnet full / no /28 block (with the
 * back-off window), ENI limit, EC2 throttling, addresses in cooldown, any other EC2 failure, attachment blocked.
 *
 * @example
 * explainShortage(ctx, plan, error);
 * // 'no free address: 9 of 9 in use; subnet subnet-0a is full (InsufficientFreeAddressesInSubnet at
 * //  2024-05-01T12:00:01Z; retry after 2024-05-01T12:02:01Z)'
 */
import { hasRoomForEni, allocatableEnis, type PoolPlan } from '../../ipam/policy.js';
import type { IpamdContext } from '../context.js';
import { rfc3339 } from '../../ipam/clock.js';

/** Reads `reuseAt` from the datastore's NO_AVAILABLE_ADDRESS details, when addresses are cooling down. */
function reuseAtOf(error: unknown): number | undefined {
  const details = (error as { details?: { reuseAt?: unknown } } | undefined)?.details;
  return typeof details?.reuseAt === 'number' ? details.reuseAt : undefined;
}

function subnetCause(ctx: IpamdContext): string | undefined {
  const last = ctx.status.lastInsufficient;
  if (last === undefined) return undefined;
  const until = last.at + ctx.timings.insufficientAddressBackoffMs;
  if (ctx.clock.now() > until) return undefined;
  const what = last.code === 'CLOUD_NO_CIDR_BLOCKS' ? 'has no free /28 block' : 'is full';
  return `subnet ${last.subnetId} ${what} (${last.awsCode} at ${rfc3339(last.at)}; retry after ${rfc3339(until)})`;
}

function eniLimitCause(ctx: IpamdContext): string | undefined {
  const { node, deps } = ctx;
  const snapshot = node.datastore.snapshot();
  const trunkReserve =
    deps.config.features.podEni && node.limits.trunkCompatible && node.trunkEniId === undefined ? 1 : 0;
  const unmanagedEnis = [...node.unmanaged.values()].filter((card) => card === 0).length;
  const room = hasRoomForEni(snapshot, node.limits, { unmanagedEnis, trunkReserve });
  const growable = allocatableEnis(snapshot.enis, node.limits.maxIpsPerEni, {
    customNetworking: deps.config.customNetworking.enabled,
  });
  if (room.result || growable.length > 0) return undefined;
  const limit = node.limits.maxEnis - unmanagedEnis - trunkReserve;
  const maxEni = deps.config.pool.maxEni;
  const why = maxEni !== undefined && maxEni === node.limits.maxEnis ? ` (MAX_ENI=${maxEni})` : '';
  return `ENI limit reached: ${snapshot.enis.length} of ${limit} ENIs attached${why}, each full`;
}

/** The last retried EC2 failure, if it happened since the last pool action and within the last minute. */
function recentRetry(ctx: IpamdContext): IpamdContext['status']['lastRetry'] {
  const retry = ctx.status.lastRetry;
  if (retry === undefined) return undefined;
  return ctx.clock.now() - retry.at <= RETRY_FRESH_MS && retry.at >= ctx.status.lastActionAt ? retry : undefined;
}

/** How long a retried EC2 failure explains a shortage: about the adapter's longest back-off. */
const RETRY_FRESH_MS = 60_000;

function recentError(ctx: IpamdContext): IpamdContext['status']['lastError'] {
  const last = ctx.status.lastError;
  if (last === undefined) return undefined;
  const fresh = ctx.clock.now() - last.at <= ctx.timings.insufficientAddressBackoffMs;
  return fresh && last.at >= ctx.status.lastActionAt ? last : undefined;
}

/**
 * One sentence: how full the pool is and why it did not grow.
 *
 * @example
 * explainShortage(ctx, pool.lastPlan()); // 'no free address: 29 of 29 in use and the node is at max pods (29)'
 */
export function explainShortage(
  ctx: IpamdContext,
  plan: PoolPlan | undefined,
  error?: unknown,
  blockedBy?: string,
): string {
  const { node, deps } = ctx;
  const stats = node.datastore.stats();
  const head = `no free address: ${stats.assignedIPs} of ${stats.totalIPs} in use`;
  const maxPods = node.limits.maxPods;
  const reuseAt = reuseAtOf(error);
  const cooling =
    stats.cooldownIPs === 0
      ? undefined
      : `${stats.cooldownIPs} released addresses are in cooldown (IP_COOLDOWN_PERIOD ${Math.round(deps.config.pool.ipCooldownMs / 1000)} s)${reuseAt === undefined ? '' : ` until ${rfc3339(reuseAt)}`}`;
  if (stats.totalIPs >= maxPods || stats.assignedIPs >= maxPods) {
    // At max pods the pool may not grow; when the free addresses are only cooling down, that is the news.
    return `${head} and the node is at max pods (${maxPods})${cooling === undefined ? '' : `; ${cooling}`}`;
  }
  const subnet = subnetCause(ctx);
  if (subnet !== undefined) return `${head}; ${subnet}`;
  const eniLimit = eniLimitCause(ctx);
  const last = recentError(ctx);
  if (last?.code === 'CLOUD_THROTTLED')
    return `${head}; EC2 is throttling ipamd (${last.awsCode ?? last.code} on ${last.action} at ${rfc3339(last.at)})`;
  const retry = recentRetry(ctx);
  if (retry?.code === 'CLOUD_THROTTLED') {
    return `${head}; EC2 is throttling ipamd (${retry.awsCode ?? retry.code} on ${retry.action} at ${rfc3339(retry.at)}; retrying)`;
  }
  if (eniLimit !== undefined) return `${head}; ${eniLimit}`;
  if (cooling !== undefined) return `${head}; ${cooling}`;
  if (last !== undefined) return `${head}; ${last.action} failed: ${last.awsCode ?? last.code}: ${last.message}`;
  if (retry !== undefined)
    return `${head}; ${retry.action} is being retried after ${retry.awsCode ?? retry.code} at ${rfc3339(retry.at)}: ${retry.message}`;
  const blocked = ctx.status.terminating ? 'ipamd is shutting down' : blockedBy;
  if (blocked !== undefined) return `${head}; not attaching ENIs or addresses: ${blocked}`;
  const why = plan === undefined ? 'no pool tick has run yet' : plan.resize.reason;
  return `${head}; the pool is still growing (${why})`;
}
