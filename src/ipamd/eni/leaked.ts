/**
 * Leaked-ENI clean-up [behaviour §2.8]: ENIs the CNI created but that ended up detached (an attach failed after the
 * create, a node died between create and attach) are found and deleted. Every hour, the first run after a random
 * 0–299 s so that nodes started together do not call EC2 together. Search: DescribeNetworkInterfaces with
 * `tag-key=node.k8s.amazonaws.com/instance_id`, `status=available`, the node's VPC, and the cluster tag when
 * CLUSTER_NAME is set. Only `aws-K8S-*` descriptions; an ENI without a `createdAt` tag is stamped now and deleted on
 * a later run; one younger than 5 minutes is left alone (it may be about to be attached).
 *
 * Off with DISABLE_LEAKED_ENI_CLEANUP, IMDS-only mode, DISABLE_NETWORK_RESOURCE_PROVISIONING or IPv6.
 *
 * @example
 * const cleaner = new LeakedEniCleaner(ctx);
 * cleaner.start();                    // schedules itself
 * const result = await cleaner.runOnce(); // { deleted: ['eni-0a'], tagged: [], kept: [...] }
 */
import type { EniId } from '../../ipam/types.js';
import type { IpamdContext } from '../context.js';
import { ENI_DESCRIPTION_PREFIX, ENI_TAG } from './setup.js';
import { tracked } from '../pool/history.js';
import type { Ec2Eni, Ec2Filter } from '../../cloud/ec2/port.js';
import { rfc3339 } from '../../ipam/clock.js';

export interface LeakedEniResult {
  readonly deleted: readonly EniId[];
  /** Stamped with `createdAt` (missing or unparsable); deleted on a later run. */
  readonly tagged: readonly EniId[];
  readonly kept: readonly { readonly eniId: EniId; readonly reason: string }[];
}

/**
 * Whether the clean-up runs at all, and if not why.
 *
 * @example
 * leakedEniCleanupDisabled(ctx); // 'DISABLE_LEAKED_ENI_CLEANUP' or undefined
 */
export function leakedEniCleanupDisabled(ctx: IpamdContext): string | undefined {
  const { config } = ctx.deps;
  if (config.ipFamily === 'ipv6') return 'IPv6 mode';
  if (config.features.imdsOnlyMode) return 'ENABLE_IMDS_ONLY_MODE';
  if (!config.features.networkResourceProvisioning) return 'DISABLE_NETWORK_RESOURCE_PROVISIONING';
  if (!config.features.leakedEniCleanup) return 'DISABLE_LEAKED_ENI_CLEANUP';
  return undefined;
}

/**
 * The DescribeNetworkInterfaces filters of the search.
 *
 * @example
 * leakedEniFilters('vpc-1', 'prod').map((f) => f.name);
 * // ['tag-key', 'status', 'vpc-id', 'tag:cluster.k8s.amazonaws.com/name']
 */
export function leakedEniFilters(vpcId: string, clusterName: string | undefined): Ec2Filter[] {
  const filters: Ec2Filter[] = [
    { name: 'tag-key', values: [ENI_TAG.instanceId] },
    { name: 'status', values: ['available'] },
    { name: 'vpc-id', values: [vpcId] },
  ];
  if (clusterName !== undefined && clusterName !== '')
    filters.push({ name: `tag:${ENI_TAG.clusterName}`, values: [clusterName] });
  return filters;
}

/**
 * What to do with one candidate: delete it, stamp it, or keep it (with why).
 *
 * @example
 * leakedEniVerdict(eni, now, 300_000); // { action: 'delete', reason: 'detached and created 600 s ago' }
 */
export function leakedEniVerdict(
  eni: Ec2Eni,
  now: number,
  minAgeMs: number,
): { action: 'delete' | 'tag' | 'keep'; reason: string } {
  if (!eni.description.startsWith(ENI_DESCRIPTION_PREFIX))
    return { action: 'keep', reason: `description '${eni.description}' is not ${ENI_DESCRIPTION_PREFIX}*` };
  if (eni.attachment !== undefined) return { action: 'keep', reason: 'attached' };
  const createdAt = eni.tags[ENI_TAG.createdAt];
  if (createdAt === undefined) return { action: 'tag', reason: `no ${ENI_TAG.createdAt} tag` };
  const at = Date.parse(createdAt);
  if (Number.isNaN(at)) return { action: 'tag', reason: `unparsable ${ENI_TAG.createdAt} '${createdAt}'` };
  const age = now - at;
  if (age < minAgeMs)
    return { action: 'keep', reason: `created ${Math.round(age / 1000)} s ago (< ${minAgeMs / 1000} s)` };
  return { action: 'delete', reason: `detached and created ${Math.round(age / 1000)} s ago` };
}

/**
 * Runs {@link LeakedEniCleaner.runOnce} on its own timers; see the module comment.
 *
 * @example
 * const cleaner = new LeakedEniCleaner(ctx);
 * cleaner.start();
 * await cleaner.stop();
 */
export class LeakedEniCleaner {
  readonly #ctx: IpamdContext;
  #timer: unknown;
  #running: Promise<unknown> | undefined;
  #stopped = false;

  constructor(ctx: IpamdContext) {
    this.#ctx = ctx;
  }

  /** Schedules the first run after a random delay, then hourly. Does nothing when disabled. */
  start(): void {
    const ctx = this.#ctx;
    const disabled = leakedEniCleanupDisabled(ctx);
    if (disabled !== undefined) {
      ctx.log.info({ disabled }, `leaked-ENI clean-up is off: ${disabled}`);
      return;
    }
    const random = ctx.deps.random ?? Math.random;
    const delay = Math.floor(random() * ctx.timings.leakedEniMaxStartDelayMs);
    ctx.log.info(
      { delayMs: delay },
      `leaked-ENI clean-up starts in ${Math.round(delay / 1000)} s, then every ${ctx.timings.leakedEniIntervalMs / 60_000} min`,
    );
    this.#schedule(delay);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#ctx.deps.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = this.#ctx.deps.timers.setTimeout(() => {
      this.#timer = undefined;
      this.#running = this.runOnce()
        .catch(() => undefined)
        .finally(() => this.#schedule(this.#ctx.timings.leakedEniIntervalMs));
    }, ms);
  }

  /** One search-and-delete pass; never throws (failures are recorded). */
  async runOnce(): Promise<LeakedEniResult> {
    const ctx = this.#ctx;
    const { deps, node } = ctx;
    const result = { deleted: [] as EniId[], tagged: [] as EniId[], kept: [] as { eniId: EniId; reason: string }[] };
    let candidates: Ec2Eni[];
    try {
      const filters = leakedEniFilters(node.vpcId, deps.config.node.clusterName);
      candidates = await tracked(ctx, { action: 'DescribeNetworkInterfaces', detail: 'search leaked ENIs' }, () =>
        deps.ec2.findNetworkInterfaces(filters),
      );
    } catch {
      return result;
    }
    const now = ctx.clock.now();
    for (const eni of candidates) {
      const verdict = leakedEniVerdict(eni, now, ctx.timings.leakedEniMinAgeMs);
      try {
        if (verdict.action === 'tag') {
          await tracked(ctx, { action: 'CreateTags', eniId: eni.id, detail: `stamp ${ENI_TAG.createdAt}` }, () =>
            deps.ec2.createTags([eni.id], { [ENI_TAG.createdAt]: rfc3339(now) }),
          );
          result.tagged.push(eni.id);
        } else if (verdict.action === 'delete') {
          await tracked(
            ctx,
            { action: 'DeleteNetworkInterface', eniId: eni.id, detail: `delete leaked ENI (${verdict.reason})` },
            () => deps.ec2.deleteNetworkInterface(eni.id),
          );
          result.deleted.push(eni.id);
        } else {
          result.kept.push({ eniId: eni.id, reason: verdict.reason });
        }
      } catch {
        result.kept.push({ eniId: eni.id, reason: `${verdict.action} failed` });
      }
    }
    ctx.log.info(
      { deleted: result.deleted, tagged: result.tagged, kept: result.kept.length },
      `leaked-ENI clean-up: ${result.deleted.length} deleted, ${result.tagged.length} stamped, ${result.kept.length} kept`,
    );
    return result;
  }
}
