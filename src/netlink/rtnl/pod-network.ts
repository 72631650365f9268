/**
 * The aws-cni plugin's pod wiring ([behaviour §7.3] ADD, [behaviour §7.4] DEL, CHECK) over rtnetlink, in-process:
 * the same kernel end state, tolerances, error codes and compensation as the iproute2 wiring (../pod-network.ts),
 * without a process. Two route sockets: one in the node's namespace (the plugin's own; the thread's namespace when
 * the socket is made) and one made inside the pod's (ffi.ts enters it for that and returns).
 *
 * - ADD, from the pod's socket: the veth (the host end created directly in the node's namespace through a descriptor
 *   of it, with MACs chosen here), `<ip>/32`, the gateway's link route, the default route, the gateway's permanent
 *   neighbour entry; the host veth's IPv6 sysctls in-process; from the node's socket: the host end up, its /32 route,
 *   rules 512 and 1536. A failure in the pod's part deletes the veth; one after it tears the pod down.
 * - DEL, from the node's socket only (the pod's namespace may be gone): rule 512, every rule 1536 of the address, the
 *   host route, the host veth (which takes the container end).
 * - CHECK: dumps in both namespaces, compared as the iproute2 wiring compares `ip -json` output (pod-state.ts).
 *
 * The sockets are opened while ipamd answers ({@link RtnlPodNetwork.prepareSetup}): loading the FFI costs ~2.4 ms.
 *
 * @example
 * const pods = new RtnlPodNetwork({ system: loadLibcNetns });
 * await pods.setupPod({ hostVethName: 'eni1a2b3c4d5e6', containerIfName: 'eth0', netnsPath: '/var/run/netns/cni-1',
 *   podIp: '10.0.97.30', mtu: 9001, routeTableId: 3 });
 */
import type { PodNetwork, PodSpec, PodWiringResult, Preparation, TeardownSpec, WiringPrestart } from '../port.js';
import { checkLinkName } from '../commands.js';
import { NetlinkError, isNetlinkError } from '../errors.js';
import { checkNetnsPath, checkPodIp, checkPodSpec, hostVethSysctls, randomMac } from '../pod-commands.js';
import { podStateDifferences } from '../pod-state.js';
import { preparation } from '../prestart.js';
import { writeProcSysctls } from '../proc-sysctl.js';
import type { NetnsSystem } from './ffi.js';
import { observePod, setupHostSide, setupPodSide, teardownHostSide } from './pod-steps.js';
import { RtnlSocket, type RawSocket } from './socket.js';

export interface RtnlPodNetworkOptions {
  /** The system calls (ffi.ts's loadLibcNetns under Bun); loaded once, on first need. */
  readonly system: () => Promise<NetnsSystem>;
  /** Source of the MACs' random bytes (tests). */
  readonly randomBytes?: (size: number) => Uint8Array;
}

/** The node's socket is kept under this key among the sockets opened ahead. */
const OWN = '';

/** {@link PodNetwork} over rtnetlink. Every method validates all its input before it opens anything. */
export class RtnlPodNetwork implements PodNetwork, WiringPrestart {
  readonly #load: () => Promise<NetnsSystem>;
  readonly #random: (size: number) => Uint8Array;
  #system: Promise<NetnsSystem> | undefined;
  /** Sockets opened ahead by a preparation, by namespace path (OWN: the node's), each taken once. */
  readonly #ahead = new Map<string, Promise<RawSocket>>();

  constructor(options: RtnlPodNetworkOptions) {
    this.#load = options.system;
    this.#random = options.randomBytes ?? ((size) => crypto.getRandomValues(new Uint8Array(size)));
  }

  /** Loads the FFI and opens both sockets once the plugin's request is on ipamd's socket. The path is checked now. */
  prepareSetup(netnsPath: string): Preparation {
    const path = checkNetnsPath(netnsPath);
    return preparation(() => {
      this.#openAhead(OWN);
      this.#openAhead(path);
      return () => this.#closeAhead();
    });
  }

  /** Loads the FFI and opens the node's socket while DEL waits for ipamd. */
  prepareTeardown(): Preparation {
    return preparation(() => {
      this.#openAhead(OWN);
      return () => this.#closeAhead();
    });
  }

  async setupPod(spec: PodSpec): Promise<PodWiringResult> {
    checkPodSpec(spec);
    const plan = { ...spec, hostMac: randomMac(this.#random(6)), containerMac: randomMac(this.#random(6)) };
    const sysctls = hostVethSysctls(spec.hostVethName);
    const system = await this.#systemCalls();
    const node = await this.#socket(OWN);
    try {
      const pod = await this.#socket(spec.netnsPath);
      try {
        setupPodSide(pod, node, plan, system.ownNamespaceFd);
      } catch (error) {
        throw podFailure(error, spec.netnsPath);
      } finally {
        pod.close();
      }
      try {
        await writeProcSysctls(sysctls);
        setupHostSide(node, plan);
      } catch (error) {
        try {
          teardownHostSide(node, { ...spec, removeVeth: true });
        } catch {
          // The original error says what went wrong; the teardown was best effort.
        }
        throw error;
      }
    } finally {
      node.close();
    }
    return { hostVethMac: plan.hostMac, containerMac: plan.containerMac };
  }

  async teardownPod(spec: TeardownSpec): Promise<void> {
    checkPodIp(spec.podIp);
    if (spec.hostVethName !== undefined) checkLinkName(spec.hostVethName);
    await this.#systemCalls();
    const node = await this.#socket(OWN);
    try {
      teardownHostSide(node, spec);
    } finally {
      node.close();
    }
  }

  async checkPod(spec: PodSpec): Promise<string[]> {
    checkPodSpec(spec);
    await this.#systemCalls();
    const node = await this.#socket(OWN);
    try {
      const pod = await this.#socket(spec.netnsPath);
      try {
        const { podSide, hostSide } = observePod(pod, node, spec.podIp);
        return podStateDifferences(spec, podSide, hostSide);
      } finally {
        pod.close();
      }
    } finally {
      node.close();
    }
  }

  #systemCalls(): Promise<NetnsSystem> {
    this.#system ??= this.#load();
    return this.#system;
  }

  /** A socket in the namespace at `path` (OWN: the node's): the one opened ahead, else a new one. */
  async #socket(path: string): Promise<RtnlSocket> {
    const ahead = this.#ahead.get(path);
    this.#ahead.delete(path);
    if (ahead !== undefined) {
      try {
        return new RtnlSocket(await ahead);
      } catch {
        // Opened ahead and failed: open it again below, so the error is this call's own.
      }
    }
    const system = await this.#systemCalls();
    return new RtnlSocket(path === OWN ? system.routeSocket() : system.routeSocketIn(path));
  }

  #openAhead(path: string): void {
    if (this.#ahead.has(path)) return;
    const opening = this.#systemCalls().then((system) =>
      path === OWN ? system.routeSocket() : system.routeSocketIn(path),
    );
    // A failure here is met again, and reported, when the socket is needed.
    opening.catch(() => undefined);
    this.#ahead.set(path, opening);
  }

  /** Closes the sockets opened ahead and not taken (a preparation that was not used). */
  #closeAhead(): void {
    for (const opening of this.#ahead.values()) void opening.then((socket) => socket.close()).catch(() => undefined);
    this.#ahead.clear();
  }
}

/** The step's error names the request; this one names the pod's namespace too. */
function podFailure(error: unknown, podNetns: string): unknown {
  if (!isNetlinkError(error) || error.code === 'NETNS_NOT_FOUND') return error;
  return new NetlinkError(
    error.code,
    `pod namespace ${podNetns}: ${error.message}`,
    { ...error.details, netns: podNetns },
    error,
  );
}
