/**
 * The Kubernetes {@link NodeInfoSource}: an informer on this Node (`fieldSelector=metadata.name=<node>`) for its
 * labels, annotations and `status.capacity.pods`, an informer on ENIConfigs (`crd.k8s.amazonaws.com/v1alpha1`,
 * cluster-scoped), and Warning Events on the Node for problems (`EniConfigNotFound`, `EniConfigInvalid`) so that
 * `kubectl describe node` shows why pods get no address. Before an informer has synced, calls fall back to a GET.
 *
 * ENIConfigs from the API are checked as strictly as files (validate-object.ts): one whose spec.subnet is missing
 * is reported as such, not as "failed to allocate".
 *
 * @example
 * const client = await createK8sClient(target);
 * const source = await createKubernetesNodeInfoSource({ client, nodeName: config.node.name, log });
 * const node = await source.node(); // { name, labels, annotations, capacityPods: 110 }
 */
import type { Clock } from '../ipam/clock.js';
import { silentLogger, type Logger } from '../obs/logger.js';
import { systemClock } from '../obs/clock.js';
import { EniConfigError, isEniConfigError } from '../eniconfig/errors.js';
import { nodeInfoFromKubernetes } from '../eniconfig/node-object.js';
import type { NodeInfoSource, NodeProblem } from '../eniconfig/port.js';
import {
  ENICONFIG_GROUP,
  ENICONFIG_PLURAL,
  ENICONFIG_VERSION,
  type EniConfig,
  type NodeInfo,
} from '../eniconfig/types.js';
import { validateEniConfigObject } from '../eniconfig/validate-object.js';
import type { K8sClient } from './client.js';
import { isK8sError } from './errors.js';
import type { FollowOptions } from './follow.js';

export interface KubernetesSourceOptions {
  readonly client: K8sClient;
  /** MY_NODE_NAME: the Node object of this host. */
  readonly nodeName: string;
  readonly log?: Logger;
  readonly clock?: Clock;
  /** Namespace of the events (the reference records node events in `default`). */
  readonly eventNamespace?: string;
  /** `source.component` of the events; default `aws-node`. */
  readonly component?: string;
  /** How long creation waits for the first lists before answering from GETs; default 10 s. */
  readonly syncTimeoutMs?: number;
  readonly backoff?: FollowOptions['backoff'];
}

/** The path of the ENIConfig collection. */
export const ENICONFIGS_PATH = `/apis/${ENICONFIG_GROUP}/${ENICONFIG_VERSION}/${ENICONFIG_PLURAL}`;
const ORIGIN = 'Kubernetes API';

function nameOf(object: unknown): string | undefined {
  const name = (object as { metadata?: { name?: unknown } } | undefined)?.metadata?.name;
  return typeof name === 'string' ? name : undefined;
}

function unavailable(message: string, cause?: unknown): EniConfigError {
  return new EniConfigError('NODE_INFO_UNAVAILABLE', message, {}, cause);
}

/**
 * Starts both informers and waits (up to `syncTimeoutMs`) for their first lists.
 *
 * @example
 * const source = await createKubernetesNodeInfoSource({ client, nodeName: 'ip-10-0-1-5.ec2.internal' });
 */
export async function createKubernetesNodeInfoSource(options: KubernetesSourceOptions): Promise<NodeInfoSource> {
  const { client, nodeName } = options;
  const log = (options.log ?? silentLogger).child({ source: 'kubernetes', node: nodeName });
  const clock = options.clock ?? systemClock;
  const watchers = new Set<() => void>();
  const notify = (): void => {
    for (const watcher of [...watchers]) watcher();
  };
  let node: NodeInfo | undefined;
  let nodeUid: string | undefined;
  const eniConfigs = new Map<string, unknown>();
  let eventSeq = 0;
  let closed = false;

  const takeNode = (object: unknown): void => {
    try {
      const next = nodeInfoFromKubernetes(object, `Node ${nodeName}`);
      const uid = (object as { metadata?: { uid?: unknown } }).metadata?.uid;
      nodeUid = typeof uid === 'string' ? uid : nodeUid;
      const changed = JSON.stringify(next) !== JSON.stringify(node);
      node = next;
      if (changed) notify();
    } catch (error) {
      log.warn({}, `ignoring an unreadable Node object: ${(error as Error).message}`);
    }
  };
  const fieldSelector = `metadata.name=${nodeName}`;
  const backoff = options.backoff === undefined ? {} : { backoff: options.backoff };
  const nodes = client.follow('/api/v1/nodes', () => client.listNodes({ fieldSelector }), {
    fieldSelector,
    ...backoff,
    onEvent: (type, object) => {
      if (type === 'delete') {
        node = undefined;
        notify();
      } else {
        takeNode(object);
      }
    },
    onError: (error, retryInMs) =>
      log.warn({ code: error.code, retryInMs }, `following Node ${nodeName}: ${error.message}`),
  });
  const configs = client.follow(ENICONFIGS_PATH, () => client.listEniConfigs(), {
    ...backoff,
    onEvent: (type, object) => {
      const name = nameOf(object);
      if (name === undefined) return;
      if (type === 'delete') eniConfigs.delete(name);
      else eniConfigs.set(name, object);
      notify();
    },
    onError: (error, retryInMs) => {
      const hint = isK8sError(error, 'K8S_NOT_FOUND')
        ? ' (is the ENIConfig CRD eniconfigs.crd.k8s.amazonaws.com installed?)'
        : '';
      log.warn({ code: error.code, retryInMs }, `following ENIConfigs: ${error.message}${hint}`);
    },
  });
  let syncTimer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all([nodes.synced, configs.synced]),
    new Promise<void>((resolve) => {
      syncTimer = setTimeout(resolve, options.syncTimeoutMs ?? 10_000);
      syncTimer.unref();
    }),
  ]);
  clearTimeout(syncTimer);
  if (!nodes.isSynced() || !configs.isSynced())
    log.warn({}, 'the API server has not answered the first lists yet; answering from GETs meanwhile');

  const checkOpen = (): void => {
    if (closed) throw unavailable('the Kubernetes node source is closed');
  };
  const toConfig = (object: unknown, name: string): EniConfig => {
    const checked = validateEniConfigObject(object, { source: `${ORIGIN} (ENIConfig ${name})` });
    if (checked.config !== undefined) return checked.config;
    throw new EniConfigError(
      'ENICONFIG_INVALID_DOCUMENT',
      `ENIConfig '${name}' in the cluster is not valid: ${checked.problems.join('; ')}`,
      { name, problems: checked.problems },
    );
  };

  return {
    kind: 'kubernetes',
    node: async () => {
      checkOpen();
      if (nodes.isSynced()) {
        if (node !== undefined) return node;
        throw unavailable(
          `Node '${nodeName}' does not exist in the cluster (${client.target}); is MY_NODE_NAME this node's name?`,
        );
      }
      try {
        takeNode(await client.readNode(nodeName));
      } catch (error) {
        if (isK8sError(error, 'K8S_NOT_FOUND'))
          throw unavailable(
            `Node '${nodeName}' does not exist in the cluster (${client.target}); is MY_NODE_NAME this node's name?`,
            error,
          );
        throw unavailable(`cannot read Node '${nodeName}': ${(error as Error).message}`, error);
      }
      if (node === undefined) throw unavailable(`Node '${nodeName}' could not be read`);
      return node;
    },
    eniConfig: async (name) => {
      checkOpen();
      const object = configs.isSynced()
        ? eniConfigs.get(name)
        : await client.getEniConfig(name).catch((error: unknown) => {
            throw isEniConfigError(error)
              ? error
              : unavailable(`cannot read ENIConfig '${name}': ${(error as Error).message}`, error);
          });
      return object === undefined ? undefined : toConfig(object, name);
    },
    watch: (onChange) => {
      watchers.add(onChange);
      return () => watchers.delete(onChange);
    },
    report: async (problem: NodeProblem) => {
      const now = new Date(clock.now());
      eventSeq += 1;
      const namespace = options.eventNamespace ?? 'default';
      const component = options.component ?? 'aws-node';
      try {
        await client.createEvent(namespace, {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name: `${nodeName}.${(clock.now() * 1000 + eventSeq).toString(16)}`, namespace },
          involvedObject: {
            apiVersion: 'v1',
            kind: 'Node',
            name: nodeName,
            ...(nodeUid === undefined ? {} : { uid: nodeUid }),
          },
          reason: problem.reason,
          message: problem.message,
          type: 'Warning',
          source: { component, host: nodeName },
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
          reportingComponent: component,
          reportingInstance: nodeName,
        });
      } catch (error) {
        log.warn(
          { reason: problem.reason },
          `could not record the event on Node ${nodeName} (${(error as Error).message}): ${problem.message}`,
        );
      }
    },
    close: async () => {
      closed = true;
      watchers.clear();
      await Promise.all([nodes.stop(), configs.stop()]);
    },
  };
}
