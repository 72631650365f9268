/**
 * The Kubernetes calls vpc-cni makes, on `@kubernetes/client-node` 1.x (2.x needs Node 22). Importing that package
 * costs about a second, so it is loaded lazily (dynamic import) the first time a client is created: ipamd without
 * a cluster never pays it. Every failure is a {@link K8sError} naming the call.
 *
 * The same client serves ipamd's Node/ENIConfig source (node-source.ts), ipamd's own Kubernetes work (the pod IP
 * annotation, the Node's taints, CNINode features, events: src/ipamd/kubernetes/), the custom-networking workflow
 * (patching node annotations, creating ENIConfigs) and the tests against a local API server (test/support). Calls
 * that take `{ timeoutMs }` abort the request when the API server has not answered by then.
 *
 * @example
 * const client = await createK8sClient({ kind: 'server', url: 'https://10.100.0.1', token });
 * await client.patchNode('node-1', { metadata: { annotations: { 'k8s.amazonaws.com/eniConfig': 'us-west-2a' } } });
 * await client.createEniConfig(eniConfig('us-west-2a', { subnet: 'subnet-0123456789abcdef0' }));
 */
import type { ConfigurationOptions } from '@kubernetes/client-node';
import { describeKubeTarget, type KubeTarget } from '../config/k8s-env.js';
import { ENICONFIG_GROUP, ENICONFIG_PLURAL, ENICONFIG_VERSION } from '../eniconfig/types.js';
import { isK8sError, K8sError, toK8sError } from './errors.js';
import { loadClientNode } from './client-node.js';
import { loadKubeConfig } from './kubeconfig.js';
import { followResource, type Follower, type FollowOptions, type ListAnswer } from './follow.js';

export { loadKubeConfig };

export interface K8sClient {
  /** Where it connects, for logs (never a token). */
  readonly target: string;
  readNode(name: string): Promise<unknown>;
  listNodes(options?: { readonly fieldSelector?: string }): Promise<ListAnswer>;
  /** JSON merge patch (`application/merge-patch+json`), e.g. `{ metadata: { annotations: { k: 'v' } } }`; null removes a key. */
  patchNode(name: string, patch: Readonly<Record<string, unknown>>): Promise<unknown>;
  /** undefined when no ENIConfig has that name. */
  getEniConfig(name: string): Promise<unknown>;
  listEniConfigs(): Promise<ListAnswer>;
  createEniConfig(object: unknown): Promise<unknown>;
  /** PUT; the object's metadata.resourceVersion, when set, must match (else K8S_CONFLICT). */
  replaceEniConfig<T extends { readonly metadata: { readonly name: string; readonly resourceVersion?: string } }>(
    object: T,
  ): Promise<unknown>;
  /** Resolves false when there was nothing to delete. */
  deleteEniConfig(name: string): Promise<boolean>;
  /** A core/v1 Event (`involvedObject`, `source`, ...). */
  createEvent(namespace: string, event: Readonly<Record<string, unknown>>): Promise<void>;
  /** An `events.k8s.io/v1` Event (`regarding`, `reportingController`, `eventTime`, `note`, ...), as created. */
  createEventV1(namespace: string, event: Readonly<Record<string, unknown>>): Promise<unknown>;
  /** JSON merge patch of an `events.k8s.io/v1` Event (e.g. its `series`). */
  patchEventV1(namespace: string, name: string, patch: Readonly<Record<string, unknown>>): Promise<unknown>;
  /** `GET /version`: the connectivity check; `gitVersion` is e.g. `v1.31.2`. */
  version(options?: CallOptions): Promise<{ readonly gitVersion: string }>;
  readPod(namespace: string, name: string, options?: CallOptions): Promise<unknown>;
  /** JSON merge patch of a Pod (e.g. `{ metadata: { annotations: { k: 'v' } } }`). */
  patchPod(
    namespace: string,
    name: string,
    patch: Readonly<Record<string, unknown>>,
    options?: CallOptions,
  ): Promise<unknown>;
  /** The CNINode (`vpcresources.k8s.aws/v1alpha1`, cluster-scoped); K8S_NOT_FOUND when absent. */
  getCniNode(name: string, options?: CallOptions): Promise<unknown>;
  /** JSON merge patch of a CNINode; a `metadata.resourceVersion` in the patch makes it conditional (K8S_CONFLICT). */
  patchCniNode(name: string, patch: Readonly<Record<string, unknown>>, options?: CallOptions): Promise<unknown>;
  /** List + watch one collection path with reconnects (follow.ts). */
  follow(path: string, list: () => Promise<ListAnswer>, options: FollowOptions): Follower;
}

/** Per-call options: `timeoutMs` aborts the request (K8S_API_ERROR with `details.timedOut`) when it passes. */
export interface CallOptions {
  readonly timeoutMs?: number;
}

const ENICONFIGS = { group: ENICONFIG_GROUP, version: ENICONFIG_VERSION, plural: ENICONFIG_PLURAL };
/** CNINodes, cluster-scoped (cninode.ts has what ipamd does with them). */
const CNINODES = { group: 'vpcresources.k8s.aws', version: 'v1alpha1', plural: 'cninodes' };
const EVENTS_V1 = { group: 'events.k8s.io', version: 'v1', plural: 'events' };

async function call<T>(operation: string, run: () => Promise<T>, timeoutMs?: number): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (timeoutMs !== undefined && (error as { name?: unknown } | undefined)?.name === 'AbortError') {
      throw new K8sError(
        'K8S_API_ERROR',
        `${operation} failed: the API server did not answer within ${timeoutMs} ms`,
        { operation, timedOut: true },
        error,
      );
    }
    throw toK8sError(error, operation);
  }
}

function listAnswer(value: unknown): ListAnswer {
  const record = (value ?? {}) as { items?: unknown; metadata?: { resourceVersion?: unknown } };
  const rv = record.metadata?.resourceVersion;
  return {
    items: Array.isArray(record.items) ? (record.items as unknown[]) : [],
    resourceVersion: typeof rv === 'string' ? rv : '',
  };
}

/**
 * Connects (lazily importing client-node) to the API server of the target.
 *
 * @example
 * const client = await createK8sClient(kubeTargetFromEnvironment() ?? { kind: 'server', url: 'http://127.0.0.1:8001' });
 */
export async function createK8sClient(target: KubeTarget): Promise<K8sClient> {
  const k8s = await loadClientNode();
  const kc = await loadKubeConfig(target);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const versions = kc.makeApiClient(k8s.VersionApi);
  // A middleware that aborts the request after `timeoutMs` (client-node 1.x has no per-request timeout of its own).
  const within = (options: CallOptions = {}): ConfigurationOptions | undefined =>
    options.timeoutMs === undefined
      ? undefined
      : {
          middleware: [
            {
              pre: (context) => {
                context.setSignal(AbortSignal.timeout(options.timeoutMs ?? 0));
                return new k8s.Observable(Promise.resolve(context));
              },
              post: (response) => new k8s.Observable(Promise.resolve(response)),
            },
          ],
          middlewareMergeStrategy: 'append',
        };
  const merge = (options?: CallOptions): ConfigurationOptions =>
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch, within(options));
  return {
    target: describeKubeTarget(target),
    readNode: (name) => call(`get Node ${name}`, () => core.readNode({ name })),
    listNodes: async (options = {}) =>
      listAnswer(
        await call('list Nodes', () =>
          core.listNode(options.fieldSelector === undefined ? {} : { fieldSelector: options.fieldSelector }),
        ),
      ),
    patchNode: (name, patch) => call(`patch Node ${name}`, () => core.patchNode({ name, body: patch }, merge())),
    getEniConfig: async (name) => {
      try {
        return await call(
          `get ENIConfig ${name}`,
          () => custom.getClusterCustomObject({ ...ENICONFIGS, name }) as Promise<unknown>,
        );
      } catch (error) {
        if (isK8sError(error, 'K8S_NOT_FOUND')) return undefined;
        throw error;
      }
    },
    listEniConfigs: async () =>
      listAnswer(await call('list ENIConfigs', () => custom.listClusterCustomObject(ENICONFIGS) as Promise<unknown>)),
    createEniConfig: (object) =>
      call(
        'create ENIConfig',
        () => custom.createClusterCustomObject({ ...ENICONFIGS, body: object }) as Promise<unknown>,
      ),
    replaceEniConfig: (object) =>
      call(
        `replace ENIConfig ${object.metadata.name}`,
        () =>
          custom.replaceClusterCustomObject({
            ...ENICONFIGS,
            name: object.metadata.name,
            body: object,
          }) as Promise<unknown>,
      ),
    deleteEniConfig: async (name) => {
      try {
        await call(
          `delete ENIConfig ${name}`,
          () => custom.deleteClusterCustomObject({ ...ENICONFIGS, name }) as Promise<unknown>,
        );
        return true;
      } catch (error) {
        if (isK8sError(error, 'K8S_NOT_FOUND')) return false;
        throw error;
      }
    },
    createEvent: async (namespace, event) => {
      await call(`create Event in ${namespace}`, () => core.createNamespacedEvent({ namespace, body: event as never }));
    },
    createEventV1: (namespace, event) =>
      call(
        `create events.k8s.io Event in ${namespace}`,
        () => custom.createNamespacedCustomObject({ ...EVENTS_V1, namespace, body: event }) as Promise<unknown>,
      ),
    patchEventV1: (namespace, name, patch) =>
      call(
        `patch events.k8s.io Event ${namespace}/${name}`,
        () =>
          custom.patchNamespacedCustomObject(
            { ...EVENTS_V1, namespace, name, body: patch },
            merge(),
          ) as Promise<unknown>,
      ),
    version: async (options = {}) => {
      const info = await call('get /version', () => versions.getCode({}, within(options)), options.timeoutMs);
      return { gitVersion: info.gitVersion };
    },
    readPod: (namespace, name, options = {}) =>
      call(
        `get Pod ${namespace}/${name}`,
        () => core.readNamespacedPod({ namespace, name }, within(options)) as Promise<unknown>,
        options.timeoutMs,
      ),
    patchPod: (namespace, name, patch, options = {}) =>
      call(
        `patch Pod ${namespace}/${name}`,
        () => core.patchNamespacedPod({ namespace, name, body: patch }, merge(options)) as Promise<unknown>,
        options.timeoutMs,
      ),
    getCniNode: (name, options = {}) =>
      call(
        `get CNINode ${name}`,
        () => custom.getClusterCustomObject({ ...CNINODES, name }, within(options)) as Promise<unknown>,
        options.timeoutMs,
      ),
    patchCniNode: (name, patch, options = {}) =>
      call(
        `patch CNINode ${name}`,
        () => custom.patchClusterCustomObject({ ...CNINODES, name, body: patch }, merge(options)) as Promise<unknown>,
        options.timeoutMs,
      ),
    follow: (path, list, options) => followResource(k8s, kc, path, list, options),
  };
}
