/**
 * Fakes for the plugin's ports, stateful rather than scripted (fakes over mocks): FakeIpam keeps assignments keyed by
 * container id as ipamd does and answers DelNetwork for an unknown pod with UNKNOWN_POD; FakePods keeps the wired
 * pods and the policy rules the reference's wiring would add (512 always, 1536 off the main table), so CHECK has
 * something to compare; FakeNpAgent is the network-policy agent (enforced pods by namespace/name). All record every
 * call and take programmable failures.
 */
import { RpcError } from '../rpc/errors.js';
import type { HealthStatus } from '../rpc/codec.js';
import type {
  AddNetworkReply,
  AddNetworkRequest,
  DelNetworkReply,
  DelNetworkRequest,
  DeleteNpReply,
  DeleteNpRequest,
  EnforceNpReply,
  EnforceNpRequest,
  IpAllocationMetadata,
} from '../rpc/types.js';
import type { LogFields, PluginLog, PluginLogLevel, PluginLogSettings } from './log.js';
import type { PluginDeps } from './plugin.js';
import type { IpamClient, NpAgentClient } from '../rpc/port.js';
import type { PodNetwork, PodSpec, PodWiringResult } from '../netlink/port.js';

export const ADD_REPLY_DEFAULTS: AddNetworkReply = {
  success: true,
  ipAllocationMetadata: [],
  useExternalSnat: false,
  vpcV4Cidrs: ['10.0.0.0/16'],
  vpcV6Cidrs: [],
  podVlanId: 0,
  podEniMac: '',
  podEniSubnetGw: '',
  parentIfIndex: 0,
  networkPolicyMode: '',
  errorCode: '',
  errorCniCode: 0,
  errorMessage: '',
};

const DEL_REPLY_DEFAULTS: DelNetworkReply = {
  success: true,
  ipAllocationMetadata: [],
  podVlanId: 0,
  networkPolicyMode: '',
  errorCode: '',
  errorCniCode: 0,
  errorMessage: '',
};

export type IpamCall =
  | { readonly method: 'addNetwork'; readonly request: AddNetworkRequest }
  | { readonly method: 'delNetwork'; readonly request: DelNetworkRequest };

/** ipamd: hands out `next` (one address per container id, the same again for a repeated ADD). */
export class FakeIpam implements IpamClient {
  readonly calls: IpamCall[] = [];
  readonly assigned = new Map<string, IpAllocationMetadata>();
  next: IpAllocationMetadata = { ipv4Addr: '10.0.1.23', ipv6Addr: '', deviceNumber: 0, routeTableId: 254 };
  /** Replaces the whole AddNetwork reply (after the address was assigned when `success` is true). */
  addReply?: Partial<AddNetworkReply>;
  delReply?: Partial<DelNetworkReply>;
  addError?: Error;
  delError?: Error;
  /** NETWORK_POLICY_ENFORCING_MODE: ipamd puts it in every reply, the unknown-pod one too. */
  networkPolicyMode = '';
  healthState: HealthStatus = 'SERVING';
  healthError?: Error;
  closed = 0;

  addNetwork(request: AddNetworkRequest, onSent?: () => void): Promise<AddNetworkReply> {
    this.calls.push({ method: 'addNetwork', request });
    if (this.addError !== undefined) return Promise.reject(this.addError);
    onSent?.();
    const success = this.addReply?.success ?? true;
    const meta = this.assigned.get(request.containerId) ?? this.next;
    if (success) this.assigned.set(request.containerId, meta);
    return Promise.resolve({
      ...ADD_REPLY_DEFAULTS,
      networkPolicyMode: this.networkPolicyMode,
      ...(success ? { ipAllocationMetadata: [meta] } : {}),
      ...this.addReply,
    });
  }

  delNetwork(request: DelNetworkRequest, onSent?: () => void): Promise<DelNetworkReply> {
    this.calls.push({ method: 'delNetwork', request });
    if (this.delError !== undefined) return Promise.reject(this.delError);
    onSent?.();
    const defaults = { ...DEL_REPLY_DEFAULTS, networkPolicyMode: this.networkPolicyMode };
    if (this.delReply !== undefined) return Promise.resolve({ ...defaults, ...this.delReply });
    const meta = this.assigned.get(request.containerId);
    if (meta === undefined) {
      return Promise.resolve({ ...defaults, errorCode: 'UNKNOWN_POD', errorMessage: 'datastore: unknown pod' });
    }
    this.assigned.delete(request.containerId);
    return Promise.resolve({ ...defaults, ipAllocationMetadata: [meta] });
  }

  health(): Promise<HealthStatus> {
    return this.healthError === undefined ? Promise.resolve(this.healthState) : Promise.reject(this.healthError);
  }

  close(): void {
    this.closed += 1;
  }

  methods(): string[] {
    return this.calls.map((c) => c.method);
  }
}

export type NpAgentCall =
  | { readonly method: 'connect' }
  | { readonly method: 'enforceNpToPod'; readonly request: EnforceNpRequest }
  | { readonly method: 'deletePodNp'; readonly request: DeleteNpRequest };

/** The network-policy agent: the pods it enforces a mode on, by `namespace/name`. */
export class FakeNpAgent implements NpAgentClient {
  readonly socketPath = '/var/run/aws-node/npa.sock';
  readonly calls: NpAgentCall[] = [];
  readonly enforced = new Map<string, string>();
  connectError: Error | undefined;
  enforceReply: EnforceNpReply = { success: true };
  enforceError?: Error;
  deleteReply: DeleteNpReply = { success: true };
  deleteError?: Error;
  closed = 0;

  connect(): Promise<void> {
    this.calls.push({ method: 'connect' });
    return this.connectError === undefined ? Promise.resolve() : Promise.reject(this.connectError);
  }

  enforceNpToPod(request: EnforceNpRequest): Promise<EnforceNpReply> {
    this.calls.push({ method: 'enforceNpToPod', request });
    if (this.enforceError !== undefined) return Promise.reject(this.enforceError);
    if (this.enforceReply.success)
      this.enforced.set(`${request.k8sPodNamespace}/${request.k8sPodName}`, request.networkPolicyMode);
    return Promise.resolve(this.enforceReply);
  }

  deletePodNp(request: DeleteNpRequest): Promise<DeleteNpReply> {
    this.calls.push({ method: 'deletePodNp', request });
    if (this.deleteError !== undefined) return Promise.reject(this.deleteError);
    if (this.deleteReply.success) this.enforced.delete(`${request.k8sPodNamespace}/${request.k8sPodName}`);
    return Promise.resolve(this.deleteReply);
  }

  close(): void {
    this.closed += 1;
  }

  methods(): string[] {
    return this.calls.map((c) => c.method);
  }
}

export type PodCall =
  | { readonly method: 'setupPod' | 'checkPod'; readonly spec: PodSpec }
  | { readonly method: 'teardownPod'; readonly spec: Parameters<PodNetwork['teardownPod']>[0] };

/** The node's pod wiring: wired pods by host veth, host policy rules as `ip rule` would list them. */
export class FakePods implements PodNetwork {
  readonly calls: PodCall[] = [];
  readonly wired = new Map<string, PodSpec>();
  readonly rules = new Set<string>();
  setupError?: Error;
  teardownError?: Error;

  static rulesOf(podIp: string, routeTableId: number): string[] {
    return [
      `512: to ${podIp} lookup main`,
      ...(routeTableId === 254 ? [] : [`1536: from ${podIp} lookup ${routeTableId}`]),
    ];
  }

  setupPod(spec: PodSpec): Promise<PodWiringResult> {
    this.calls.push({ method: 'setupPod', spec });
    this.wired.set(spec.hostVethName, spec);
    if (this.setupError !== undefined) return Promise.reject(this.setupError);
    for (const rule of FakePods.rulesOf(spec.podIp, spec.routeTableId)) this.rules.add(rule);
    return Promise.resolve({ hostVethMac: '02:00:00:aa:bb:cc', containerMac: '02:00:00:dd:ee:ff' });
  }

  teardownPod(spec: Parameters<PodNetwork['teardownPod']>[0]): Promise<void> {
    this.calls.push({ method: 'teardownPod', spec });
    if (this.teardownError !== undefined) return Promise.reject(this.teardownError);
    for (const rule of FakePods.rulesOf(spec.podIp, spec.routeTableId)) this.rules.delete(rule);
    for (const [name, wired] of this.wired) if (wired.podIp === spec.podIp) this.wired.delete(name);
    return Promise.resolve();
  }

  checkPod(spec: PodSpec): Promise<string[]> {
    this.calls.push({ method: 'checkPod', spec });
    const wired = this.wired.get(spec.hostVethName);
    if (wired === undefined) return Promise.resolve([`host veth ${spec.hostVethName} does not exist`]);
    const differences = FakePods.rulesOf(spec.podIp, spec.routeTableId)
      .filter((r) => !this.rules.has(r))
      .map((r) => `rule "${r}" is missing`);
    if (wired.mtu !== spec.mtu) differences.push(`mtu is ${wired.mtu}, expected ${spec.mtu}`);
    return Promise.resolve(differences);
  }

  methods(): string[] {
    return this.calls.map((c) => c.method);
  }
}

export interface LogRecord {
  readonly level: PluginLogLevel;
  readonly msg: string;
  readonly fields: LogFields;
}

/** A PluginLog keeping its records. */
export function captureLog(): { log: PluginLog; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const at =
    (level: PluginLogLevel) =>
    (msg: string, fields: LogFields = {}) =>
      void records.push({ level, msg, fields });
  return { log: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, records };
}

/** Everything one plugin run touched. */
export interface Harness {
  readonly ipam: FakeIpam;
  readonly agent: FakeNpAgent;
  /** The socket paths the plugin created network-policy agent clients for, one per client. */
  readonly agentSockets: string[];
  readonly pods: FakePods;
  readonly records: LogRecord[];
  readonly logSettings: PluginLogSettings[];
  readonly netnses: Set<string>;
  /** How many times the plugin created an ipamd client. */
  readonly ipamCreated: () => number;
  readonly netnsCalls: string[];
  readonly deps: PluginDeps;
}

export const NETNS = '/var/run/netns/cni-1234';

export function harness(): Harness {
  const ipam = new FakeIpam();
  const agent = new FakeNpAgent();
  const agentSockets: string[] = [];
  const pods = new FakePods();
  const { log, records } = captureLog();
  const logSettings: PluginLogSettings[] = [];
  const netnses = new Set([NETNS]);
  const netnsCalls: string[] = [];
  let created = 0;
  const deps: PluginDeps = {
    ipam: () => {
      created += 1;
      return ipam;
    },
    npAgent: (socketPath) => {
      agentSockets.push(socketPath);
      return agent;
    },
    pods,
    isNetns: (path) => {
      netnsCalls.push(path);
      return Promise.resolve(netnses.has(path));
    },
    openLog: (settings) => {
      logSettings.push(settings);
      return log;
    },
    clientVersion: 'v-test',
  };
  return {
    ipam,
    agent,
    agentSockets,
    pods,
    records,
    logSettings,
    netnses,
    ipamCreated: () => created,
    netnsCalls,
    deps,
  };
}

/** The environment of an ADD as kubelet + containerd send it. */
export function cniEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    CNI_COMMAND: 'ADD',
    CNI_CONTAINERID: 'c0ffee1234',
    CNI_NETNS: NETNS,
    CNI_IFNAME: 'eth0',
    CNI_ARGS:
      'K8S_POD_INFRA_CONTAINER_ID=c0ffee1234;K8S_POD_UID=1b2c3d4e-0000-4000-8000-000000000001;IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0',
    CNI_PATH: '/opt/cni/bin',
    ...overrides,
  };
}

/** The reference's aws-cni entry of the conflist, as the runtime hands it over. */
export function netconf(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    cniVersion: '1.0.0',
    name: 'aws-cni',
    type: 'aws-cni',
    vethPrefix: 'eni',
    mtu: '9001',
    podSGEnforcingMode: 'strict',
    pluginLogFile: '/var/log/aws-routed-eni/plugin.log',
    pluginLogLevel: 'Debug',
    ...overrides,
  });
}

/** The error the RPC client raises when nothing listens on ipamd's socket. */
export function rpcUnavailable(): RpcError {
  return new RpcError(
    'RPC_UNAVAILABLE',
    'ipamd is not running or not ready: cannot connect to /var/run/aws-node/ipamd.sock (ENOENT)',
    { socketPath: '/var/run/aws-node/ipamd.sock', errno: 'ENOENT' },
  );
}
