/**
 * The machinery of the CNI integration tests: the embedded VPC with its data plane, ipamd as a child process per node
 * (`vpc-cni ipamd`, configured by environment as in a DaemonSet), pod namespaces, and the real `bin/aws-cni` exec'd
 * the way a container runtime does (inside the node's namespace, CNI_* environment, config on stdin, CNI_ARGS in a
 * random order, libcni's per-plugin config for chains). Everything it creates is recorded and removed by
 * {@link TestVpc.close}, also after a failure; a child process left running when the test process exits is killed.
 *
 * @example
 * const vpc = await startTestVpc();
 * try {
 *   const node = await vpc.startNode(0);
 *   const pod = await vpc.createPod('p1');
 *   const out = await node.cni('ADD', { pod, containerId: 'c1', conf: node.awsConf() });
 * } finally {
 *   await vpc.close();
 * }
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { conflistSettings, renderConflist } from '../../../src/cni/conflist.js';
import { loadConfig } from '../../../src/config/index.js';
import { execCniPlugin, type CniExecResult } from '../../../src/netlink/cni-exec.js';
import { NetlinkExecutor } from '../../../src/netlink/exec.js';
import { createNamespaces, deleteNamespaces, newRunPrefix, removeLeftoverNamespaces } from '../../../src/netlink/netns.js';
import { netnsSkipReason } from '../../../src/netlink/netns.test-util.js';
import { systemClock } from '../../../src/obs/clock.js';
import { startSim, type RunningSim, type SimInstanceInfo } from '../../../src/sim/sim.js';

/** The repository root (this file runs from build/spec/test/integration/cni/). */
export const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
export const PLUGIN = join(ROOT, 'bin', 'aws-cni');
export const VPC_CNI = join(ROOT, 'bin', 'vpc-cni');
/** Debian's CNI plugins (containernetworking-plugins 1.1.1). */
export const GO_PLUGINS = '/usr/lib/cni';

/** Why these tests cannot run here (root, namespaces, a built plugin), or false. */
export async function cniSkipReason(extra: readonly string[] = []): Promise<string | false> {
  const netns = await netnsSkipReason();
  if (netns !== false) return netns;
  if (!existsSync(PLUGIN)) return `${PLUGIN} is missing: run npm run build`;
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) return 'dist/ is missing: run npm run build';
  for (const file of extra) if (!existsSync(file)) return `${file} is missing (apt-get install containernetworking-plugins)`;
  return false;
}

// ---- child processes: killed when the test process exits, whatever happened ----------------------------------------

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

// ---- ipamd's introspection API on its unix socket -------------------------------------------------------------------

/** GET a path of an HTTP server on a unix socket; the body parsed as JSON. */
export function getJson<T = unknown>(socketPath: string, path: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`GET ${path}: HTTP ${res.statusCode}: ${body.slice(0, 300)}`));
        else {
          try {
            resolve(JSON.parse(body) as T);
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: timeout`)));
    req.on('error', reject);
    req.end();
  });
}

/** One address of `/v1/enis` (the reference's IPAMMetadata/IPAMKey shapes). */
export interface IntrospectedAddress {
  readonly Address: string;
  readonly IPAMKey: { readonly networkName: string; readonly containerID: string; readonly ifName: string };
  readonly IPAMMetadata: { readonly k8sPodNamespace?: string; readonly k8sPodName?: string };
  readonly AssignedTime: string;
  readonly UnassignedTime: string;
}

interface IntrospectedEni {
  readonly ID: string;
  readonly DeviceNumber: number;
  readonly AvailableIPv4Cidrs: Readonly<Record<string, { readonly IPAddresses: Readonly<Record<string, IntrospectedAddress>> }>>;
}

export type EnisDocument = Readonly<Record<string, { readonly TotalIPs: number; readonly AssignedIPs: number; readonly ENIs: Readonly<Record<string, IntrospectedEni>> }>>;

/** Go's zero time, as the introspection API prints an unset time. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/** Every address record of `/v1/enis`, with its ENI's device number. */
export function addressesOf(doc: EnisDocument): Map<string, IntrospectedAddress & { readonly deviceNumber: number }> {
  const out = new Map<string, IntrospectedAddress & { readonly deviceNumber: number }>();
  for (const card of Object.values(doc)) {
    for (const eni of Object.values(card.ENIs)) {
      for (const cidr of Object.values(eni.AvailableIPv4Cidrs)) {
        for (const [ip, record] of Object.entries(cidr.IPAddresses)) out.set(ip, { ...record, deviceNumber: eni.DeviceNumber });
      }
    }
  }
  return out;
}

/** The CIDRs of `/v1/enis` per ENI: what changes when ipamd grows or shrinks the pool, not when pods come and go. */
export function poolShape(doc: EnisDocument): string {
  return Object.values(doc)
    .flatMap((card) => Object.values(card.ENIs).map((eni) => `${eni.ID}#${eni.DeviceNumber}: ${Object.keys(eni.AvailableIPv4Cidrs).sort().join(' ')}`))
    .sort()
    .join('\n');
}

// ---- the node namespace as `ip -json` shows it --------------------------------------------------------------------

/** Links, routes of every table and rules of a namespace, as `ip -json` prints them (sorted, so order is moot). */
export interface NetnsDump {
  readonly links: readonly string[];
  readonly routes: readonly string[];
  readonly rules: readonly string[];
}

export async function dumpNetns(exec: NetlinkExecutor, netns: string): Promise<NetnsDump> {
  const read = async (args: string[]): Promise<string[]> =>
    (await exec.ipJson<unknown[]>({ args }, { netns })).map((entry) => JSON.stringify(entry)).sort();
  const [links, routes, rules] = await Promise.all([read(['link', 'show']), read(['route', 'show', 'table', 'all']), read(['rule', 'show'])]);
  return { links, routes, rules };
}

/** `iptables-save` inside a namespace. */
export async function iptablesSave(exec: NetlinkExecutor, netns: string): Promise<string> {
  return (await exec.run({ file: 'nsenter', args: [`--net=/var/run/netns/${netns}`, '--', 'iptables-save'] })).stdout;
}

// ---- the CNI protocol as a runtime speaks it ------------------------------------------------------------------------

/** A pod as CNI_ARGS name it. */
export interface PodIdentity {
  readonly namespace: string;
  readonly name: string;
  readonly uid?: string;
  readonly infraContainerId?: string;
}

/** A pod sandbox: its namespace (name under /var/run/netns) and Kubernetes identity. */
export interface TestPod extends PodIdentity {
  readonly netns: string;
  readonly path: string;
}

function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** CNI_ARGS as containerd sends them: the K8S_* keys and IgnoreUnknown=1, in a new random order on every call. */
export function cniArgs(pod: PodIdentity, extra: readonly string[] = []): string {
  return shuffled([
    'IgnoreUnknown=1',
    `K8S_POD_NAMESPACE=${pod.namespace}`,
    `K8S_POD_NAME=${pod.name}`,
    `K8S_POD_INFRA_CONTAINER_ID=${pod.infraContainerId ?? 'infra0'}`,
    `K8S_POD_UID=${pod.uid ?? '00000000-0000-4000-8000-000000000000'}`,
    ...extra,
  ]).join(';');
}

export type JsonObject = Record<string, unknown>;

/** A conflist as libcni reads it. */
export interface Conflist {
  readonly cniVersion: string;
  readonly name: string;
  readonly plugins: readonly JsonObject[];
}

/**
 * libcni's buildOneConfig: the plugin's entry with the list's `name` and `cniVersion`, `prevResult` when given, and
 * `runtimeConfig` holding only the capabilities the plugin declares.
 */
export function pluginConfig(list: Conflist, plugin: JsonObject, options: { prevResult?: unknown; runtimeConfig?: JsonObject } = {}): JsonObject {
  const conf: JsonObject = { ...plugin, name: list.name, cniVersion: list.cniVersion };
  const capabilities = (plugin['capabilities'] ?? {}) as Record<string, boolean>;
  const runtime = Object.fromEntries(Object.entries(options.runtimeConfig ?? {}).filter(([key]) => capabilities[key] === true));
  if (Object.keys(runtime).length > 0) conf['runtimeConfig'] = runtime;
  if (options.prevResult !== undefined) conf['prevResult'] = options.prevResult;
  return conf;
}

/**
 * The reference's conflist (rendered from the default configuration by src/cni/conflist.ts), its aws-cni entry
 * pointed at this node's ipamd socket and log file; egress-cni (not a plugin of this machine) left out.
 */
export function referenceConflist(settings: { readonly ipamdSocket: string; readonly pluginLogFile: string; readonly cniVersion?: string }): Conflist {
  const { settings: defaults } = conflistSettings(loadConfig({}).config, undefined);
  const rendered = JSON.parse(renderConflist({ ...defaults, pluginLogFile: settings.pluginLogFile })) as Conflist;
  const plugins = rendered.plugins
    .filter((p) => p['type'] !== 'egress-cni')
    .map((p) => (p['type'] === 'aws-cni' ? { ...p, ipamdSocket: settings.ipamdSocket } : p));
  return { ...rendered, cniVersion: settings.cniVersion ?? rendered.cniVersion, plugins };
}

export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'VERSION' | 'STATUS';

export interface CniCall {
  /** The pod; omit for calls without a sandbox. */
  readonly pod?: TestPod;
  readonly containerId: string;
  readonly ifName?: string;
  readonly conf: JsonObject | string;
  /** Overrides (or, with undefined, removes) CNI_* variables. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly plugin?: string;
}

/** Runs one CNI call inside `nodeNetns` (a name) the way a runtime does. */
export async function runCni(nodeNetns: string, command: CniCommand, call: CniCall): Promise<CniExecResult> {
  const env: Record<string, string | undefined> = {
    PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    CNI_COMMAND: command,
    CNI_CONTAINERID: call.containerId,
    CNI_NETNS: call.pod?.path ?? '',
    CNI_IFNAME: call.ifName ?? 'eth0',
    CNI_PATH: `${GO_PLUGINS}:${join(ROOT, 'bin')}`,
    CNI_ARGS: call.pod === undefined ? 'IgnoreUnknown=1' : cniArgs(call.pod),
    ...call.env,
  };
  const clean = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  return execCniPlugin({
    plugin: call.plugin ?? PLUGIN,
    nodeNetns: `/var/run/netns/${nodeNetns}`,
    env: clean,
    stdin: typeof call.conf === 'string' ? call.conf : JSON.stringify(call.conf),
    timeoutMs: 60_000,
  });
}

/** Describes a CNI call's outcome for assertion messages. */
export function describeCall(out: CniExecResult): string {
  return `exit ${out.exitCode}, stdout ${out.stdout.trim().slice(0, 800)}, stderr ${out.stderr.trim().slice(0, 800)}`;
}

// ---- ipamd per node -----------------------------------------------------------------------------------------------

export interface TestNode {
  readonly instanceId: string;
  readonly info: SimInstanceInfo;
  /** The node's namespace name. */
  readonly netns: string;
  readonly ipamdSocket: string;
  readonly introspectionSocket: string;
  readonly pluginLog: string;
  /** The reference conflist for this node (aws-cni, portmap). */
  readonly conflist: Conflist;
  /** The aws-cni entry of {@link conflist} as libcni hands it to the plugin. */
  awsConf(options?: { prevResult?: unknown; cniVersion?: string }): JsonObject;
  cni(command: CniCommand, call: Omit<CniCall, 'conf'> & { readonly conf?: JsonObject | string }): Promise<CniExecResult>;
  enis(): Promise<EnisDocument>;
  /** ipamd's log lines so far (JSON text), for failure messages. */
  log(): string;
  stopIpamd(): Promise<void>;
}

export interface TestVpc {
  readonly sim: RunningSim;
  readonly exec: NetlinkExecutor;
  readonly dir: string;
  readonly instances: readonly [string, SimInstanceInfo][];
  /** Starts ipamd on the `index`-th instance (those with a node namespace) and waits until it is ready. */
  startNode(index: number, env?: Readonly<Record<string, string>>): Promise<TestNode>;
  /** Creates a pod namespace (removed by close). */
  createPod(name: string, identity?: Partial<PodIdentity>): Promise<TestPod>;
  deletePod(pod: TestPod): Promise<void>;
  close(): Promise<void>;
}

interface IpamdChild {
  readonly child: ChildProcess;
  readonly lines: string[];
  stop(): Promise<void>;
}

async function spawnIpamd(env: Record<string, string>, timeoutMs: number): Promise<IpamdChild> {
  const child = spawn(process.execPath, [VPC_CNI, 'ipamd'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const lines: string[] = [];
  let partial = '';
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) => child.once('exit', (code) => {
    exited = code;
    children.delete(child);
    resolve();
  }));
  const stop = async (): Promise<void> => {
    if (exited !== undefined) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exit;
    clearTimeout(timer);
  };
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ipamd not ready within ${timeoutMs} ms:\n${lines.slice(-20).join('\n')}`)), timeoutMs);
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        if (line.includes('"msg":"ipamd is ready"')) {
          clearTimeout(timer);
          resolve();
        }
      }
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => lines.push(`stderr: ${chunk.trim()}`));
    void exit.then(() => {
      clearTimeout(timer);
      reject(new Error(`ipamd exited (${String(exited)}) before it was ready:\n${lines.slice(-20).join('\n')}`));
    });
  });
  try {
    await ready;
  } catch (error) {
    await stop();
    throw error;
  }
  return { child, lines, stop };
}

/** The embedded VPC (eksworkshop, data plane on) and a temp dir; nothing else runs until a node is started. */
export async function startTestVpc(): Promise<TestVpc> {
  const exec = new NetlinkExecutor({ confined: true });
  await removeLeftoverNamespaces(exec);
  const prefix = newRunPrefix('vcni');
  const dir = await mkdtemp(join(tmpdir(), 'vcni-cni-'));
  const ipamds: IpamdChild[] = [];
  const pods = new Set<string>();
  let sim: RunningSim;
  try {
    sim = await startSim({ scenario: 'eksworkshop', host: '127.0.0.1', port: 0, clock: systemClock, dataPlane: true });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  await sim.settled();
  const instances = Object.entries(sim.describe().instances).filter(([, info]) => info.netns !== null);
  let podCounter = 0;

  const startNode = async (index: number, extraEnv: Readonly<Record<string, string>> = {}): Promise<TestNode> => {
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
    const env: Record<string, string> = {
      PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      AWS_ENDPOINT_URL_EC2: sim.ec2Url,
      AWS_EC2_METADATA_SERVICE_ENDPOINT: info.imds,
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
      AWS_REGION: sim.describe().region,
      AWS_VPC_K8S_CNI_LOG_FILE: 'stdout',
      AWS_VPC_K8S_CNI_LOGLEVEL: 'DEBUG',
      VPC_CNI_HOST_NETNS: `/var/run/netns/${netns}`,
      VPC_CNI_IPAMD_SOCKET: ipamdSocket,
      AWS_VPC_K8S_CNI_BACKING_STORE: join(nodeDir, 'ipam.json'),
      INTROSPECTION_BIND_ADDRESS: `unix:${introspectionSocket}`,
      DISABLE_METRICS: 'true',
      MY_NODE_NAME: info.nodeName,
      ...extraEnv,
    };
    const ipamd = await spawnIpamd(env, 90_000);
    ipamds.push(ipamd);
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
      conflist,
      awsConf,
      cni: (command, call) => runCni(netns, command, { ...call, conf: call.conf ?? awsConf() }),
      enis: () => getJson<EnisDocument>(introspectionSocket, '/v1/enis'),
      log: () => ipamd.lines.join('\n'),
      stopIpamd: () => ipamd.stop(),
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

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      const problems: unknown[] = [];
      const attempt = async (what: () => Promise<unknown>): Promise<void> => {
        try {
          await what();
        } catch (error) {
          problems.push(error);
        }
      };
      for (const ipamd of ipamds) await attempt(() => ipamd.stop());
      await attempt(() => deleteNamespaces(exec, [...pods]));
      await attempt(() => sim.close());
      await attempt(() => rm(dir, { recursive: true, force: true }));
      if (problems.length > 0) throw new AggregateError(problems, 'cleaning up the test VPC failed');
    })());

  return { sim, exec, dir, instances, startNode, createPod, deletePod, close };
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
export async function waitForQuietNodes(exec: NetlinkExecutor, nodes: readonly TestNode[], options: { quietMs?: number; timeoutMs?: number } = {}): Promise<void> {
  const quietMs = options.quietMs ?? 1_000;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const deadline = Date.now() + timeoutMs;
  const fingerprint = async (): Promise<string> => {
    const parts = await Promise.all(nodes.map(async (node) => JSON.stringify([poolShape(await node.enis()), await dumpNetns(exec, node.netns)])));
    return parts.join('\n');
  };
  const cards = async (): Promise<PoolCard[]> =>
    (await Promise.all(nodes.map(async (node) => (await getJson<{ cards: PoolCard[] }>(node.introspectionSocket, '/v1/pool')).cards))).flat();
  let last = await fingerprint();
  let changedAt = Date.now();
  for (;;) {
    if (Date.now() > deadline) {
      throw new Error(`the nodes' pools did not settle within ${timeoutMs} ms: ${(await cards()).map((c) => c.summary).join('; ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = await fingerprint();
    if (now !== last) {
      last = now;
      changedAt = Date.now();
      continue;
    }
    if (Date.now() - changedAt < quietMs) continue;
    const settled = (await cards()).every((c) => Date.parse(c.plannedAt) > changedAt && c.resize.kind === 'steady' && c.freeEni.kind === 'keep');
    if (settled && (await fingerprint()) === last) return;
  }
}
