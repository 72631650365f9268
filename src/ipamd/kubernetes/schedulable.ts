/**
 * AWS_MANAGE_ENIS_NON_SCHEDULABLE=false (the default) [cninode §4]: while this node carries the taint
 * `node.kubernetes.io/unschedulable:NoSchedule` (what `kubectl cordon` makes the node lifecycle controller add),
 * ipamd neither grows the pool nor frees ENIs; releasing free addresses goes on. The reference reads the Node from its
 * informer cache before every increase and ENI free; here the Node is followed (list + watch of that one object,
 * reconnecting by itself), so the pool manager's synchronous `attachmentBlocked` hook answers from memory.
 *
 * A Node that cannot be read — not listed yet, API server unreachable, Node missing — counts as schedulable, as in the
 * reference. Only `spec.taints` is read, not `spec.unschedulable`.
 *
 * @example
 * const schedulability = followSchedulability({ client, nodeName, log });
 * new Ipamd({ ...deps, attachmentBlocked: () => schedulability.blockedBy() });
 */
import type { K8sClient } from '../../k8s/client.js';
import type { FollowOptions } from '../../k8s/follow.js';
import type { Logger } from '../../obs/logger.js';

/** The taint cordoning adds [cninode §4]. */
export const UNSCHEDULABLE_TAINT = 'node.kubernetes.io/unschedulable';

/**
 * True when the Node object has the `node.kubernetes.io/unschedulable` taint with effect NoSchedule.
 *
 * @example
 * isUnschedulable({ spec: { taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] } }); // true
 * isUnschedulable({ spec: { unschedulable: true } }); // false: only the taint counts
 */
export function isUnschedulable(node: unknown): boolean {
  const taints = (node as { spec?: { taints?: unknown } } | undefined)?.spec?.taints;
  if (!Array.isArray(taints)) return false;
  return taints.some((taint: unknown) => {
    const t = (taint ?? {}) as { key?: unknown; effect?: unknown };
    return t.key === UNSCHEDULABLE_TAINT && t.effect === 'NoSchedule';
  });
}

export interface Schedulability {
  /** Why ENIs may not be attached or freed now, or undefined (schedulable, or not known). */
  blockedBy(): string | undefined;
  /** Resolves after the first list of the Node (or when closed). */
  readonly synced: Promise<void>;
  close(): Promise<void>;
}

export interface SchedulabilityOptions {
  readonly client: Pick<K8sClient, 'follow' | 'listNodes'>;
  readonly nodeName: string;
  readonly log: Logger;
  readonly backoff?: FollowOptions['backoff'];
}

/**
 * Follows this node's taints (see the module comment).
 *
 * @example
 * const s = followSchedulability({ client, nodeName: 'ip-10-0-1-5.ec2.internal', log });
 * s.blockedBy(); // 'node ip-10-0-1-5.ec2.internal is cordoned (taint node.kubernetes.io/unschedulable:NoSchedule) ...'
 */
export function followSchedulability(options: SchedulabilityOptions): Schedulability {
  const { client, nodeName, log } = options;
  let cordoned = false;
  const take = (object: unknown): void => {
    const now = object !== undefined && isUnschedulable(object);
    if (now === cordoned) return;
    cordoned = now;
    if (now) log.info({ node: nodeName }, `${reason()}: not growing the pool or freeing ENIs until it is uncordoned`);
    else log.info({ node: nodeName }, `node ${nodeName} is schedulable again: ENIs may be attached and freed`);
  };
  const reason = (): string =>
    `node ${nodeName} is unschedulable (taint ${UNSCHEDULABLE_TAINT}:NoSchedule, e.g. kubectl cordon) and ` +
    'AWS_MANAGE_ENIS_NON_SCHEDULABLE=false';
  const fieldSelector = `metadata.name=${nodeName}`;
  const follower = client.follow('/api/v1/nodes', () => client.listNodes({ fieldSelector }), {
    fieldSelector,
    ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
    onEvent: (type, object) => take(type === 'delete' ? undefined : object),
    onError: (error, retryInMs) =>
      log.warn(
        { code: error.code, retryInMs },
        `following Node ${nodeName} for its taints: ${error.message} (until it answers, the node counts as schedulable)`,
      ),
  });
  return { blockedBy: () => (cordoned ? reason() : undefined), synced: follower.synced, close: () => follower.stop() };
}
