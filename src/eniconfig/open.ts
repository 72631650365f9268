/**
 * The composition root's entry to custom networking: pick the node source (Kubernetes when there is an API server,
 * else the static files), load only that adapter (the Kubernetes client costs about a second to import, the YAML
 * parser about 0.1 s; neither is imported by ipamd until this runs), and build ipamd's ENIConfig source on it.
 *
 * @example
 * // src/ipamd/main.ts, when config.customNetworking.enabled:
 * const target = kubeTargetFromEnvironment();
 * const cn = await openCustomNetworking({
 *   nodeSource: target === undefined
 *     ? { kind: 'static', nodeName, nodeFile: '/etc/vpc-cni/nodes.yaml', eniConfigDir: '/etc/vpc-cni/eniconfigs', log: logger }
 *     : { kind: 'kubernetes', target, nodeName, log: logger },
 *   ec2, keys: config.customNetworking, log: logger,
 *   node: { az: identity.availabilityZone, vpcId, primaryEniSecurityGroups },
 *   onInvalid: () => metrics.ipamdError('eniConfig'),
 * });
 * closables.push(cn);
 * new Ipamd({ ...deps, eniConfigSource: cn.eniConfigSource, maxPods: config.node.maxPods ?? cn.capacityPods });
 * // introspection source: eniConfigName: () => cn.eniConfigSource.currentName()
 */
import type { KubeTarget } from '../config/k8s-env.js';
import type { Clock } from '../ipam/clock.js';
import type { Logger } from '../obs/logger.js';
import type { FollowOptions } from '../k8s/follow.js';
import type { K8sClient } from '../k8s/client.js';
import {
  createEniConfigSource,
  type CustomNetworkingSource,
  type EniConfigSourceOptions,
} from './eni-config-source.js';
import type { NodeInfoSource } from './port.js';
import type { StaticSourceOptions } from './static-source.js';

/** Which node source to open, and its options. */
export type NodeInfoSourceSpec =
  | ({ readonly kind: 'static' } & StaticSourceOptions)
  | {
      readonly kind: 'kubernetes';
      readonly target: KubeTarget;
      /** An open client for the target, shared with its other users (ipamd's own Kubernetes work); else one is made. */
      readonly client?: K8sClient;
      readonly nodeName: string;
      readonly log?: Logger;
      readonly clock?: Clock;
      readonly eventNamespace?: string;
      readonly syncTimeoutMs?: number;
      readonly backoff?: FollowOptions['backoff'];
    };

/**
 * Opens the node source of the spec, importing only its adapter.
 *
 * @example
 * const source = await openNodeInfoSource({ kind: 'kubernetes', target: { kind: 'kubeconfig', path }, nodeName: 'node-1' });
 */
export async function openNodeInfoSource(spec: NodeInfoSourceSpec): Promise<NodeInfoSource> {
  if (spec.kind === 'static') {
    const { createStaticNodeInfoSource } = await import('./static-source.js');
    const { kind: _kind, ...options } = spec;
    return createStaticNodeInfoSource(options);
  }
  const [{ createK8sClient }, { createKubernetesNodeInfoSource }] = await Promise.all([
    import('../k8s/client.js'),
    import('../k8s/node-source.js'),
  ]);
  const client = spec.client ?? (await createK8sClient(spec.target));
  return createKubernetesNodeInfoSource({
    client,
    nodeName: spec.nodeName,
    ...(spec.log === undefined ? {} : { log: spec.log }),
    ...(spec.clock === undefined ? {} : { clock: spec.clock }),
    ...(spec.eventNamespace === undefined ? {} : { eventNamespace: spec.eventNamespace }),
    ...(spec.syncTimeoutMs === undefined ? {} : { syncTimeoutMs: spec.syncTimeoutMs }),
    ...(spec.backoff === undefined ? {} : { backoff: spec.backoff }),
  });
}

export interface CustomNetworking {
  readonly source: NodeInfoSource;
  /** For `deps.eniConfigSource`; `.currentName()` for `/v1/eni-configs`. */
  readonly eniConfigSource: CustomNetworkingSource;
  /** The Node's `status.capacity.pods` when the source knows it (for `deps.maxPods`); read once at open. */
  readonly capacityPods: number | undefined;
  /** Stops following changes and closes the source. */
  close(): Promise<void>;
}

/**
 * Opens the node source and builds the ENIConfig source on it. The node is read once here, so a wrong node name
 * or an unreachable API server is logged at start-up rather than at the first ENI.
 *
 * @example
 * const cn = await openCustomNetworking({ nodeSource, ec2, node, keys: config.customNetworking, log });
 */
export async function openCustomNetworking(
  options: Omit<EniConfigSourceOptions, 'source'> & { readonly nodeSource: NodeInfoSourceSpec },
): Promise<CustomNetworking> {
  const { nodeSource, ...rest } = options;
  const source = await openNodeInfoSource(nodeSource);
  const eniConfigSource = createEniConfigSource({ ...rest, source });
  let capacityPods: number | undefined;
  try {
    const choice = await eniConfigSource.refresh();
    capacityPods = (await source.node()).capacityPods;
    options.log?.info(
      { eniConfig: choice.name, by: choice.source, source: source.kind, capacityPods },
      'custom networking: ENIConfig chosen for this node',
    );
  } catch (error) {
    options.log?.warn(
      { source: source.kind },
      `custom networking: cannot read this node yet: ${(error as Error).message}`,
    );
  }
  return {
    source,
    eniConfigSource,
    capacityPods,
    close: async () => {
      eniConfigSource.close();
      await source.close();
    },
  };
}
