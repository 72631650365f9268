/**
 * The KubeConfig for a {@link KubeTarget}: a kubeconfig file or text (its current context), the in-cluster service
 * account, or a bare server URL; CLUSTER_ENDPOINT (`target.server`) replaces the API server address and keeps the
 * credentials [cninode §2.1]. Loads `@kubernetes/client-node` lazily, like the client.
 *
 * @example
 * const kc = await loadKubeConfig({ kind: 'kubeconfig', path: '/root/.kube/config' });
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { describeKubeTarget, type KubeTarget } from '../config/k8s-env.js';
import { loadClientNode } from './client-node.js';
import { K8sError } from './errors.js';

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
        const server = target.server ?? `https://${host}:${target.port}`;
        kc.loadFromOptions({
          clusters: [
            {
              name: 'inCluster',
              server,
              caFile: join(target.serviceAccountDir, 'ca.crt'),
              skipTLSVerify: server.startsWith('http:'),
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
  const current = kc.getCurrentCluster();
  if (current === null) {
    throw new K8sError(
      'K8S_CONFIG_INVALID',
      `${describeKubeTarget(target)} has no current context with a cluster (current-context: '${kc.getCurrentContext()}')`,
    );
  }
  if ((target.kind === 'kubeconfig' || target.kind === 'kubeconfig-text') && target.server !== undefined) {
    // CLUSTER_ENDPOINT: the kubeconfig's credentials, another address of the same API server.
    const server = target.server;
    kc.loadFromOptions({
      clusters: kc.clusters.map((c) =>
        c.name === current.name ? { ...c, server, skipTLSVerify: c.skipTLSVerify || server.startsWith('http:') } : c,
      ),
      users: kc.users,
      contexts: kc.contexts,
      currentContext: kc.getCurrentContext(),
    });
  }
  return kc;
}
