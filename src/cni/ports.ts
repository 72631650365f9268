/**
 * The ports of the aws-cni plugin: the RPC client to ipamd and the pod wiring. The plugin's verbs (add, del, check)
 * take them in a deps object and return results; the composition root (src/cni/main.ts) builds the real ones.
 */
import type { HealthStatus } from '../rpc/codec.js';
import type { PodNetwork, WiringPrestart } from '../netlink/port.js';
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

/** What the verbs (add, del, check, status) run against; built once per call by src/cni/plugin.ts. */
export interface VerbDeps {
  /** The ipamd client, created on first use (VERSION and failed validations never connect). */
  readonly ipam: () => IpamClient;
  readonly pods: PodNetwork;
  /** The wiring's head start while ipamd answers; absent, the wiring starts after the reply. */
  readonly prestart?: WiringPrestart;
  /**
   * True when the path is a network namespace (CNI_NETNS): it exists and is a namespace file. Checked before ipamd is
   * asked for an address, so that a wrong path costs no address and leaves nothing to undo.
   */
  readonly isNetns: (path: string) => Promise<boolean>;
  /** This plugin's build version, sent as ClientVersion (ipamd refuses another build's). */
  readonly clientVersion: string;
}
