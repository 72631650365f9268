/**
 * The aws-cni plugin's pod wiring ([behaviour §7.3] ADD, [behaviour §7.4] DEL, CHECK) on the kernel, with as few
 * processes as possible, since each costs about 5 ms and Node cannot `setns(2)` a thread:
 *
 * - ADD: one `ip -batch` inside the pod's namespace creates the veth (the host end directly in the node's
 *   namespace, with a MAC chosen here, so nothing is read back), the address, both routes and the permanent
 *   neighbour entry; the host veth's IPv6 sysctls are written in-process (`/proc/sys/net` is the namespace of the
 *   process that opens it); one `ip -batch` in the node brings the host end up and adds the route and rules. Two
 *   processes; three when `hostNetns` names another namespace (the sysctls then need `nsenter sysctl`). The plugin
 *   starts the pod's while it waits for ipamd ({@link NetlinkPodNetwork.prepareSetup}), the node's while the pod's
 *   batch runs.
 * - DEL: one `ip -force -batch` in the node (rules 512/1536, the host route; the veth is left to the runtime's namespace
 *   removal, as the reference leaves it), started while the plugin waits
 *   for ipamd ({@link NetlinkPodNetwork.prepareTeardown}). The pod's namespace is never entered, so DEL works after
 *   the runtime deleted it.
 * - CHECK: one JSON batch per namespace, run in parallel.
 *
 * Hazard: with `hostNetns` undefined the host end is created in *this process's* namespace by the pod batch, which
 * runs through `nsenter`/`ip -n` and so is not refused by a confined executor. Tests must pass `hostNetns`.
 *
 * @example
 * const pods = new NetlinkPodNetwork({ executor: new NetlinkExecutor() }); // the plugin, inside the node's namespace
 * const { hostVethMac } = await pods.setupPod({ hostVethName: 'eni1a2b3c4d5e6', containerIfName: 'eth0',
 *   netnsPath: '/var/run/netns/cni-1234', podIp: '10.0.97.30', mtu: 9001, routeTableId: 3 });
 */
import type { PodNetwork, PodSpec, PodWiringResult, Preparation, TeardownSpec, WiringPrestart } from './port.js';
import { NETNS_RUN_DIR, linkDelete, type IpCommand } from './commands.js';
import { writeProcSysctls } from './proc-sysctl.js';
import { podStateDifferences } from './pod-state.js';
import { NetlinkError, isNetlinkError } from './errors.js';
import { parseBatchErrors, serializeBatch, type IpOptions } from './exec.js';
import type { PodExecutor } from './pod-exec.js';
import { preparation } from './prestart.js';

export {
  podStateDifferences,
  type HostObservation,
  type JsonLink,
  type JsonNeighbour,
  type JsonRoute,
  type JsonRule,
  type PodObservation,
} from './pod-state.js';
import {
  FROM_POD_RULE_PRIORITY,
  FROM_RULE_DELETES_PER_ROUND,
  checkNetnsPath,
  checkPodSpec,
  hostReadCommands,
  hostSideCommands,
  hostTeardownCommands,
  hostVethSysctls,
  ipBatchProgram,
  podReadCommands,
  podRuleDelete,
  podSideCommands,
  randomMac,
  sysctlIgnoringMissing,
  type PodWiringPlan,
} from './pod-commands.js';

export interface PodNetworkOptions {
  /** A NetlinkExecutor (the plugin's spawns through Bun.spawn: pod-exec.ts). */
  readonly executor: PodExecutor;
  /** The node's namespace, by name or path; undefined = this process's own (the plugin runs inside the node's). */
  readonly hostNetns?: string;
  /** Source of the MACs' random bytes (tests). */
  readonly randomBytes?: (size: number) => Uint8Array;
}

/** At most this many extra rounds of `from` rule deletions (each round is one process). */
const MAX_EXTRA_ROUNDS = 8;

/** {@link PodNetwork} over iproute2. Every method validates all its input before spawning anything. */
export class NetlinkPodNetwork implements PodNetwork, WiringPrestart {
  readonly #exec: PodExecutor;
  readonly #hostNetns: string | undefined;
  readonly #ns: IpOptions;
  readonly #random: (size: number) => Uint8Array;

  constructor(options: PodNetworkOptions) {
    if (options.hostNetns === undefined && options.executor.confined) {
      // The pod batch places the host end in "our own" namespace by pid, outside the executor's confinement check.
      throw new NetlinkError(
        'NETLINK_INVALID_ARGUMENT',
        "a confined executor needs hostNetns: pod wiring would configure this process's own namespace",
      );
    }
    this.#exec = options.executor;
    this.#hostNetns = options.hostNetns;
    this.#ns = options.hostNetns === undefined ? {} : { netns: options.hostNetns };
    this.#random = options.randomBytes ?? ((size) => crypto.getRandomValues(new Uint8Array(size)));
  }

  /**
   * The pod-side `ip` process {@link setupPod} will use for a pod in this namespace, started before its address is
   * known: the plugin starts it once its request to ipamd is on the socket, so its start-up overlaps ipamd's work
   * (prestart.ts). The path is checked now. The node-side process starts later, once the pod batch runs, so that
   * it does not compete with ipamd for the CPU while ipamd answers (docs/performance.md).
   */
  prepareSetup(netnsPath: string): Preparation {
    const program = ipBatchProgram(checkNetnsPath(netnsPath));
    return preparation(() => this.#exec.prestart(program));
  }

  /** The node-side batch {@link teardownPod} will use, started while DEL waits for ipamd. */
  prepareTeardown(): Preparation {
    return preparation(() => this.#exec.prestartBatch(this.#ns));
  }

  async setupPod(spec: PodSpec): Promise<PodWiringResult> {
    const plan: PodWiringPlan = {
      ...spec,
      hostMac: randomMac(this.#random(6)),
      containerMac: randomMac(this.#random(6)),
    };
    // The peer reference: our own pid names our namespace to the `ip` running inside the pod's.
    const podCommands = podSideCommands(plan, this.#hostNetns ?? process.pid);
    const hostCommands = hostSideCommands(plan);
    const sysctls = hostVethSysctls(plan.hostVethName);
    const podNetns = checkNetnsPath(spec.netnsPath);
    const podDone = this.#podBatch(podNetns, podCommands, plan.hostVethName);
    // The node's batch process starts while the pod's runs; cancelled (a no-op once used) however this ends.
    const cancelHost = this.#exec.prestartBatch(this.#ns);
    try {
      await podDone;
      try {
        await this.#writeSysctls(sysctls);
        await this.#exec.batch(hostCommands, this.#ns);
      } catch (error) {
        await this.teardownPod({ ...spec, removeVeth: true }).catch(() => undefined);
        throw error;
      }
    } finally {
      cancelHost();
    }
    return { hostVethMac: plan.hostMac, containerMac: plan.containerMac };
  }

  async teardownPod(spec: TeardownSpec): Promise<void> {
    const commands = hostTeardownCommands(spec);
    const more = podRuleDelete(FROM_POD_RULE_PRIORITY, 'from', spec.podIp);
    let result = await this.#exec.batch(commands, this.#ns);
    let lastFrom = 1 + FROM_RULE_DELETES_PER_ROUND;
    // A round whose last `from` deletion succeeded may have left more (rules of the address to other tables).
    for (let round = 0; round < MAX_EXTRA_ROUNDS && !result.tolerated.some((f) => f.line === lastFrom); round += 1) {
      const round: IpCommand[] = [];
      for (let i = 0; i < FROM_RULE_DELETES_PER_ROUND; i++) round.push(more);
      result = await this.#exec.batch(round, this.#ns);
      lastFrom = FROM_RULE_DELETES_PER_ROUND;
    }
  }

  async checkPod(spec: PodSpec): Promise<string[]> {
    checkPodSpec(spec);
    const podNetns = spec.netnsPath;
    const podReads = podReadCommands();
    const hostReads = hostReadCommands(spec.podIp);
    const [pod, host] = await Promise.all([
      this.#readJson(podNetns, podReads),
      this.#readJson(this.#hostNetns, hostReads),
    ]);
    return podStateDifferences(
      spec,
      { links: list(pod[0]), routes: list(pod[1]), neighbours: list(pod[2]) },
      { links: list(host[0]), routes: list(host[1]), rules: list(host[2]) },
    );
  }

  /**
   * The pod batch, stopping at the first failure. A `link add` refused with EEXIST is most likely a stale host veth
   * of the same name (a crashed earlier ADD whose pod namespace lives on): the reference always deletes that link
   * first; deleting it only when needed saves a process per ADD. The retry happens once. A failure after line 1 (or
   * a batch killed by the timeout) may leave the veth behind, so it is deleted (with the container end) first.
   */
  async #podBatch(podNetns: string, commands: readonly IpCommand[], hostVethName: string): Promise<void> {
    const input = serializeBatch(commands);
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.#exec.run(ipBatchProgram(podNetns), { input });
        return;
      } catch (error) {
        const line = failedLine(error);
        if (line === 1 && attempt === 1 && isNetlinkError(error, 'NETLINK_EXISTS')) {
          await this.#exec.batch([linkDelete(hostVethName)], this.#ns);
          continue;
        }
        // Nothing exists when line 1 failed or ip never ran; otherwise (a later line, a killed batch) the veth may.
        const nothingCreated =
          line === 1 || isNetlinkError(error, 'NETNS_NOT_FOUND', 'NETLINK_SPAWN_FAILED', 'NETLINK_INVALID_ARGUMENT');
        if (!nothingCreated) await this.#exec.batch([linkDelete(hostVethName)], this.#ns).catch(() => undefined);
        throw podFailure(error, podNetns, commands, line);
      }
    }
  }

  /** In-process when the node is our own namespace (no process at all); else one `nsenter sysctl`. */
  async #writeSysctls(settings: Readonly<Record<string, string>>): Promise<void> {
    const ns = this.#hostNetns;
    if (ns !== undefined) {
      await this.#exec.run(sysctlIgnoringMissing(ns.startsWith('/') ? ns : `${NETNS_RUN_DIR}/${ns}`, settings));
      return;
    }
    await writeProcSysctls(settings);
  }

  /**
   * One `ip -json -batch` (one array per line). Should an iproute2 print nothing for an empty dump, the lines no
   * longer match the commands; each is then read alone.
   */
  async #readJson(netns: string | undefined, commands: readonly IpCommand[]): Promise<unknown[]> {
    const { stdout } = await this.#exec.run(ipBatchProgram(netns, { json: true }), { input: serializeBatch(commands) });
    const lines = stdout.split('\n').filter((l) => l.trim() !== '');
    try {
      if (lines.length === commands.length) return lines.map((l) => JSON.parse(l) as unknown);
    } catch {
      // fall through to one read per command
    }
    const options: IpOptions = netns === undefined ? {} : { netns };
    return Promise.all(commands.map((c) => this.#exec.ipJson(c, options)));
  }
}

function failedLine(error: unknown): number | undefined {
  if (!isNetlinkError(error)) return undefined;
  const stderr = error.details['stderr'];
  if (typeof stderr !== 'string') return undefined;
  return [...parseBatchErrors(stderr).keys()][0];
}

/** The executor's error names the whole argv; this one names the pod, the line and the command that failed. */
function podFailure(
  error: unknown,
  podNetns: string,
  commands: readonly IpCommand[],
  line: number | undefined,
): unknown {
  if (!isNetlinkError(error) || line === undefined) return error;
  const command = commands[line - 1]?.args.join(' ') ?? '';
  const stderr = typeof error.details['stderr'] === 'string' ? error.details['stderr'] : '';
  const text = parseBatchErrors(stderr).get(line) ?? error.message;
  return new NetlinkError(
    error.code,
    `pod namespace ${podNetns}: ip -batch line ${line} (${command}): ${text}`,
    { ...error.details, netns: podNetns, line, command },
    error,
  );
}

function list<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}
