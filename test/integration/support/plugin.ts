/**
 * The CNI protocol as a container runtime speaks it to the real `bin/aws-cni`: CNI_* environment, CNI_ARGS in a new
 * random order on every call (as containerd does), the config on stdin (libcni's per-plugin config for chains, the
 * reference's conflist), exec'd inside the node's namespace.
 *
 * @example
 * const out = await runCni(node.netns, 'ADD', { pod, containerId: 'c1', conf: pluginConfig(list, aws) });
 * assert.equal(out.exitCode, 0, describeCall(out));
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { conflistSettings, renderConflist } from '../../../src/cni/conflist.js';
import { loadConfig } from '../../../src/config/index.js';
import { execCniPlugin, type CniExecResult } from '../../../src/netlink/cni-exec.js';
import { netnsSkipReason } from '../../../src/netlink/netns.test-util.js';
import { REPO } from './sim.js';

/** The repository root. */
export const ROOT = REPO;
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
  for (const file of extra)
    if (!existsSync(file)) return `${file} is missing (apt-get install containernetworking-plugins)`;
  return false;
}

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
export function pluginConfig(
  list: Conflist,
  plugin: JsonObject,
  options: { prevResult?: unknown; runtimeConfig?: JsonObject } = {},
): JsonObject {
  const conf: JsonObject = { ...plugin, name: list.name, cniVersion: list.cniVersion };
  const capabilities = (plugin['capabilities'] ?? {}) as Record<string, boolean>;
  const runtime = Object.fromEntries(
    Object.entries(options.runtimeConfig ?? {}).filter(([key]) => capabilities[key] === true),
  );
  if (Object.keys(runtime).length > 0) conf['runtimeConfig'] = runtime;
  if (options.prevResult !== undefined) conf['prevResult'] = options.prevResult;
  return conf;
}

/**
 * The reference's conflist (rendered from the default configuration by src/cni/conflist.ts), its aws-cni entry
 * pointed at this node's ipamd socket and log file; egress-cni (not a plugin of this machine) left out.
 */
export function referenceConflist(settings: {
  readonly ipamdSocket: string;
  readonly pluginLogFile: string;
  readonly cniVersion?: string;
}): Conflist {
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
