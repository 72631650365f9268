/**
 * A cluster as a {@link Target} (`--kubeconfig PATH`): the seed's `kubectl apply -f group*-pod-netconfig.yaml`,
 * `kubectl annotate nodes ...` and `kubectl set env ds aws-node ...` through the Kubernetes adapter (src/k8s):
 * ENIConfigs are created or replaced when their spec differs; nodes get the annotation (or label) with a JSON merge
 * patch; the `aws-node` container of DaemonSet kube-system/aws-node gets the env with a strategic merge patch (env
 * entries merge by name). A missing DaemonSet is reported, not created: deploy/ has its manifests.
 *
 * @example
 * const target = await kubeTarget('/root/.kube/config');
 * await target.inspect(plan); // { where: 'cluster (kubeconfig /root/.kube/config)', eniConfigs: [...], ... }
 */
import { createK8sClient, loadKubeConfig, type K8sClient } from '../k8s/client.js';
import { loadClientNode } from '../k8s/client-node.js';
import { isK8sError } from '../k8s/errors.js';
import type { KubeTarget } from '../config/k8s-env.js';
import { CustomNetworkingError } from './errors.js';
import type { NodeMapping, Plan } from './plan-types.js';
import { makeTarget, planEniConfigs, type Target, type TargetAction, type TargetChanges } from './target.js';

interface DaemonSetAccess {
  env(): Promise<Record<string, string> | undefined>;
  setEnv(env: Readonly<Record<string, string>>): Promise<void>;
}

type Obj = Record<string, unknown>;
const rec = (value: unknown): Obj => (typeof value === 'object' && value !== null ? (value as Obj) : {});

async function daemonSetAccess(target: KubeTarget): Promise<DaemonSetAccess> {
  const k8s = await loadClientNode();
  const apps = (await loadKubeConfig(target)).makeApiClient(k8s.AppsV1Api);
  const where = { name: 'aws-node', namespace: 'kube-system' };
  return {
    env: async () => {
      try {
        const ds = await apps.readNamespacedDaemonSet(where);
        const container = ds.spec?.template.spec?.containers.find((c) => c.name === 'aws-node');
        return Object.fromEntries(
          (container?.env ?? []).flatMap((e) => (e.value === undefined ? [] : [[e.name, e.value]])),
        );
      } catch {
        return undefined; // not found, or not allowed: reported as "set it yourself"
      }
    },
    setEnv: async (env) => {
      const patch = {
        spec: {
          template: {
            spec: {
              containers: [{ name: 'aws-node', env: Object.entries(env).map(([name, value]) => ({ name, value })) }],
            },
          },
        },
      };
      await apps.patchNamespacedDaemonSet(
        { ...where, body: patch },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
      );
    },
  };
}

function specOf(object: unknown): string {
  const spec = rec(rec(object)['spec']);
  return JSON.stringify({ subnet: spec['subnet'], securityGroups: spec['securityGroups'] ?? [] });
}

function nodeValue(node: unknown, kind: 'annotation' | 'label', key: string): string | undefined {
  const metadata = rec(rec(node)['metadata']);
  const map = rec(metadata[kind === 'label' ? 'labels' : 'annotations']);
  const value = map[key];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The Node of a planned node: by its EC2 private DNS name (EKS's default node name), else — clusters that name nodes
 * by resource name (`i-0abc….ec2.internal`) — the Node whose providerID ends with the instance id or whose
 * InternalIP is the instance's address.
 */
async function findNode(client: K8sClient, m: NodeMapping): Promise<unknown> {
  try {
    return await client.readNode(m.nodeName);
  } catch (error) {
    if (!isK8sError(error, 'K8S_NOT_FOUND')) throw error;
  }
  const { items } = await client.listNodes();
  const found = items.find((node) => {
    const providerId = rec(rec(node)['spec'])['providerID'];
    const addresses = rec(rec(node)['status'])['addresses'];
    return (
      (typeof providerId === 'string' && providerId.endsWith(`/${m.instanceId}`)) ||
      (Array.isArray(addresses) &&
        addresses.some((a) => rec(a)['type'] === 'InternalIP' && rec(a)['address'] === m.privateIp))
    );
  });
  if (found === undefined) {
    throw new CustomNetworkingError(
      'CN_NO_NODES',
      `instance ${m.instanceId} (${m.privateIp}) is not a Node of the cluster: no Node ${m.nodeName}, none with its providerID or InternalIP`,
      { node: m.nodeName },
    );
  }
  return found;
}

/**
 * A cluster target from a kubeconfig file (or any {@link KubeTarget}, such as a test's local API server).
 *
 * @example
 * const target = await kubeTarget({ kind: 'kubeconfig-text', text: await readFile(path, 'utf8') });
 */
export async function kubeTarget(kubeconfig: string | KubeTarget): Promise<Target> {
  const kube: KubeTarget = typeof kubeconfig === 'string' ? { kind: 'kubeconfig', path: kubeconfig } : kubeconfig;
  const client: K8sClient = await createK8sClient(kube);
  const daemonSet = await daemonSetAccess(kube);
  const where = `cluster (${client.target})`;

  const inspect = async (
    plan: Plan,
  ): Promise<TargetChanges & { existing: Map<string, unknown>; names: Map<string, string> }> => {
    const existing = new Map<string, unknown>();
    const eniConfigs = await Promise.all(
      planEniConfigs(plan).map(async (config) => {
        const current = await client.getEniConfig(config.metadata.name);
        if (current !== undefined) existing.set(config.metadata.name, current);
        const action: TargetAction =
          current === undefined ? 'create' : specOf(current) === specOf(config) ? 'none' : 'update';
        return { name: config.metadata.name, action };
      }),
    );
    const names = new Map<string, string>();
    const nodes = await Promise.all(
      plan.nodes.map(async (m) => {
        const node = await findNode(client, m);
        names.set(m.nodeName, String(rec(rec(node)['metadata'])['name']));
        return {
          nodeName: m.nodeName,
          action: (nodeValue(node, m.kind, m.key) === m.value ? 'none' : 'update') as TargetAction,
        };
      }),
    );
    const env = await daemonSet.env();
    const envAction: TargetAction =
      env === undefined || Object.entries(plan.daemonSetEnv).every(([k, v]) => env[k] === v) ? 'none' : 'update';
    return {
      where: env === undefined ? `${where}; DaemonSet kube-system/aws-node not found: set its env yourself` : where,
      eniConfigs,
      nodes,
      env: envAction,
      existing,
      names,
    };
  };

  return makeTarget(where, inspect, async (plan, state, note) => {
    let written = 0;
    for (const config of planEniConfigs(plan)) {
      const action = state.eniConfigs.find((c) => c.name === config.metadata.name)?.action ?? 'none';
      if (action === 'none') continue;
      const current = state.existing.get(config.metadata.name);
      const resourceVersion = rec(rec(current)['metadata'])['resourceVersion'];
      if (action === 'create') await client.createEniConfig(config);
      else
        await client.replaceEniConfig({
          ...config,
          metadata: { ...config.metadata, ...(typeof resourceVersion === 'string' ? { resourceVersion } : {}) },
        });
      note(`${action === 'create' ? 'created' : 'replaced'} ENIConfig ${config.metadata.name}`);
      written++;
    }
    for (const m of plan.nodes) {
      if (state.nodes.find((n) => n.nodeName === m.nodeName)?.action === 'none') continue;
      await client.patchNode(state.names.get(m.nodeName) ?? m.nodeName, {
        metadata: { [m.kind === 'label' ? 'labels' : 'annotations']: { [m.key]: m.value } },
      });
      note(`${m.kind === 'label' ? 'labelled' : 'annotated'} node ${m.nodeName} ${m.key}=${m.value}`);
      written++;
    }
    if (state.env !== 'none') {
      await daemonSet.setEnv(plan.daemonSetEnv);
      note(`set ${Object.keys(plan.daemonSetEnv).join(', ')} on DaemonSet kube-system/aws-node`);
      written++;
    }
    return written;
  });
}
