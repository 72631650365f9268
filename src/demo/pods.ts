/**
 * Pods the way a container runtime makes them: a network namespace for the sandbox, then the CNI plugin exec'd
 * inside the node's namespace with the CNI_* variables and the node's network config on stdin (ADD), and in
 * reverse for removal (DEL, then the namespace goes). Pod namespaces are named `<prefix>-p<n>` with a
 * {@link newRunPrefix} prefix, so a crashed demo's pods are removed with its other leftovers.
 *
 * @example
 * const runtime = new PodRuntime({ exec: new NetlinkExecutor(), plugin: '/path/bin/aws-cni', clock: systemClock });
 * const pod = await runtime.create(node, { namespace: 'default', name: 'web-0' });
 * pod.ip; // '10.11.0.4'
 * await runtime.remove(pod);
 */
import { dirname } from 'node:path';
import type { Clock } from '../ipam/clock.js';
import { execCniPlugin, type CniExecResult } from '../netlink/cni-exec.js';
import { netnsPath } from '../netlink/commands.js';
import type { NetlinkExecutor } from '../netlink/exec.js';
import { createNamespace, deleteNamespaces, newRunPrefix } from '../netlink/netns.js';
import type { DemoNode } from './cluster.js';
import { DemoError } from './errors.js';
import { podUid, sandboxId, type PodName } from './names.js';
import { messageOf } from '../errors.js';

/** The PATH containerd's systemd unit gives the processes it starts (libcni passes its environment on). */
const RUNTIME_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** What containerd 2 sets in every pod sandbox's namespace (unprivileged ports below 1024). */
const POD_SYSCTLS = { 'net.ipv4.ip_unprivileged_port_start': 0 } as const;

export type PodStatus = 'ContainerCreating' | 'Running' | 'Terminating';

export interface DemoPod extends PodName {
  readonly node: DemoNode;
  /** The sandbox's network namespace (name). */
  readonly netns: string;
  readonly containerId: string;
  readonly uid: string;
  readonly createdAt: number;
  status: PodStatus;
  ip?: string;
  /** Wall time of the ADD exec. */
  addMs?: number;
}

export interface PodRuntimeOptions {
  readonly exec: NetlinkExecutor;
  /** Absolute path of the aws-cni binary. */
  readonly plugin: string;
  readonly clock: Clock;
}

function pluginError(out: CniExecResult): string {
  const json = out.json as { msg?: unknown; details?: unknown; code?: unknown } | undefined;
  if (typeof json?.msg === 'string')
    return `${json.msg}${typeof json.details === 'string' && json.details !== '' ? `: ${json.details}` : ''} (CNI code ${String(json.code)})`;
  return out.stderr.trim().split('\n')[0] ?? `exit code ${out.exitCode}`;
}

/** The pods of the demo and the two runtime operations on them. */
export class PodRuntime {
  readonly prefix = newRunPrefix();
  readonly #options: PodRuntimeOptions;
  readonly #pods = new Set<DemoPod>();
  #counter = 0;

  constructor(options: PodRuntimeOptions) {
    this.#options = options;
  }

  /** Every pod that exists (being created, running, being removed), in creation order. */
  list(): DemoPod[] {
    return [...this.#pods];
  }

  #cniEnv(pod: DemoPod, command: 'ADD' | 'DEL'): Record<string, string> {
    return {
      PATH: RUNTIME_PATH,
      CNI_COMMAND: command,
      CNI_CONTAINERID: pod.containerId,
      CNI_NETNS: netnsPath(pod.netns),
      CNI_IFNAME: 'eth0',
      CNI_PATH: dirname(this.#options.plugin),
      CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=${pod.namespace};K8S_POD_NAME=${pod.name};K8S_POD_INFRA_CONTAINER_ID=${pod.containerId};K8S_POD_UID=${pod.uid}`,
    };
  }

  #exec(pod: DemoPod, command: 'ADD' | 'DEL'): Promise<CniExecResult> {
    return execCniPlugin({
      plugin: this.#options.plugin,
      nodeNetns: pod.node.netnsPath,
      env: this.#cniEnv(pod, command),
      stdin: JSON.stringify(pod.node.netconf),
      timeoutMs: 60_000,
    });
  }

  /**
   * Creates the pod's namespace and runs ADD. The pod is listed from the start, so a removal running meanwhile
   * (Ctrl-C) finds it; on failure what was made is undone and a {@link DemoError} `DEMO_POD_FAILED` says why.
   */
  async create(node: DemoNode, name: PodName): Promise<DemoPod> {
    this.#counter += 1;
    const pod: DemoPod = {
      ...name,
      node,
      netns: `${this.prefix}-p${this.#counter}`,
      containerId: sandboxId(),
      uid: podUid(),
      createdAt: this.#options.clock.now(),
      status: 'ContainerCreating',
    };
    this.#pods.add(pod);
    try {
      await createNamespace(this.#options.exec, pod.netns, POD_SYSCTLS);
      const out = await this.#exec(pod, 'ADD');
      if (out.exitCode !== 0)
        throw new DemoError(
          'DEMO_POD_FAILED',
          `${pod.namespace}/${pod.name} on ${node.name}: aws-cni ADD failed: ${pluginError(out)}`,
        );
      const ips = (out.json as { ips?: { address?: unknown }[] } | undefined)?.ips;
      const address = ips?.[0]?.address;
      if (typeof address !== 'string')
        throw new DemoError(
          'DEMO_POD_FAILED',
          `${pod.namespace}/${pod.name}: aws-cni ADD returned no address: ${out.stdout.slice(0, 200)}`,
        );
      pod.ip = address.split('/')[0] ?? address;
      pod.addMs = out.ms;
      pod.status = 'Running';
      return pod;
    } catch (error) {
      await this.remove(pod).catch(() => undefined);
      if (error instanceof DemoError) throw error;
      throw new DemoError(
        'DEMO_POD_FAILED',
        `${pod.namespace}/${pod.name} on ${node.name}: ${messageOf(error)}`,
        {},
        error,
      );
    }
  }

  /**
   * Runs DEL (the plugin releases the address to ipamd and unwires the pod), then deletes the namespace — also when
   * DEL failed, so nothing stays behind; the DEL failure is then thrown.
   */
  async remove(pod: DemoPod): Promise<void> {
    pod.status = 'Terminating';
    let failure: DemoError | undefined;
    try {
      const out = await this.#exec(pod, 'DEL');
      if (out.exitCode !== 0)
        failure = new DemoError(
          'DEMO_POD_FAILED',
          `${pod.namespace}/${pod.name}: aws-cni DEL failed: ${pluginError(out)}`,
        );
    } catch (error) {
      failure = new DemoError(
        'DEMO_POD_FAILED',
        `${pod.namespace}/${pod.name}: aws-cni DEL: ${messageOf(error)}`,
        {},
        error,
      );
    }
    await deleteNamespaces(this.#options.exec, [pod.netns]);
    this.#pods.delete(pod);
    if (failure !== undefined) throw failure;
  }

  /** Deletes every pod's namespace without running DEL (a forced stop: the node namespaces go next anyway). */
  async dropAll(): Promise<void> {
    const pods = this.list();
    await deleteNamespaces(
      this.#options.exec,
      pods.map((pod) => pod.netns),
    );
    for (const pod of pods) this.#pods.delete(pod);
  }
}
