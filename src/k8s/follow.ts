/**
 * List + watch of one collection (an informer) that keeps going: client-node's `ListWatch` re-lists on 410 Gone and
 * re-opens a watch the server closed, but stops for good after any other error (API server restarting, network
 * blip). Here an error schedules a restart — a fresh list, then a watch — with exponential back-off (0.5 s … 30 s),
 * so ipamd follows its Node and the ENIConfigs for as long as it runs; objects missing from a re-list are reported
 * deleted.
 *
 * @example
 * const follower = client.follow('/api/v1/nodes', () => client.listNodes({ fieldSelector }), {
 *   fieldSelector, onEvent: (type, object) => update(type, object), onError: (e) => log.warn({}, e.message),
 * });
 * await follower.synced; // the first list arrived (resolves at once if stop() is called first)
 * await follower.stop();
 */
import type { KubeConfig, KubernetesListObject, KubernetesObject, ListWatch } from '@kubernetes/client-node';
import type { ClientNode } from './client-node.js';
import { toK8sError, type K8sError } from './errors.js';

/** A list answer: the items (plain objects) and the collection's resourceVersion. */
export interface ListAnswer {
  readonly items: readonly unknown[];
  readonly resourceVersion: string;
}

export type FollowEvent = 'add' | 'update' | 'delete';

export interface FollowOptions {
  /** `metadata.name=node-1`: only that object. */
  readonly fieldSelector?: string;
  readonly onEvent: (type: FollowEvent, object: unknown) => void;
  /** A list or watch failed; a restart is scheduled (`retryInMs`). */
  readonly onError?: (error: K8sError, retryInMs: number) => void;
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
}

export interface Follower {
  /** Resolves after the first successful list (every object seen as `add`), or when stopped. */
  readonly synced: Promise<void>;
  /** True once a list succeeded. */
  isSynced(): boolean;
  stop(): Promise<void>;
}

/**
 * Starts following `path` (see module docs); used through {@link K8sClient.follow}.
 *
 * @example
 * followResource(k8s, kc, '/apis/crd.k8s.amazonaws.com/v1alpha1/eniconfigs', () => client.listEniConfigs(), { onEvent });
 */
export function followResource(
  k8s: ClientNode,
  kc: KubeConfig,
  path: string,
  list: () => Promise<ListAnswer>,
  options: FollowOptions,
): Follower {
  const initialMs = options.backoff?.initialMs ?? 500;
  const maxMs = options.backoff?.maxMs ?? 30_000;
  const known = new Map<string, unknown>();
  let delay = initialMs;
  let stopped = false;
  let synced = false;
  let timer: NodeJS.Timeout | undefined;
  let current: ListWatch<KubernetesObject> | undefined;
  let markSynced: () => void = () => undefined;
  const syncedPromise = new Promise<void>((resolve) => {
    markSynced = resolve;
  });

  const seen = (type: FollowEvent, object: KubernetesObject): void => {
    if (type === 'delete') known.delete(keyOf(object));
    else known.set(keyOf(object), object);
    options.onEvent(type, object);
  };
  // Every (re)list is complete: what it lacks was deleted while no watch was open.
  const listFn = async (): Promise<KubernetesListObject<KubernetesObject>> => {
    const answer = await list();
    const items = answer.items as KubernetesObject[];
    const present = new Set(items.map(keyOf));
    for (const [key, object] of [...known]) if (!present.has(key)) seen('delete', object as KubernetesObject);
    return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: answer.resourceVersion }, items };
  };

  const start = async (): Promise<void> => {
    if (stopped) return;
    // A fresh informer per (re)start: it re-lists instead of resuming a watch from a resourceVersion the server may
    // no longer know (a restarted API server, a stand-in with new state).
    const informer = new k8s.ListWatch<KubernetesObject>(
      path,
      new k8s.Watch(kc),
      listFn,
      false,
      undefined,
      options.fieldSelector,
    );
    current = informer;
    let failed = false;
    informer.on('add', (object) => seen('add', object));
    informer.on('update', (object) => seen('update', object));
    informer.on('delete', (object) => seen('delete', object));
    informer.on('error', (error: unknown) => {
      failed = true;
      if (stopped || informer !== current) return;
      void informer.stop();
      const retryInMs = delay;
      delay = Math.min(maxMs, delay * 2);
      options.onError?.(toK8sError(error, `watch ${path}`), retryInMs);
      if (timer !== undefined) return;
      timer = setTimeout(() => {
        timer = undefined;
        void start();
      }, retryInMs);
      timer.unref();
    });
    await informer.start();
    if (!failed && !stopped) {
      delay = initialMs;
      if (!synced) {
        synced = true;
        markSynced();
      }
    }
  };
  void start();

  return {
    synced: syncedPromise,
    isSynced: () => synced,
    stop: async () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      markSynced();
      await current?.stop();
    },
  };
}

function keyOf(object: KubernetesObject): string {
  return `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}
