/**
 * ANNOTATE_POD_IP [cninode §3]: the pod annotation `vpc.amazonaws.com/pod-ips`, which gives policy engines (Calico)
 * a pod's address before kubelet writes `status.podIP`. {@link PodIpAnnotations} is the port ipamd's allocation
 * backend calls; {@link createPodIpAnnotations} implements it on the Kubernetes client.
 *
 * - ADD: read the pod; the annotation already equal → nothing; else a JSON merge patch of that one annotation. The
 *   read-and-patch is retried on a conflict (client-go's default: 5 tries, 10 ms apart).
 * - DEL (after an address was released): pod gone → nothing; annotation absent → nothing; equal to the released
 *   address → set to `""` (the key stays); another value → `mismatch`, no patch (the pod has a newer address).
 *
 * A 403 says which permission is missing: the reference's manifest does not grant `patch` on pods.
 *
 * @example
 * const annotations = createPodIpAnnotations(client);
 * await annotations.annotate({ namespace: 'default', name: 'web-1' }, '10.0.97.30');
 * await annotations.clear({ namespace: 'default', name: 'web-1' }, '10.0.97.30'); // 'cleared'
 */
import type { CallOptions, K8sClient } from './client.js';
import { isK8sError, K8sError } from './errors.js';

/** The annotation key [cninode §3]. */
export const POD_IPS_ANNOTATION = 'vpc.amazonaws.com/pod-ips';

export interface PodRef {
  readonly namespace: string;
  readonly name: string;
}

/** What DEL found: nothing to do (pod gone, no annotation), cleared, or a value that is not the released address. */
export type ClearOutcome =
  { readonly kind: 'pod-gone' | 'absent' | 'cleared' } | { readonly kind: 'mismatch'; readonly current: string };

/** The port ipamd's backend calls when ANNOTATE_POD_IP=true. */
export interface PodIpAnnotations {
  /** Sets the annotation to `ip` (ADD); rejects with a K8sError saying why (e.g. 403 without pods/patch). */
  annotate(pod: PodRef, ip: string): Promise<void>;
  /** Empties the annotation if it still names `releasedIp` (DEL); rejects only when the API calls fail. */
  clear(pod: PodRef, releasedIp: string): Promise<ClearOutcome>;
}

export interface PodIpAnnotationOptions {
  /** Per request; default 10 s (a pod's ADD waits for it). */
  readonly timeoutMs?: number;
  /** Tries on a 409 (default 5, client-go's DefaultBackoff steps) and the wait between them (default 10 ms). */
  readonly conflictTries?: number;
  readonly conflictWaitMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

function annotationOf(pod: unknown): string | undefined {
  const annotations = (pod as { metadata?: { annotations?: unknown } } | undefined)?.metadata?.annotations;
  if (typeof annotations !== 'object' || annotations === null) return undefined;
  const value = (annotations as Record<string, unknown>)[POD_IPS_ANNOTATION];
  return typeof value === 'string' ? value : undefined;
}

/** The error with the permission it lacks, when the API server said 403. */
function explained(error: unknown, verb: 'get' | 'patch'): unknown {
  if (!isK8sError(error) || error.details['status'] !== 403) return error;
  return new K8sError(
    error.code,
    `${error.message} (ANNOTATE_POD_IP=true needs the aws-node ClusterRole to grant '${verb}' on pods)`,
    error.details,
    error,
  );
}

/**
 * The annotation port on the Kubernetes client (see the module comment).
 *
 * @example
 * new Ipamd({ ...deps, podIps: createPodIpAnnotations(client) });
 */
export function createPodIpAnnotations(
  client: Pick<K8sClient, 'readPod' | 'patchPod'>,
  options: PodIpAnnotationOptions = {},
): PodIpAnnotations {
  const call: CallOptions = { timeoutMs: options.timeoutMs ?? 10_000 };
  const tries = Math.max(1, options.conflictTries ?? 5);
  const waitMs = options.conflictWaitMs ?? 10;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const read = (pod: PodRef): Promise<unknown> =>
    client.readPod(pod.namespace, pod.name, call).catch((error: unknown) => {
      throw explained(error, 'get');
    });
  const write = (pod: PodRef, value: string): Promise<unknown> =>
    client
      .patchPod(pod.namespace, pod.name, { metadata: { annotations: { [POD_IPS_ANNOTATION]: value } } }, call)
      .catch((error: unknown) => {
        throw explained(error, 'patch');
      });
  async function onConflictRetry<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await work();
      } catch (error) {
        if (attempt >= tries || !isK8sError(error, 'K8S_CONFLICT')) throw error;
        await sleep(waitMs * (1 + Math.random() * 0.1));
      }
    }
  }
  return {
    annotate: (pod, ip) =>
      onConflictRetry(async () => {
        if (annotationOf(await read(pod)) === ip) return;
        await write(pod, ip);
      }),
    clear: (pod, releasedIp) =>
      onConflictRetry(async (): Promise<ClearOutcome> => {
        let current: string | undefined;
        try {
          current = annotationOf(await read(pod));
        } catch (error) {
          if (isK8sError(error, 'K8S_NOT_FOUND')) return { kind: 'pod-gone' };
          throw error;
        }
        if (current === undefined) return { kind: 'absent' };
        if (current !== releasedIp) return { kind: 'mismatch', current };
        await write(pod, '');
        return { kind: 'cleared' };
      }),
  };
}
