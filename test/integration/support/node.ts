/**
 * Nodes of the embedded VPC as the CNI tests run them: ipamd as a child process per node (`vpc-cni ipamd`, configured
 * by environment as in a DaemonSet, introspection on a unix socket), the reference conflist pointed at it, pod
 * namespaces, and the real plugin exec'd in the node's namespace. Everything is recorded and removed by
 * {@link CniVpc.close}, also after a failure. A node's ipamd can be killed and restarted on the same checkpoint.
 *
 * @example
 * const vpc = await startCniVpc();
 * try {
 *   const node = await vpc.startNode(0);
 *   const pod = await vpc.createPod('p1');
 *   const out = await node.cni('ADD', { pod, containerId: 'c1' });
 *   await node.killIpamd('SIGKILL'); await node.restartIpamd();
 * } finally {
 *   await vpc.close();
 * }
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CniExecResult } from '../../../src/netlink/cni-exec.js';
import type { NetlinkExecutor } from '../../../src/netlink/exec.js';
import { createNamespaces, deleteNamespaces, newRunPrefix } from '../../../src/netlink/netns.js';
import type { SimInstanceInfo } from '../../../src/sim/index.js';
import { getJson, poolShape, type EnisDocument } from './introspection.js';
import { spawnIpamd, type IpamdProcess } from './ipamd-process.js';
import { dumpNetns } from './netns.js';
import {
  pluginConfig,
  referenceConflist,
  runCni,
  type CniCall,
  type CniCommand,
  type Conflist,
  type JsonObject,
  type PodIdentity,
  type TestPod,
} from './plugin.js';
import { startEmbeddedVpc, type EmbeddedVpc } from './sim.js';

export interface CniNode {
  readonly instanceId: string;
  readonly info: SimInstanceInfo;
  /** The node's namespace name. */
  readonly netns: string;
  readonly ipamdSocket: string;
  readonly introspectionSocket: string;
  readonly pluginLog: string;
  /** The checkpoint file ipamd keeps (kept across restarts). */
  readonly checkpoint: string;
  /** The reference conflist for this node (aws-cni, portmap). */
  readonly conflist: Conflist;
  /** The aws-cni entry of {@link conflist} as libcni hands it to the plugin. */
  awsConf(options?: { prevResult?: unknown; cniVersion?: string }): JsonObject;
  cni(
    command: CniCommand,
    call: Omit<CniCall, 'conf'> & { readonly conf?: JsonObject | string },
  ): Promise<CniExecResult>;
  enis(): Promise<EnisDocument>;
  /** The current ipamd process. */
  ipamd(): IpamdProcess;
  /** ipamd's log lines so far (JSON text, every run), for failure messages. */
  log(): string;
  stopIpamd(): Promise<void>;
  /** Sends `signal` to ipamd and waits for it to exit. */
  killIpamd(signal: NodeJS.Signals): Promise<number | string>;
  /** Starts ipamd again with the same environment (socket, checkpoint) and waits until it is ready. */
  restartIpamd(): Promise<IpamdProcess>;
}

export interface CniVpc extends EmbeddedVpc {
  /** Starts ipamd on the `index`-th instance (those with a node namespace) and waits until it is ready. */
  startNode(index: number, env?: Readonly<Record<string, string>>): Promise<CniNode>;
  /** Creates a pod namespace (removed by close). */
  createPod(name: string, identity?: Partial<PodIdentity>): Promise<TestPod>;
  deletePod(pod: TestPod): Promise<void>;
}

/** The embedded VPC (eksworkshop, data plane on) and a temp dir; nothing else runs until a node is started. */
export async function startCniVpc(): Promise<CniVpc> {
  const vpc = await startEmbeddedVpc({ dirPrefix: 'vcni-cni-' });
  const { sim, exec, dir, instances, cleanup } = vpc;
  const prefix = newRunPrefix('vcni');
  const pods = new Set<string>();
  // Deferred after the sim: runs before it (last in, first out).
  cleanup.defer(() => deleteNamespaces(exec, [...pods]));
  let podCounter = 0;

  const startNode = async (index: number, extraEnv: Readonly<Record<string, string>> = {}): Promise<CniNode> => {
    const entry = instances[index];
    if (entry === undefined) throw new Error(`no instance ${index} with a node namespace`);
    const [instanceId, info] = entry;
    const netns = info.netns ?? '';
    const nodeDir = join(dir, `node${index}`);
    await rm(nodeDir, { recursive: true, force: true });
    await mkdir(nodeDir, { recursive: true });
    const ipamdSocket = join(nodeDir, 'ipamd.sock');
    const introspectionSocket = join(nodeDir, 'introspection.sock');
    const pluginLog = join(nodeDir, 'plugin.log');
    const checkpoint = join(nodeDir, 'ipam.json');
    const env: Record<string, string> = {
      AWS_ENDPOINT_URL_EC2: sim.ec2Url,
      AWS_EC2_METADATA_SERVICE_ENDPOINT: info.imds,
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
      AWS_REGION: sim.describe().region,
      AWS_VPC_K8S_CNI_LOGLEVEL: 'DEBUG',
      VPC_CNI_HOST_NETNS: `/var/run/netns/${netns}`,
      VPC_CNI_IPAMD_SOCKET: ipamdSocket,
      AWS_VPC_K8S_CNI_BACKING_STORE: checkpoint,
      INTROSPECTION_BIND_ADDRESS: `unix:${introspectionSocket}`,
      DISABLE_METRICS: 'true',
      MY_NODE_NAME: info.nodeName,
      ...extraEnv,
    };
    const earlier: string[] = [];
    let ipamd = await spawnIpamd(env, 90_000);
    cleanup.defer(() => ipamd.stop());
    const conflist = referenceConflist({ ipamdSocket, pluginLogFile: pluginLog });
    const aws = conflist.plugins.find((p) => p['type'] === 'aws-cni') as JsonObject;
    const awsConf = (options: { prevResult?: unknown; cniVersion?: string } = {}): JsonObject => {
      const list = options.cniVersion === undefined ? conflist : { ...conflist, cniVersion: options.cniVersion };
      return pluginConfig(list, aws, options.prevResult === undefined ? {} : { prevResult: options.prevResult });
    };
    return {
      instanceId,
      info,
      netns,
      ipamdSocket,
      introspectionSocket,
      pluginLog,
      checkpoint,
      conflist,
      awsConf,
      cni: (command, call) => runCni(netns, command, { ...call, conf: call.conf ?? awsConf() }),
      enis: () => getJson<EnisDocument>(introspectionSocket, '/v1/enis'),
      ipamd: () => ipamd,
      log: () => [...earlier, ...ipamd.output].join('\n'),
      stopIpamd: async () => {
        await ipamd.stop();
      },
      killIpamd: (signal) => ipamd.kill(signal),
      restartIpamd: async () => {
        if (ipamd.alive()) throw new Error('restartIpamd: ipamd is still running');
        earlier.push(...ipamd.output, '---- restart ----');
        ipamd = await spawnIpamd(env, 90_000);
        return ipamd;
      },
    };
  };

  const createPod = async (name: string, identity: Partial<PodIdentity> = {}): Promise<TestPod> => {
    podCounter += 1;
    const netns = `${prefix}-p${podCounter}`;
    await createNamespaces(exec, [netns]);
    pods.add(netns);
    return {
      netns,
      path: `/var/run/netns/${netns}`,
      namespace: identity.namespace ?? 'default',
      name: identity.name ?? name,
      uid: identity.uid ?? `0000000${podCounter % 10}-0000-4000-8000-${String(podCounter).padStart(12, '0')}`,
      infraContainerId: identity.infraContainerId ?? `infra${podCounter}`,
    };
  };

  const deletePod = async (pod: TestPod): Promise<void> => {
    await deleteNamespaces(exec, [pod.netns]);
    pods.delete(pod.netns);
  };

  return { ...vpc, startNode, createPod, deletePod };
}

interface PoolCard {
  readonly plannedAt: string;
  readonly summary: string;
  readonly resize: { readonly kind: string };
  readonly freeEni: { readonly kind: string };
}

/**
 * Waits until ipamd's pool is at its target and the node namespaces have stopped changing: every node's last pool
 * tick (`/v1/pool`) decided nothing (steady, keep) after the last change of its `/v1/enis` pool shape and namespace
 * dump, and nothing changed for `quietMs`.
 */
export async function waitForQuietNodes(
  exec: NetlinkExecutor,
  nodes: readonly CniNode[],
  options: { quietMs?: number; timeoutMs?: number } = {},
): Promise<void> {
  const quietMs = options.quietMs ?? 1_000;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const deadline = Date.now() + timeoutMs;
  const fingerprint = async (): Promise<string> => {
    const parts = await Promise.all(
      nodes.map(async (node) => JSON.stringify([poolShape(await node.enis()), await dumpNetns(exec, node.netns)])),
    );
    return parts.join('\n');
  };
  const cards = async (): Promise<PoolCard[]> =>
    (
      await Promise.all(
        nodes.map(async (node) => (await getJson<{ cards: PoolCard[] }>(node.introspectionSocket, '/v1/pool')).cards),
      )
    ).flat();
  let last = await fingerprint();
  let changedAt = Date.now();
  for (;;) {
    if (Date.now() > deadline) {
      throw new Error(
        `the nodes' pools did not settle within ${timeoutMs} ms: ${(await cards()).map((c) => c.summary).join('; ')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = await fingerprint();
    if (now !== last) {
      last = now;
      changedAt = Date.now();
      continue;
    }
    if (Date.now() - changedAt < quietMs) continue;
    const settled = (await cards()).every(
      (c) => Date.parse(c.plannedAt) > changedAt && c.resize.kind === 'steady' && c.freeEni.kind === 'keep',
    );
    if (settled && (await fingerprint()) === last) return;
  }
}
