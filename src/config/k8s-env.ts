/**
 * Where the Kubernetes API server is, from an environment — the only place vpc-cni reads KUBECONFIG and the
 * in-cluster service variables. `loadConfig(env)` records it as `LoadedConfig.kubeTarget` (so ipamd uses the
 * environment its config came from, never the process's in a demo or a test); src/k8s takes the returned
 * {@link KubeTarget} as a parameter, so tests point it at the stand-in without touching `process.env`.
 *
 * Order: KUBECONFIG (a file, or several joined by `:`; the first is used) beats the in-cluster service
 * (KUBERNETES_SERVICE_HOST + KUBERNETES_SERVICE_PORT with the pod's service-account token and CA); neither means
 * "no cluster" and custom networking uses the static source.
 *
 * @example
 * const target = kubeTargetFromEnvironment();
 * const source = target === undefined ? await openNodeInfoSource({ kind: 'static', ... }) : await openNodeInfoSource({ kind: 'kubernetes', target, nodeName });
 */

/** Where a service account's token, CA and namespace are mounted in a pod. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * How to reach the API server: a kubeconfig file, the in-cluster service, or a server URL (tests, the stand-in).
 * `server` (CLUSTER_ENDPOINT) replaces the API server URL the kubeconfig or the in-cluster service would give; the
 * credentials stay theirs.
 */
export type KubeTarget =
  | { readonly kind: 'kubeconfig'; readonly path: string; readonly context?: string; readonly server?: string }
  | {
      readonly kind: 'in-cluster';
      /** KUBERNETES_SERVICE_HOST and _PORT; empty when only CLUSTER_ENDPOINT (`server`) says where the API is. */
      readonly host: string;
      readonly port: string;
      readonly serviceAccountDir: string;
      readonly server?: string;
    }
  | { readonly kind: 'kubeconfig-text'; readonly text: string; readonly context?: string; readonly server?: string }
  | { readonly kind: 'server'; readonly url: string; readonly token?: string };

/** The variables {@link kubeTargetFromEnvironment} reads. */
export const K8S_ENV_VARIABLES = ['KUBECONFIG', 'KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT'] as const;

/**
 * The API server this process should use, or undefined when there is none.
 *
 * @example
 * kubeTargetFromEnvironment({ KUBERNETES_SERVICE_HOST: '10.100.0.1', KUBERNETES_SERVICE_PORT: '443' });
 * // { kind: 'in-cluster', host: '10.100.0.1', port: '443', serviceAccountDir: '/var/run/secrets/kubernetes.io/serviceaccount' }
 */
export function kubeTargetFromEnvironment(
  env: Readonly<Record<string, string | undefined>> = process.env,
): KubeTarget | undefined {
  const kubeconfig = (env['KUBECONFIG'] ?? '').split(':').find((p) => p.trim() !== '');
  if (kubeconfig !== undefined) return { kind: 'kubeconfig', path: kubeconfig.trim() };
  const host = env['KUBERNETES_SERVICE_HOST'] ?? '';
  const port = env['KUBERNETES_SERVICE_PORT'] ?? '';
  if (host !== '' && port !== '') return { kind: 'in-cluster', host, port, serviceAccountDir: SERVICE_ACCOUNT_DIR };
  return undefined;
}

/**
 * The target with CLUSTER_ENDPOINT applied [cninode §2.1]: the endpoint replaces the API server URL (so that ipamd
 * reaches the API before kube-proxy programs the `kubernetes` service address). Without any other target it means
 * the in-cluster service account's credentials at that URL.
 *
 * @example
 * withClusterEndpoint(kubeTargetFromEnvironment(), config.endpoints.kubernetesApi);
 * withClusterEndpoint(undefined, 'https://ABC.gr7.us-west-2.eks.amazonaws.com');
 * // { kind: 'in-cluster', host: '', port: '', serviceAccountDir: SERVICE_ACCOUNT_DIR, server: 'https://ABC...' }
 */
export function withClusterEndpoint(
  target: KubeTarget | undefined,
  endpoint: string | undefined,
): KubeTarget | undefined {
  if (endpoint === undefined) return target;
  if (target === undefined)
    return { kind: 'in-cluster', host: '', port: '', serviceAccountDir: SERVICE_ACCOUNT_DIR, server: endpoint };
  return target.kind === 'server' ? { ...target, url: endpoint } : { ...target, server: endpoint };
}

/**
 * A one-line description for logs (never the token).
 *
 * @example
 * describeKubeTarget({ kind: 'server', url: 'http://127.0.0.1:6443', token: 't' }); // 'API server http://127.0.0.1:6443'
 */
export function describeKubeTarget(target: KubeTarget): string {
  const via = target.kind !== 'server' && target.server !== undefined ? ` at CLUSTER_ENDPOINT ${target.server}` : '';
  switch (target.kind) {
    case 'kubeconfig':
      return `kubeconfig ${target.path}${target.context === undefined ? '' : ` (context ${target.context})`}${via}`;
    case 'kubeconfig-text':
      return `inline kubeconfig${target.context === undefined ? '' : ` (context ${target.context})`}${via}`;
    case 'in-cluster':
      return target.host === ''
        ? `in-cluster credentials${via}`
        : `in-cluster API server ${target.host}:${target.port}${via}`;
    case 'server':
      return `API server ${target.url}`;
  }
}
