/**
 * The Kubernetes calls vpc-cni makes, on `@kubernetes/client-node` 1.x (2.x needs Node 22). Importing that package
 * costs about a second, so it is loaded lazily (dynamic import) the first time a client is created: ipamd without
 * a cluster never pays it. Every failure is a {@link K8sError} naming the call.
 *
 * The same client serves ipamd's Node/ENIConfig source (node-source.ts), the custom-networking workflow (patching
 * node annotations, creating ENIConfigs) and the tests against a local API server (test/support).
 *
 * @example
 * const client = await createK8sClient({ kind: 'server', url: 'https://10.100.0.1', token });
 * await client.patchNode('node-1', { metadata: { annotations: { 'k8s.amazonaws.com/eniConfig': 'us-west-2a' } } });
 * await client.createEniConfig(eniConfig('us-west-2a', { subnet: 'subnet-0123456789abcdef0' }));
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { describeKubeTarget, type KubeTarget } from '../config/k8s-env.js';
import { ENICONFIG_GROUP, ENICONFIG_PLURAL, ENICONFIG_VERSION } from '../eniconfig/types.js';
import { isK8sError, K8sError, toK8sError } from './errors.js';
import { loadClientNode } from './client-node.js';
import { followResource, type Follower, type FollowOptions, type ListAnswer } from './follow.js';

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
  createEvent(namespace: string, event: Readonly<Record<string, unknown>>): Promise<void>;
  /** List + watch one collection path with reconnects (follow.ts). */
  follow(path: string, list: () => Promise<ListAnswer>, options: FollowOptions): Follower;
}

const ENICONFIGS = { group: ENICONFIG_GROUP, version: ENICONFIG_VERSION, plural: ENICONFIG_PLURAL };

/**
 * A KubeConfig for the target. A kubeconfig without a current context or cluster is refused here, not at the first
 * call.
 *
 * @example
 * const kc = await loadKubeConfig({ kind: 'kubeconfig', path: '/root/.kube/config' });
 */
export async function loadKubeConfig(target: KubeTarget): Promise<KubeConfig> {
  const k8s = await loadClientNode();
  const kc = new k8s.KubeConfig();
  try {
    switch (target.kind) {
      case 'kubeconfig':
        kc.loadFromFile(target.path);
        if (target.context !== undefined) kc.setCurrentContext(target.context);
        break;
      case 'kubeconfig-text':
        kc.loadFromString(target.text);
        if (target.context !== undefined) kc.setCurrentContext(target.context);
        break;
      case 'server': {
        const user = target.token === undefined ? { name: 'user' } : { name: 'user', token: target.token };
        // client-node refuses plain http:// unless skipTLSVerify is set (there is no TLS to verify then).
        kc.loadFromClusterAndUser(
          { name: 'cluster', server: target.url, skipTLSVerify: target.url.startsWith('http:') },
          user,
        );
        break;
      }
      case 'in-cluster': {
        // Read once to fail early with a clear message; client-node re-reads the file (tokens rotate).
        await readFile(join(target.serviceAccountDir, 'token'), 'utf8');
        const host = target.host.includes(':') ? `[${target.host}]` : target.host;
        kc.loadFromOptions({
          clusters: [
            {
              name: 'inCluster',
              server: `https://${host}:${target.port}`,
              caFile: join(target.serviceAccountDir, 'ca.crt'),
              skipTLSVerify: false,
            },
          ],
          users: [
            {
              name: 'inClusterUser',
              authProvider: { name: 'tokenFile', config: { tokenFile: join(target.serviceAccountDir, 'token') } },
            },
          ],
          contexts: [{ name: 'inClusterContext', cluster: 'inCluster', user: 'inClusterUser' }],
          currentContext: 'inClusterContext',
        });
        break;
      }
    }
  } catch (error) {
    throw new K8sError(
      'K8S_CONFIG_INVALID',
      `cannot use ${describeKubeTarget(target)}: ${(error as Error).message}`,
      {},
      error,
    );
  }
  if (kc.getCurrentCluster() === null) {
    throw new K8sError(
      'K8S_CONFIG_INVALID',
      `${describeKubeTarget(target)} has no current context with a cluster (current-context: '${kc.getCurrentContext()}')`,
    );
  }
  return kc;
}

async function call<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
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
  const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
  return {
    target: describeKubeTarget(target),
    readNode: (name) => call(`get Node ${name}`, () => core.readNode({ name })),
    listNodes: async (options = {}) =>
      listAnswer(
        await call('list Nodes', () =>
          core.listNode(options.fieldSelector === undefined ? {} : { fieldSelector: options.fieldSelector }),
        ),
      ),
    patchNode: (name, patch) => call(`patch Node ${name}`, () => core.patchNode({ name, body: patch }, merge)),
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
    follow: (path, list, options) => followResource(k8s, kc, path, list, options),
  };
}
