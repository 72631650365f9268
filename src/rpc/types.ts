/**
 * The reference's `rpc` messages (rpc/rpc.proto, package `rpc`; [behaviour §1.6]) as TypeScript types.
 * Field names are the proto's JSON names (lowerCamel of the proto field); proto3 defaults ('' / 0 / false / []) stand
 * for absent fields. Beyond the reference, a failed reply carries `errorCode`, `errorMessage` and `errorCniCode` in
 * fields the reference does not use (numbers 100–102), so that a pod learns why it got no address and the plugin
 * whether to ask again (CNI code 11, from ipamd's error catalogue); the reference's plugin ignores unknown fields.
 */

export interface AddNetworkRequest {
  /** [8] */ readonly clientVersion: string;
  /** [1] */ readonly k8sPodName: string;
  /** [2] */ readonly k8sPodNamespace: string;
  /** [3] */ readonly k8sPodInfraContainerId: string;
  /** [7] */ readonly containerId: string;
  /** [5] */ readonly ifName: string;
  /** [6] */ readonly networkName: string;
  /** [4] */ readonly netns: string;
  /** [9] */ readonly requiresMultiNicAttachment: boolean;
}

export interface IpAllocationMetadata {
  /** [1] */ readonly ipv4Addr: string;
  /** [2] */ readonly ipv6Addr: string;
  /** [3] */ readonly deviceNumber: number;
  /** [4] */ readonly routeTableId: number;
}

export interface AddNetworkReply {
  /** [1] */ readonly success: boolean;
  /** [2] */ readonly ipAllocationMetadata: readonly IpAllocationMetadata[];
  /** [5] */ readonly useExternalSnat: boolean;
  /** [6] */ readonly vpcV4Cidrs: readonly string[];
  /** [12] */ readonly vpcV6Cidrs: readonly string[];
  /** [7] */ readonly podVlanId: number;
  /** [8] */ readonly podEniMac: string;
  /** [9] */ readonly podEniSubnetGw: string;
  /** [10] */ readonly parentIfIndex: number;
  /** [13] */ readonly networkPolicyMode: string;
  /** [100] ours: a stable error code (docs/errors.md) when `success` is false. */
  readonly errorCode: string;
  /** [101] ours: why, in words. */
  readonly errorMessage: string;
  /** [102] ours: the CNI code of `errorCode` in its catalogue (11: try again later); 0 on success. */
  readonly errorCniCode: number;
}

export interface DelNetworkRequest {
  /** [9] */ readonly clientVersion: string;
  /** [1] */ readonly k8sPodName: string;
  /** [2] */ readonly k8sPodNamespace: string;
  /** [3] */ readonly k8sPodInfraContainerId: string;
  /** [5] */ readonly reason: string;
  /** [8] */ readonly containerId: string;
  /** [6] */ readonly ifName: string;
  /** [7] */ readonly networkName: string;
  /** [10] */ readonly k8sPodUid: string;
}

export interface DelNetworkReply {
  /** [1] */ readonly success: boolean;
  /** [2] */ readonly ipAllocationMetadata: readonly IpAllocationMetadata[];
  /** [4] */ readonly podVlanId: number;
  /** [6] */ readonly networkPolicyMode: string;
  /** [100] ours */ readonly errorCode: string;
  /** [101] ours */ readonly errorMessage: string;
  /** [102] ours */ readonly errorCniCode: number;
}

/** What ipamd serves on its socket; the gRPC server adapts it, tests call it directly. */
export interface CniBackend {
  addNetwork(request: AddNetworkRequest): Promise<AddNetworkReply>;
  delNetwork(request: DelNetworkRequest): Promise<DelNetworkReply>;
}

/**
 * `rpc.NPBackend` (served by the network-policy agent on npa.sock, called by the plugin) [network-policy §2]: ADD
 * asks the agent to attach its programs to the pod's host veths in the reply's mode, DEL to drop them.
 */
export interface EnforceNpRequest {
  /** [1] */ readonly k8sPodName: string;
  /** [2] */ readonly k8sPodNamespace: string;
  /** [3] `NETWORK_POLICY_MODE`: AddNetworkReply.NetworkPolicyMode, verbatim. */
  readonly networkPolicyMode: string;
  /** [4] The number of addresses ipamd gave the pod (one host veth each). */
  readonly interfaceCount: number;
}

export interface EnforceNpReply {
  /** [1] */ readonly success: boolean;
}

export interface DeleteNpRequest {
  /** [1] */ readonly k8sPodName: string;
  /** [2] */ readonly k8sPodNamespace: string;
}

export interface DeleteNpReply {
  /** [1] */ readonly success: boolean;
}

/** `rpc.ConfigServerBackend.GetNetworkPolicyConfigs`'s reply: what ipamd tells the agent at its start. */
export interface NetworkPolicyAgentConfigReply {
  /** [1] NETWORK_POLICY_ENFORCING_MODE as configured ('' when unset). */
  readonly networkPolicyMode: string;
  /** [2] ENABLE_MULTI_NIC. */
  readonly multiNicEnabled: boolean;
  /** [3] The node's primary IPv4 address (IPv4 mode). */
  readonly nodeIpv4: string;
  /** [4] The node's IPv6 address (IPv6 mode). */
  readonly nodeIpv6: string;
  /** [5] */ readonly instanceId: string;
  /** [6] */ readonly region: string;
}

/** What ipamd serves the agent; undefined until node initialisation has finished (the server answers UNAVAILABLE). */
export interface ConfigServerBackend {
  networkPolicyConfigs(): NetworkPolicyAgentConfigReply | undefined;
}
