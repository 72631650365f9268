/**
 * ipamd's one connection to Kubernetes, for the composition root: where the API server is (KUBECONFIG, else the
 * in-cluster service, of the environment the config was loaded from; CLUSTER_ENDPOINT replaces its address
 * [cninode §2.1]), the start-up check of it [cninode §2.2],
 * and everything built on the one client:
 *
 * - custom networking's Node/ENIConfig source (or, without a cluster, its static source);
 * - ANNOTATE_POD_IP: the pod annotation port for the allocation backend [cninode §3];
 * - AWS_MANAGE_ENIS_NON_SCHEDULABLE=false: the Node's taints for the pool manager's `attachmentBlocked` [cninode §4];
 * - MY_POD_NAME: MissingIAMPermissions events when EC2 answers UnauthorizedOperation [cninode §5.1];
 * - ENABLE_POD_ENI: the CNINode features of node initialisation [cninode §1.4], declared here once custom
 *   networking has chosen the node's ENIConfig (a CustomNetworking failure stops the start-up).
 *
 * Without a cluster the settings that cannot work are refused (KUBERNETES_API_REQUIRED, naming them):
 * ANNOTATE_POD_IP=true, ENABLE_POD_ENI=true, and AWS_MANAGE_ENIS_NON_SCHEDULABLE=false when it was given (its
 * default only means "no cordon to respect"). @kubernetes/client-node is imported only when there is a cluster.
 *
 * @example
 * const kube = await openIpamdKubernetes(loaded, { imds, ec2, logger, clock, timers, signal });
 * closables.push(kube);
 * const ipamd = new Ipamd({ ...deps, ...kube.deps });
 * // EC2 observe: (record) => kube.noteAwsCall(record)
 */
import type { AwsCallRecord } from '../../cloud/calls.js';
import type { Ec2Api } from '../../cloud/ec2/port.js';
import type { Imds } from '../../cloud/imds/port.js';
import type { LoadedConfig } from '../../config/index.js';
import { withClusterEndpoint, type KubeTarget } from '../../config/k8s-env.js';
import type { CustomNetworking } from '../../eniconfig/open.js';
import type { Clock } from '../../ipam/clock.js';
import type { K8sClient } from '../../k8s/client.js';
import type { Logger } from '../../obs/logger.js';
import type { Timers } from '../../obs/timers.js';
import type { IpamdDeps } from '../context.js';
import { openCustomNetworkingFor } from '../custom-networking.js';
import { IpamdError } from '../errors.js';
import { declareCniNodeFeatures } from './cninode-features.js';
import { checkApiServer, type ConnectivityTimings } from './connectivity.js';
import { IamEvents } from './iam-events.js';
import { followSchedulability, type Schedulability } from './schedulable.js';

export interface IpamdKubernetesPorts {
  readonly imds: Imds;
  readonly ec2: Ec2Api;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly signal?: AbortSignal;
  /** The API server; default: the loaded environment's (KUBECONFIG, in-cluster). `null`: no cluster. */
  readonly target?: KubeTarget | null;
  readonly connectivity?: Partial<ConnectivityTimings>;
  /** How long start-up waits for the first list of the Node's taints; default 10 s. */
  readonly syncTimeoutMs?: number;
}

export interface IpamdKubernetes {
  /** Custom networking when AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true. */
  readonly customNetworking: CustomNetworking | undefined;
  /** For `new Ipamd({ ...deps, ...kube.deps })`. */
  readonly deps: Pick<IpamdDeps, 'attachmentBlocked' | 'podIps'>;
  /** The client when there is a cluster (tests, tools). */
  readonly client: K8sClient | undefined;
  /** EC2 calls as the adapter reports them: UnauthorizedOperation becomes a MissingIAMPermissions event. */
  noteAwsCall(record: AwsCallRecord): void;
  close(): Promise<void>;
}

/** The settings that cannot work without an API server (see the module comment). */
function refusedWithoutCluster(loaded: LoadedConfig): string[] {
  const { features } = loaded.config;
  return [
    ...(features.annotatePodIp ? ['ANNOTATE_POD_IP=true (pods are annotated on every ADD)'] : []),
    ...(features.podEni ? ['ENABLE_POD_ENI=true (the CNINode tells the resource controller)'] : []),
    ...(!features.manageEnisNonSchedulable && loaded.given.includes('AWS_MANAGE_ENIS_NON_SCHEDULABLE')
      ? ["AWS_MANAGE_ENIS_NON_SCHEDULABLE=false (the Node's unschedulable taint must be read)"]
      : []),
  ];
}

/**
 * Connects (or not) and builds the parts (see the module comment).
 *
 * @throws IpamdError KUBERNETES_API_REQUIRED, KUBERNETES_API_UNREACHABLE.
 * @example
 * const kube = await openIpamdKubernetes(loaded, { imds, ec2, logger, clock, timers: systemTimers });
 */
export async function openIpamdKubernetes(loaded: LoadedConfig, ports: IpamdKubernetesPorts): Promise<IpamdKubernetes> {
  const { config } = loaded;
  const log = ports.logger.child({ component: 'kubernetes' });
  const base = ports.target === undefined ? loaded.kubeTarget : (ports.target ?? undefined);
  const target = withClusterEndpoint(base, config.endpoints.kubernetesApi);
  const needsNode = target !== undefined || config.customNetworking.enabled;
  const nodeName = needsNode ? (config.node.name ?? (await eksNodeName(loaded, ports.imds))) : '';
  if (target === undefined) {
    const refused = refusedWithoutCluster(loaded);
    if (refused.length > 0) {
      throw new IpamdError(
        'KUBERNETES_API_REQUIRED',
        `${refused.join('; ')}: these need the Kubernetes API server, and none is configured ` +
          '(KUBECONFIG, the in-cluster service KUBERNETES_SERVICE_HOST/PORT, or CLUSTER_ENDPOINT)',
        { settings: refused.join('; ') },
      );
    }
    if (!config.features.manageEnisNonSchedulable)
      log.info({}, 'no Kubernetes API server: the node is not checked for the cordon taint before ENI changes');
    const customNetworking = config.customNetworking.enabled
      ? await openCustomNetworkingFor(loaded, { ...ports, nodeName, cluster: undefined })
      : undefined;
    return {
      customNetworking,
      deps: {},
      client: undefined,
      noteAwsCall: () => undefined,
      close: async () => customNetworking?.close(),
    };
  }

  const { createK8sClient } = await import('../../k8s/client.js');
  const client = await createK8sClient(target);
  const requiredBy = [
    ...(config.features.annotatePodIp ? ['ANNOTATE_POD_IP=true'] : []),
    ...(config.customNetworking.enabled ? ['AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true'] : []),
    ...(config.features.podEni ? ['ENABLE_POD_ENI=true'] : []),
  ];
  await checkApiServer(client, {
    requiredBy,
    timers: ports.timers,
    clock: ports.clock,
    log,
    ...(ports.signal === undefined ? {} : { signal: ports.signal }),
    ...(ports.connectivity === undefined ? {} : { timings: ports.connectivity }),
  });

  const closers: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.reverse()) await close();
  };
  let schedulability: Schedulability | undefined;
  let customNetworking: CustomNetworking | undefined;
  try {
    if (!config.features.manageEnisNonSchedulable) {
      const followed = followSchedulability({ client, nodeName, log });
      schedulability = followed;
      closers.push(() => followed.close());
      await waitAtMost(followed.synced, ports.syncTimeoutMs ?? 10_000);
    }
    if (config.customNetworking.enabled) {
      const opened = await openCustomNetworkingFor(loaded, { ...ports, nodeName, cluster: { target, client } });
      customNetworking = opened;
      closers.push(() => opened.close());
    }
    // Node initialisation's CNINode features (ENABLE_POD_ENI only), once custom networking has chosen the ENIConfig.
    await declareCniNodeFeatures({
      client,
      nodeName,
      config,
      eniConfigName: customNetworking?.eniConfigSource.currentName(),
      log,
    });
  } catch (error) {
    await closeAll();
    throw error;
  }
  const podName = config.node.podName;
  if (podName === undefined) log.info({}, 'MY_POD_NAME is unset: MissingIAMPermissions events are not recorded');
  const events =
    podName === undefined ? undefined : new IamEvents({ client, podName, nodeName, clock: ports.clock, log });
  let podIps: IpamdDeps['podIps'];
  if (config.features.annotatePodIp) podIps = (await import('../../k8s/pod-ips.js')).createPodIpAnnotations(client);
  log.info(
    { target: client.target, node: nodeName, annotatePodIp: podIps !== undefined, events: events !== undefined },
    `Kubernetes: ${client.target}`,
  );
  return {
    customNetworking,
    deps: {
      ...(schedulability === undefined ? {} : { attachmentBlocked: () => schedulability.blockedBy() }),
      ...(podIps === undefined ? {} : { podIps }),
    },
    client,
    noteAwsCall: (record) => events?.note(record),
    close: async () => {
      await closeAll();
      await events?.flushed();
    },
  };
}

/** EKS names a node after the instance's private DNS name (MY_NODE_NAME says otherwise). */
async function eksNodeName(loaded: LoadedConfig, imds: Imds): Promise<string> {
  const identity = await imds.identity();
  const region = loaded.config.endpoints.region ?? identity.region;
  return `ip-${identity.localIpv4.replaceAll('.', '-')}.${region}.compute.internal`;
}

async function waitAtMost(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
