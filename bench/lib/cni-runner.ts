// The plugins under test in bench/cni-latency.ts (run it with `npx tsx bench/cni-latency.ts`): each exec'd as a
// runtime does (nsenter into its node namespace, CNI_* environment, config on stdin), one fresh pod namespace per
// ADD; and the network namespaces the run creates, so that its clean-up removes every one of them.
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { execCniPlugin } from '../../src/netlink/cni-exec.js';
import type { NetlinkExecutor } from '../../src/netlink/exec.js';
import { createNamespace, createNamespaces, deleteNamespaces } from '../../src/netlink/netns.js';

/** Debian's containernetworking-plugins: the Go ptp + host-local pair we compare with. */
export const GO = '/usr/lib/cni';
// The plugins need ip, iptables and nsenter from the machine's PATH, as a runtime gives them.
export const PATH = process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin';

/** The network namespaces this run has made and not yet deleted, all named `<prefix>-...`. */
export class Namespaces {
  readonly #names = new Set<string>();

  constructor(
    readonly exec: NetlinkExecutor,
    readonly prefix: string,
  ) {}

  /** Creates `name` (with these sysctls, when given) and returns its path. */
  async create(name: string, sysctls?: Readonly<Record<string, string | number>>): Promise<string> {
    if (sysctls === undefined) await createNamespaces(this.exec, [name]);
    else await createNamespace(this.exec, name, sysctls);
    this.#names.add(name);
    return `/var/run/netns/${name}`;
  }

  async delete(names: readonly string[]): Promise<void> {
    await deleteNamespaces(this.exec, names);
    for (const name of names) this.#names.delete(name);
  }

  /** Every namespace still there. */
  async deleteAll(): Promise<void> {
    await this.delete([...this.#names]);
  }
}

/** One pod: its namespace, its CNI identity and, after its ADD, the result the plugin printed. */
export interface Pod {
  readonly ns: string;
  readonly path: string;
  readonly name: string;
  readonly containerId: string;
  result?: unknown;
}

export type CniConf = Readonly<Record<string, unknown>>;

/** One plugin under test: how to call it in its node namespace. */
export interface Runner {
  readonly name: string;
  readonly conf: CniConf;
  readonly nodeNetns: string;
  /** Execs the plugin for `pod`; resolves to the exec's wall time in ms, rejects when the plugin fails. */
  call(command: 'ADD' | 'DEL', pod: Pod): Promise<number>;
  newPod(): Promise<Pod>;
}

let podCounter = 0;
// Runtimes pass CNI_ARGS in no fixed order; shuffling keeps a plugin from profiting from one.
const podArgs = (name: string): string =>
  [
    `K8S_POD_NAME=${name}`,
    'K8S_POD_NAMESPACE=bench',
    `K8S_POD_INFRA_CONTAINER_ID=${name}`,
    'IgnoreUnknown=1',
    'K8S_POD_UID=00000000-0000-4000-8000-000000000001',
  ]
    .sort(() => Math.random() - 0.5)
    .join(';');

/** A runner for `plugin`; its pods' namespaces come from (and go back to) `namespaces`. */
export function runner(
  namespaces: Namespaces,
  { name, plugin, nodeNetns, conf }: { name: string; plugin: string; nodeNetns: string; conf: CniConf },
): Runner {
  const call = async (command: 'ADD' | 'DEL', pod: Pod): Promise<number> => {
    const out = await execCniPlugin({
      plugin,
      nodeNetns,
      env: {
        PATH,
        CNI_COMMAND: command,
        CNI_CONTAINERID: pod.containerId,
        CNI_NETNS: pod.path,
        CNI_IFNAME: 'eth0',
        CNI_PATH: GO,
        CNI_ARGS: podArgs(pod.name),
      },
      stdin: JSON.stringify(command === 'DEL' && pod.result !== undefined ? { ...conf, prevResult: pod.result } : conf),
      timeoutMs: 60_000,
    });
    if (out.exitCode !== 0)
      throw new Error(
        `${name} ${command} ${pod.name}: exit ${out.exitCode}: ${out.stdout.trim()} ${out.stderr.trim()}`,
      );
    if (command === 'ADD') pod.result = out.json;
    return out.ms;
  };
  const newPod = async (): Promise<Pod> => {
    podCounter += 1;
    const ns = `${namespaces.prefix}-p${podCounter}`;
    const path = await namespaces.create(ns);
    return { ns, path, name: `pod-${podCounter}`, containerId: `bench${String(podCounter).padStart(59, '0')}` };
  };
  return { name, conf, nodeNetns, call, newPod };
}

/**
 * The Go pair, {type ptp, ipam {type host-local, ranges [[{subnet 10.99.0.0/24}]], dataDir <dir>/host-local}}, in a
 * throwaway node namespace of its own with forwarding on, as on a node.
 */
export async function goPairRunner(namespaces: Namespaces, dir: string): Promise<Runner> {
  const goNode = await namespaces.create(`${namespaces.prefix}-gonode`, { 'net.ipv4.ip_forward': 1 });
  return runner(namespaces, {
    name: 'ptp+host-local',
    plugin: join(GO, 'ptp'),
    nodeNetns: goNode,
    conf: {
      cniVersion: '0.4.0',
      name: 'gobench',
      type: 'ptp',
      ipam: { type: 'host-local', ranges: [[{ subnet: '10.99.0.0/24' }]], dataDir: join(dir, 'host-local') },
    },
  });
}

/** The phase timings of every successful ADD in the plugin's log (its `add: pod ... done` debug lines). */
export async function addPhases(file: string): Promise<Record<string, number>[]> {
  return phaseRows(file, '"wiringMs"');
}

/** The DEL phase rows the plugin's debug log holds (startupMs, ipamdMs, teardownMs, totalMs), in order. */
export async function delPhases(file: string): Promise<Record<string, number>[]> {
  return phaseRows(file, '"teardownMs"');
}

async function phaseRows(file: string, key: string): Promise<Record<string, number>[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.includes(key))
    .map((line) => JSON.parse(line) as Record<string, number>);
}
