/**
 * The ports of the aws-cni plugin: the RPC client to ipamd and the pod wiring. The plugin's verbs (add, del, check)
 * take them in a deps object and return results; the composition root (src/cni/main.ts) builds the real ones.
 */
import type { HealthStatus } from '../rpc/codec.js';
import type { AddNetworkReply, AddNetworkRequest, DelNetworkReply, DelNetworkRequest } from '../rpc/types.js';

/** ipamd as the plugin sees it (the fast gRPC client over the unix socket). Failures are typed errors (RPC_*). */
export interface IpamClient {
  /** `onSent` runs once the request is on the socket: the cue for work that can overlap ipamd's. */
  addNetwork(request: AddNetworkRequest, onSent?: () => void): Promise<AddNetworkReply>;
  delNetwork(request: DelNetworkRequest, onSent?: () => void): Promise<DelNetworkReply>;
  /** grpc.health.v1 Check of ipamd (STATUS); a client without it makes STATUS report available. */
  health?(): Promise<HealthStatus>;
  close(): void;
}

/** What the reference's SetupPodNetwork needs (§7.3). */
export interface PodSpec {
  /** Host-side veth: vethPrefix + first 11 hex chars of sha1("<namespace>.<pod>"). */
  readonly hostVethName: string;
  /** CNI_IFNAME, usually eth0. */
  readonly containerIfName: string;
  /** CNI_NETNS: the pod's network namespace path. */
  readonly netnsPath: string;
  readonly podIp: string;
  readonly mtu: number;
  /** 254 (main) for pods on the primary ENI, else the ENI's table (device + 1). */
  readonly routeTableId: number;
}

export interface PodWiringResult {
  readonly hostVethMac: string;
  readonly containerMac: string;
}

/**
 * Pod wiring in the node's namespace (the namespace the plugin runs in, as a Go plugin configures "the namespace
 * it runs in"). Every method is idempotent; teardown succeeds when the netns or link is already gone.
 */
export interface PodNetwork {
  /**
   * Optional: ADD is about to wire a pod in this namespace. Checks the path at once (throws on one setupPod would
   * refuse, before ipamd is asked) and returns what can start before the address is known.
   */
  prepareSetup?(netnsPath: string): Preparation;
  setupPod(spec: PodSpec): Promise<PodWiringResult>;
  /** Optional: DEL is about to ask ipamd; what of the teardown can start meanwhile. */
  prepareTeardown?(): Preparation;
  /** Removes rules 512/1536 and the host route of the pod IP (DEL; also the undo of a failed ADD). */
  teardownPod(spec: Pick<PodSpec, 'podIp' | 'routeTableId'> & { readonly hostVethName?: string }): Promise<void>;
  /** Live state vs the spec (CHECK): an empty list when all is as ADD left it, else one line per difference. */
  checkPod(spec: PodSpec): Promise<string[]>;
}

/**
 * Work a verb starts while ipamd answers (the wiring's processes: src/netlink/prestart.ts). The verbs call start()
 * once their request is on the socket, so that starting it does not delay the request, and cancel() when they are
 * done, whether or not it was used (a no-op for what was).
 */
export interface Preparation {
  start(): void;
  cancel(): void;
}

/** What the verbs (add, del, check, status) run against; built once per call by src/cni/plugin.ts. */
export interface VerbDeps {
  /** The ipamd client, created on first use (VERSION and failed validations never connect). */
  readonly ipam: () => IpamClient;
  readonly pods: PodNetwork;
  /**
   * True when the path is a network namespace (CNI_NETNS): it exists and is a namespace file. Checked before ipamd is
   * asked for an address, so that a wrong path costs no address and leaves nothing to undo.
   */
  readonly isNetns: (path: string) => Promise<boolean>;
  /** This plugin's build version, sent as ClientVersion (ipamd refuses another build's). */
  readonly clientVersion: string;
}
