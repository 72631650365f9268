/**
 * The networking ports, implemented in this folder: {@link HostNetwork} (ipamd's host set-up: per-ENI routing, SNAT
 * and connmark rules, stale pod rules; host-network.ts, on iproute2/iptables) and {@link PodNetwork} (the aws-cni
 * plugin's pod wiring: veth, addresses, routes, rules, static ARP; rtnl/pod-network.ts over rtnetlink in-process, or
 * pod-network.ts over iproute2). Both work in the node's namespace.
 */

export interface EniNetworkSpec {
  readonly mac: string;
  readonly deviceNumber: number;
  readonly primaryIp: string;
  readonly subnetCidr: string;
  readonly routeTableId: number;
  readonly mtu: number;
}

export interface SnatSpec {
  readonly primaryIp: string;
  readonly primaryInterface: string;
  readonly vpcCidrs: readonly string[];
  readonly excludeSnatCidrs: readonly string[];
  readonly externalSnat: boolean;
  readonly randomizeSnat: 'prng' | 'hashrandom' | 'none';
  readonly nodePortSupport: boolean;
  readonly connmark: number;
  readonly vethPrefix: string;
}

/** ipamd's host networking [behaviour §7.5–7.8], in the node's namespace. */
export interface HostNetwork {
  /** Name of the link with this MAC, or undefined. */
  linkByMac(mac: string): Promise<string | undefined>;
  setMtu(linkName: string, mtu: number): Promise<void>;
  /** Secondary ENI: link up, MTU, address, table `routeTableId` with gateway + default, rule 32765. */
  setupEni(spec: EniNetworkSpec): Promise<void>;
  /** Removes rule 32765 (and the table's routes) of an ENI being freed. */
  teardownEni(spec: Pick<EniNetworkSpec, 'primaryIp' | 'routeTableId'>): Promise<void>;
  /** SNAT, connmark and rule 1024 [behaviour §7.7–7.8]; idempotent, run at start and when VPC CIDRs change. */
  setupSnat(spec: SnatSpec): Promise<void>;
  /** Rules 1535 for AWS_EXTERNAL_SERVICE_CIDRS. */
  setupExternalServiceRules(cidrs: readonly string[]): Promise<void>;
  /** Names of the host links, for the checkpoint's stale-pod check [behaviour §8]. */
  linkNames(): Promise<string[]>;
  /** Deletes rules 512 `to ip` and 1536 `from ip` of a pod found stale. */
  deletePodRules(ip: string): Promise<void>;
}

// ---------------------------------------------------------------- pod wiring

/** What the reference's SetupPodNetwork needs [behaviour §7.3]. */
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

/** What {@link PodNetwork.teardownPod} needs: the host veth's name scopes the route deletion to that veth. */
export type TeardownSpec = Pick<PodSpec, 'podIp' | 'routeTableId'> & {
  readonly hostVethName?: string;
  readonly removeVeth?: boolean;
};

/**
 * Pod wiring in the node's namespace (the namespace the plugin runs in, as a Go plugin configures "the namespace
 * it runs in"). Every method is idempotent; teardown succeeds when the netns or link is already gone.
 */
export interface PodNetwork {
  setupPod(spec: PodSpec): Promise<PodWiringResult>;
  /**
   * Removes rules 512/1536 and the host route of the pod IP (DEL; also the undo of a failed ADD). The veth stays for
   * the runtime's namespace removal [behaviour §7.4] unless `removeVeth` (the undo of a failed ADD) asks for it.
   */
  teardownPod(spec: TeardownSpec): Promise<void>;
  /** Live state vs the spec (CHECK): an empty list when all is as ADD left it, else one line per difference. */
  checkPod(spec: PodSpec): Promise<string[]>;
}

/**
 * The part of the pod wiring that can start before ipamd has answered: the plugin's verbs ask for it before their
 * request, start it once the request is on ipamd's socket, and cancel it when they are done, so that what the wiring
 * needs to start overlaps ipamd's work. Optional: wiring without it only starts later (docs/performance.md has what
 * the overlap buys).
 */
export interface WiringPrestart {
  /** ADD is about to wire a pod in this namespace. Checks the path at once (throws on one setupPod would refuse). */
  prepareSetup(netnsPath: string): Preparation;
  /** DEL is about to ask ipamd; what of the teardown can start meanwhile. */
  prepareTeardown(): Preparation;
}

/** Work started ahead: start() once (later calls do nothing), cancel() when done, used or not (a no-op if used). */
export interface Preparation {
  start(): void;
  cancel(): void;
}
