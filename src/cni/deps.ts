/**
 * What the aws-cni plugin's verbs (add, del, check, status) run against: the ipamd and network-policy agent clients
 * (rpc/port.ts), the pod wiring (netlink/port.ts) and a few facts of the call. src/cni/plugin.ts builds it once per call from the real ports
 * the composition root (src/cni/main.ts) gives it.
 */
import type { PodNetwork, WiringPrestart } from '../netlink/port.js';
import type { IpamClient, NpAgentClient } from '../rpc/port.js';

/** What the verbs (add, del, check, status) run against; built once per call by src/cni/plugin.ts. */
export interface VerbDeps {
  /** The ipamd client, created on first use (VERSION and failed validations never connect). */
  readonly ipam: () => IpamClient;
  /** The network-policy agent's client, created on first use: only when ipamd's reply carries a mode. */
  readonly npAgent: () => NpAgentClient;
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
