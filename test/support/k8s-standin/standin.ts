/**
 * ┌──────────────────────────────────────────────────────────────────────────────────────────────────────────────┐
 * │ A STAND-IN FOR THE KUBERNETES API SERVER — NOT AN API SERVER.                                                │
 * │ It implements exactly the calls vpc-cni's Kubernetes adapter makes, over plain HTTP on 127.0.0.1, so that    │
 * │ the adapter (through the real @kubernetes/client-node) can be tested offline, and the demo and the           │
 * │ custom-networking workflow have "a cluster" to talk to. No TLS, no RBAC (only injected refusals), no         │
 * │ admission beyond the ENIConfig CRD's schema and Event validation, no selectors beyond                        │
 * │ `fieldSelector=metadata.name=X`.                                                                             │
 * │ Anything else answers 404 naming the call.                                                                   │
 * └──────────────────────────────────────────────────────────────────────────────────────────────────────────────┘
 *
 * Routes (JSON; errors are Kubernetes `Status` objects):
 * - `GET /api/v1/nodes` (list; `?watch=true` streams JSON lines `{type, object}`; `fieldSelector`, `resourceVersion`,
 *   `timeoutSeconds`), `GET|PATCH /api/v1/nodes/{name}` (merge patch; strategic merge is treated as merge),
 * - `GET|POST /apis/crd.k8s.amazonaws.com/v1alpha1/eniconfigs` (list, watch, create),
 *   `GET|PUT|PATCH|DELETE /apis/crd.k8s.amazonaws.com/v1alpha1/eniconfigs/{name}`,
 * - `GET|POST /api/v1/namespaces/{ns}/events`,
 * - ipamd's (routes-ipamd.ts): `GET /version`, `GET|PATCH /api/v1/namespaces/{ns}/pods/{name}`,
 *   `GET|PATCH /apis/vpcresources.k8s.aws/v1alpha1/cninodes/{name}`,
 *   `GET|POST /apis/events.k8s.io/v1/namespaces/{ns}/events`, `GET|PATCH .../events/{name}`.
 *
 * `state.faults` (faults.ts) injects refusals: `state.faults.forbid('patch', 'pods')` answers 403 as RBAC would, a fault with
 * `status: 409` a conflict, one with `hang: true` no answer at all.
 *
 * @example
 * const standin = await startK8sStandin({ nodes: [{ name: 'node-1', labels: {}, annotations: {}, capacityPods: 20 }] });
 * writeFileSync(kubeconfigPath, standin.kubeconfig());   // KUBECONFIG for tools
 * const client = await createK8sClient({ kind: 'kubeconfig-text', text: standin.kubeconfig() });
 * standin.state.putEniConfig(eniConfig('us-west-2a', { subnet }));
 * await standin.close();
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../../src/ipam/clock.js';
import type { EniConfig, NodeInfo } from '../../../src/eniconfig/types.js';
import { systemClock } from '../../../src/obs/clock.js';
import { route, sendStatus, type Watches } from './routes.js';
import { StandinState, type K8sObject } from './state.js';

export interface K8sStandinOptions {
  readonly nodes?: readonly (NodeInfo | K8sObject)[];
  readonly eniConfigs?: readonly EniConfig[];
  /** Bearer token every request must carry (the kubeconfig carries it); default `standin-token`. */
  readonly token?: string;
  /** Loopback only; default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (a free port). */
  readonly port?: number;
  readonly clock?: Clock;
  /** The objects of a previous stand-in, to "restart the API server" with the same data (as etcd keeps it). */
  readonly state?: StandinState;
}

export interface K8sStandin {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly token: string;
  /** The stand-in's objects: read and change them directly (watchers see the changes). */
  readonly state: StandinState;
  /** A kubeconfig (YAML) pointing at the stand-in, for KUBECONFIG or `{ kind: 'kubeconfig-text' }`. */
  kubeconfig(): string;
  /** Ends every watch stream and stops listening. */
  close(): Promise<void>;
}

const LOOPBACK = /^(127(\.\d{1,3}){3}|::1|localhost)$/;

/**
 * Starts the stand-in with the given Nodes and ENIConfigs.
 *
 * @example
 * const standin = await startK8sStandin({ nodes: [], eniConfigs: [] });
 */
export async function startK8sStandin(options: K8sStandinOptions = {}): Promise<K8sStandin> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK.test(host)) throw new RangeError(`the Kubernetes stand-in binds loopback only, not '${host}'`);
  const token = options.token ?? 'standin-token';
  const state = options.state ?? new StandinState(options.clock ?? systemClock);
  for (const node of options.nodes ?? []) state.putNode(node);
  for (const config of options.eniConfigs ?? []) state.putEniConfig(config);
  const watches: Watches = new Set();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://standin');
    state.requests.push(`${req.method ?? 'GET'} ${url.pathname}${url.search}`);
    if (req.headers.authorization !== `Bearer ${token}`) {
      sendStatus(res, 401, 'Unauthorized', 'Unauthorized: the stand-in expects the bearer token of its kubeconfig');
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    route({
      state,
      watches,
      method: req.method ?? 'GET',
      url,
      body,
      contentType: req.headers['content-type'] ?? '',
      res,
    });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendStatus(res, 500, 'InternalError', `stand-in failure: ${(error as Error).message}`);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;

  return {
    url,
    token,
    state,
    kubeconfig: () =>
      [
        'apiVersion: v1',
        'kind: Config',
        '# A Kubernetes API STAND-IN (vpc-cni test/support/k8s-standin), not a real cluster.',
        'clusters:',
        '  - name: vpc-cni-standin',
        '    cluster:',
        `      server: ${url}`,
        '      # Plain HTTP on loopback; @kubernetes/client-node only speaks http:// with this flag set.',
        '      insecure-skip-tls-verify: true',
        'users:',
        '  - name: vpc-cni-standin',
        '    user:',
        `      token: ${token}`,
        'contexts:',
        '  - name: vpc-cni-standin',
        '    context:',
        '      cluster: vpc-cni-standin',
        '      user: vpc-cni-standin',
        'current-context: vpc-cni-standin',
        '',
      ].join('\n'),
    close: async () => {
      for (const watch of [...watches]) watch.end();
      watches.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
