/**
 * Restoring the checkpoint at start-up [behaviour §8], after the ENIs and their CIDRs are in the datastore:
 *
 * 1. no checkpoint → a fresh node; one that cannot be read or parsed (or claims one address twice) is a startup
 *    error, never a silent empty start: starting empty would hand running pods' addresses to new pods. The error
 *    tells the operator how to start over (move the file aside).
 * 2. stale check: an entry with pod namespace and name whose veth is gone (no host link ends with the first 11 hex
 *    digits of sha1("<ns>.<name>")) belongs to a pod deleted while ipamd was down: its rules are deleted and the
 *    entry dropped. Entries without pod metadata are kept. If the links cannot be listed, nothing is dropped.
 * 3. ours: an entry whose address is in no known CIDR is not dropped at once (IMDS may lag behind EC2 right after a
 *    restart, [pain-points §12]): EC2 is asked once for the node's ENIs first (`resync`), then the rest is dropped.
 * 4. the remaining entries are re-assigned, and the checkpoint rewritten without the dropped ones.
 *
 * @example
 * const summary = await restoreCheckpoint(ctx, { resync: () => resyncFromEc2(ctx) });
 * // { fresh: false, restored: 12, stale: [...], dropped: [...] }
 */
import { createHash } from 'node:crypto';
import { cidrContains, isIpv4, parseCidr, parseIpv4 } from '../../ipam/cidr.js';
import { parseCheckpoint, type CheckpointData, type CheckpointEntry } from '../../ipam/checkpoint.js';
import type { DroppedEntry } from '../../ipam/datastore.js';
import { ipamKeyString } from '../../ipam/types.js';
import type { IpamdContext } from '../context.js';
import { IpamdError } from '../errors.js';
import { errorFacts } from '../../errors.js';

export interface RestoreSummary {
  /** No checkpoint existed. */
  readonly fresh: boolean;
  readonly restored: number;
  /** Entries whose pod's veth is gone. */
  readonly stale: readonly CheckpointEntry[];
  /** Entries whose address is in no CIDR of the node, even after asking EC2. */
  readonly dropped: readonly DroppedEntry[];
}

export interface RestoreOptions {
  /** Re-reads the node's ENIs from EC2 and adds CIDRs the datastore lacks; called when some entries are homeless. */
  readonly resync?: () => Promise<void>;
}

/**
 * The veth suffix of a pod: the first 11 hex digits of sha1("<namespace>.<name>") (the plugin names host veths
 * `<prefix><suffix>`).
 *
 * @example
 * podVethSuffix('default', 'web-1').length; // 11
 */
export function podVethSuffix(namespace: string, name: string): string {
  return createHash('sha1').update(`${namespace}.${name}`).digest('hex').slice(0, 11);
}

function restoreFailed(ctx: IpamdContext, why: string, cause: unknown): IpamdError {
  const path = ctx.deps.config.paths.backingStore;
  return new IpamdError(
    'CHECKPOINT_RESTORE_FAILED',
    `cannot restore the IPAM checkpoint ${path}: ${why}. ipamd will not start empty on a checkpoint it cannot use, ` +
      `because that could give the addresses of running pods to new pods. To start over, drain the node, move the file ` +
      `aside (mv ${path} ${path}.bad) and restart aws-node.`,
    { path },
    cause,
  );
}

function inKnownCidr(ctx: IpamdContext, ip: string): boolean {
  if (!isIpv4(ip)) return false;
  const address = parseIpv4(ip);
  return ctx.node.datastore
    .snapshot()
    .enis.some((eni) => eni.cidrs.some((c) => cidrContains(parseCidr(c.cidr), address)));
}

/** Drops entries whose pod's veth is gone; keeps everything when the links cannot be listed. */
async function dropStale(
  ctx: IpamdContext,
  entries: readonly CheckpointEntry[],
): Promise<{ kept: CheckpointEntry[]; stale: CheckpointEntry[] }> {
  const { host } = ctx.deps;
  let links: string[];
  try {
    links = await host.linkNames();
  } catch (error) {
    ctx.log.warn({ error: errorFacts(error) }, 'cannot list host links: keeping every checkpoint entry');
    return { kept: [...entries], stale: [] };
  }
  const kept: CheckpointEntry[] = [];
  const stale: CheckpointEntry[] = [];
  for (const entry of entries) {
    const ns = entry.metadata?.k8sPodNamespace ?? '';
    const name = entry.metadata?.k8sPodName ?? '';
    if (ns === '' || name === '') {
      kept.push(entry);
      continue;
    }
    const suffix = podVethSuffix(ns, name);
    if (links.some((link) => link.endsWith(suffix))) {
      kept.push(entry);
      continue;
    }
    stale.push(entry);
    ctx.log.info(
      { pod: `${ns}/${name}`, address: entry.ipv4, key: ipamKeyString(entry) },
      `pod ${ns}/${name} has no veth (…${suffix}): releasing ${entry.ipv4 ?? ''}`,
    );
    if (entry.ipv4 !== undefined) {
      await host
        .deletePodRules(entry.ipv4)
        .catch((error: unknown) =>
          ctx.log.warn({ address: entry.ipv4, error: errorFacts(error) }, 'deleting stale pod rules failed'),
        );
    }
  }
  return { kept, stale };
}

/**
 * See the module comment. Throws {@link IpamdError} `CHECKPOINT_RESTORE_FAILED` or `IPAMD_INIT_FAILED`.
 *
 * @example
 * const { restored, stale, dropped } = await restoreCheckpoint(ctx, { resync });
 */
export async function restoreCheckpoint(ctx: IpamdContext, options: RestoreOptions = {}): Promise<RestoreSummary> {
  let text: string | undefined;
  try {
    text = await ctx.deps.checkpoint.read();
  } catch (error) {
    throw restoreFailed(ctx, `reading it failed (${errorFacts(error).message})`, error);
  }
  let data: CheckpointData = { version: 'vpc-cni-ipam/1', allocations: [] };
  if (text !== undefined) {
    try {
      data = parseCheckpoint(text);
    } catch (error) {
      throw restoreFailed(ctx, errorFacts(error).message, error);
    }
  }
  const { kept, stale } = await dropStale(ctx, data.allocations);
  const homeless = kept.filter((e) => e.ipv4 !== undefined && e.ipv4 !== '' && !inKnownCidr(ctx, e.ipv4));
  if (homeless.length > 0 && options.resync !== undefined) {
    ctx.log.warn(
      { addresses: homeless.map((e) => e.ipv4) },
      `${homeless.length} checkpoint addresses are on no known CIDR: asking EC2 before dropping them`,
    );
    await options.resync();
  }
  let restored: number;
  let dropped: readonly DroppedEntry[];
  try {
    const result = ctx.node.datastore.restore(kept);
    restored = result.restored.length;
    dropped = result.dropped;
  } catch (error) {
    throw restoreFailed(ctx, errorFacts(error).message, error);
  }
  for (const { entry, reason } of dropped) {
    ctx.log.warn(
      { address: entry.ipv4, key: ipamKeyString(entry), reason },
      `checkpoint entry ${entry.ipv4 ?? ''} dropped: ${reason}`,
    );
  }
  try {
    await ctx.persist();
  } catch (error) {
    throw new IpamdError(
      'IPAMD_INIT_FAILED',
      `cannot rewrite the IPAM checkpoint ${ctx.deps.config.paths.backingStore}: ${errorFacts(error).message}`,
      {},
      error,
    );
  }
  ctx.log.info(
    { restored, stale: stale.length, dropped: dropped.length, fresh: text === undefined },
    `checkpoint restored: ${restored} pods, ${stale.length} stale, ${dropped.length} dropped`,
  );
  return { fresh: text === undefined, restored, stale, dropped };
}
