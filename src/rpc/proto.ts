/**
 * The reference's gRPC protocol (`rpc/rpc.proto`, package `rpc`; [behaviour §1.6]) and the standard health protocol,
 * twice: as `.proto` text (documentation, and what tests feed to protobufjs to cross-check the codec) and as field
 * tables (what src/rpc/codec.ts and np-codec.ts encode and decode by). The codec does not parse the text at run time,
 * because the plugin's import time is its budget; a test proves text and tables agree.
 *
 * Three services: `rpc.CNIBackend` (ipamd, called by the plugin), `rpc.ConfigServerBackend` (ipamd, called by the
 * network-policy agent at its start) and `rpc.NPBackend` (served by the network-policy agent on its own socket,
 * called by the plugin after ADD's wiring and DEL's teardown) [network-policy §2].
 */

/**
 * The reference's `rpc.CNIBackend` messages plus our two reply fields (100, 101), which the reference never uses.
 *
 * @example
 * protobuf.parse(RPC_PROTO, { keepCase: true }).root.lookupType('rpc.AddNetworkReply') // a test's independent codec
 */
export const RPC_PROTO = `syntax = "proto3";
package rpc;

import "google/protobuf/empty.proto";

service CNIBackend {
  rpc AddNetwork (AddNetworkRequest) returns (AddNetworkReply) {}
  rpc DelNetwork (DelNetworkRequest) returns (DelNetworkReply) {}
}

service NPBackend {
  rpc EnforceNpToPod (EnforceNpRequest) returns (EnforceNpReply) {}
  rpc DeletePodNp (DeleteNpRequest) returns (DeleteNpReply) {}
}

service ConfigServerBackend {
  rpc GetNetworkPolicyConfigs (google.protobuf.Empty) returns (NetworkPolicyAgentConfigReply) {}
}

message AddNetworkRequest {
  string ClientVersion = 8;
  string K8S_POD_NAME = 1;
  string K8S_POD_NAMESPACE = 2;
  string K8S_POD_INFRA_CONTAINER_ID = 3;
  string ContainerID = 7;
  string IfName = 5;
  string NetworkName = 6;
  string Netns = 4;
  bool RequiresMultiNICAttachment = 9;
}

message IPAllocationMetadata {
  string IPv4Addr = 1;
  string IPv6Addr = 2;
  int32 DeviceNumber = 3;
  int32 RouteTableId = 4;
}

message AddNetworkReply {
  bool Success = 1;
  repeated IPAllocationMetadata IPAllocationMetadata = 2;
  bool UseExternalSNAT = 5;
  repeated string VPCv4CIDRs = 6;
  repeated string VPCv6CIDRs = 12;
  int32 PodVlanId = 7;
  string PodENIMAC = 8;
  string PodENISubnetGW = 9;
  int32 ParentIfIndex = 10;
  string NetworkPolicyMode = 13;
  string ErrorCode = 100; // vpc-cni extension
  string ErrorMessage = 101; // vpc-cni extension
  int32 ErrorCNICode = 102; // vpc-cni extension
}

message DelNetworkRequest {
  string ClientVersion = 9;
  string K8S_POD_NAME = 1;
  string K8S_POD_NAMESPACE = 2;
  string K8S_POD_INFRA_CONTAINER_ID = 3;
  string Reason = 5;
  string ContainerID = 8;
  string IfName = 6;
  string NetworkName = 7;
  string K8S_POD_UID = 10;
}

message DelNetworkReply {
  bool Success = 1;
  repeated IPAllocationMetadata IPAllocationMetadata = 2;
  int32 PodVlanId = 4;
  string NetworkPolicyMode = 6;
  string ErrorCode = 100; // vpc-cni extension
  string ErrorMessage = 101; // vpc-cni extension
  int32 ErrorCNICode = 102; // vpc-cni extension
}

message EnforceNpRequest {
  string K8S_POD_NAME = 1;
  string K8S_POD_NAMESPACE = 2;
  string NETWORK_POLICY_MODE = 3;
  int32 InterfaceCount = 4;
}

message EnforceNpReply {
  bool Success = 1;
}

message DeleteNpRequest {
  string K8S_POD_NAME = 1;
  string K8S_POD_NAMESPACE = 2;
}

message DeleteNpReply {
  bool Success = 1;
}

message NetworkPolicyAgentConfigReply {
  string NetworkPolicyMode = 1;
  bool MultiNICEnabled = 2;
  string NodeIPv4 = 3;
  string NodeIPv6 = 4;
  string InstanceID = 5;
  string Region = 6;
}
`;

/** `google/protobuf/empty.proto`, which RPC_PROTO imports (the request of GetNetworkPolicyConfigs). */
export const EMPTY_PROTO = `syntax = "proto3";
package google.protobuf;

message Empty {}
`;

/** `grpc/health/v1/health.proto` (the standard health service; kubelet probes and `grpc-health-probe` use it). */
export const HEALTH_PROTO = `syntax = "proto3";
package grpc.health.v1;

message HealthCheckRequest {
  string service = 1;
}

message HealthCheckResponse {
  enum ServingStatus {
    UNKNOWN = 0;
    SERVING = 1;
    NOT_SERVING = 2;
    SERVICE_UNKNOWN = 3;
  }
  ServingStatus status = 1;
}

service Health {
  rpc Check(HealthCheckRequest) returns (HealthCheckResponse);
  rpc Watch(HealthCheckRequest) returns (stream HealthCheckResponse);
}
`;

/** The scalar kinds the protocol uses; `enum` travels as an int32 varint. */
export type FieldKind = 'string' | 'bool' | 'int32' | 'message';

/** One field of a message: our (lowerCamel) property name, the proto field name and number, its kind. */
export interface FieldSpec {
  readonly key: string;
  readonly protoName: string;
  readonly no: number;
  readonly kind: FieldKind;
  readonly repeated?: true;
  /** For kind 'message': the element's field table. */
  readonly message?: readonly FieldSpec[];
}

function field(key: string, protoName: string, no: number, kind: Exclude<FieldKind, 'message'>): FieldSpec {
  return { key, protoName, no, kind };
}

/**
 * Field tables, one per message, in the proto's declaration order (the codec writes in field-number order).
 *
 * @example
 * ADD_NETWORK_REQUEST_FIELDS.find((f) => f.key === 'containerId')?.no // 7
 */
export const IP_ALLOCATION_METADATA_FIELDS: readonly FieldSpec[] = [
  field('ipv4Addr', 'IPv4Addr', 1, 'string'),
  field('ipv6Addr', 'IPv6Addr', 2, 'string'),
  field('deviceNumber', 'DeviceNumber', 3, 'int32'),
  field('routeTableId', 'RouteTableId', 4, 'int32'),
];

const IP_ALLOCATION_METADATA: FieldSpec = {
  key: 'ipAllocationMetadata',
  protoName: 'IPAllocationMetadata',
  no: 2,
  kind: 'message',
  repeated: true,
  message: IP_ALLOCATION_METADATA_FIELDS,
};

/** Field numbers of our extension: the reference's plugin skips them as unknown fields. */
const ERROR_FIELDS: readonly FieldSpec[] = [
  field('errorCode', 'ErrorCode', 100, 'string'),
  field('errorMessage', 'ErrorMessage', 101, 'string'),
  field('errorCniCode', 'ErrorCNICode', 102, 'int32'),
];

export const ADD_NETWORK_REQUEST_FIELDS: readonly FieldSpec[] = [
  field('clientVersion', 'ClientVersion', 8, 'string'),
  field('k8sPodName', 'K8S_POD_NAME', 1, 'string'),
  field('k8sPodNamespace', 'K8S_POD_NAMESPACE', 2, 'string'),
  field('k8sPodInfraContainerId', 'K8S_POD_INFRA_CONTAINER_ID', 3, 'string'),
  field('containerId', 'ContainerID', 7, 'string'),
  field('ifName', 'IfName', 5, 'string'),
  field('networkName', 'NetworkName', 6, 'string'),
  field('netns', 'Netns', 4, 'string'),
  field('requiresMultiNicAttachment', 'RequiresMultiNICAttachment', 9, 'bool'),
];

export const ADD_NETWORK_REPLY_FIELDS: readonly FieldSpec[] = [
  field('success', 'Success', 1, 'bool'),
  IP_ALLOCATION_METADATA,
  field('useExternalSnat', 'UseExternalSNAT', 5, 'bool'),
  { ...field('vpcV4Cidrs', 'VPCv4CIDRs', 6, 'string'), repeated: true },
  { ...field('vpcV6Cidrs', 'VPCv6CIDRs', 12, 'string'), repeated: true },
  field('podVlanId', 'PodVlanId', 7, 'int32'),
  field('podEniMac', 'PodENIMAC', 8, 'string'),
  field('podEniSubnetGw', 'PodENISubnetGW', 9, 'string'),
  field('parentIfIndex', 'ParentIfIndex', 10, 'int32'),
  field('networkPolicyMode', 'NetworkPolicyMode', 13, 'string'),
  ...ERROR_FIELDS,
];

export const DEL_NETWORK_REQUEST_FIELDS: readonly FieldSpec[] = [
  field('clientVersion', 'ClientVersion', 9, 'string'),
  field('k8sPodName', 'K8S_POD_NAME', 1, 'string'),
  field('k8sPodNamespace', 'K8S_POD_NAMESPACE', 2, 'string'),
  field('k8sPodInfraContainerId', 'K8S_POD_INFRA_CONTAINER_ID', 3, 'string'),
  field('reason', 'Reason', 5, 'string'),
  field('containerId', 'ContainerID', 8, 'string'),
  field('ifName', 'IfName', 6, 'string'),
  field('networkName', 'NetworkName', 7, 'string'),
  field('k8sPodUid', 'K8S_POD_UID', 10, 'string'),
];

export const DEL_NETWORK_REPLY_FIELDS: readonly FieldSpec[] = [
  field('success', 'Success', 1, 'bool'),
  IP_ALLOCATION_METADATA,
  field('podVlanId', 'PodVlanId', 4, 'int32'),
  field('networkPolicyMode', 'NetworkPolicyMode', 6, 'string'),
  ...ERROR_FIELDS,
];

export const ENFORCE_NP_REQUEST_FIELDS: readonly FieldSpec[] = [
  field('k8sPodName', 'K8S_POD_NAME', 1, 'string'),
  field('k8sPodNamespace', 'K8S_POD_NAMESPACE', 2, 'string'),
  field('networkPolicyMode', 'NETWORK_POLICY_MODE', 3, 'string'),
  field('interfaceCount', 'InterfaceCount', 4, 'int32'),
];
export const ENFORCE_NP_REPLY_FIELDS: readonly FieldSpec[] = [field('success', 'Success', 1, 'bool')];
export const DELETE_NP_REQUEST_FIELDS: readonly FieldSpec[] = [
  field('k8sPodName', 'K8S_POD_NAME', 1, 'string'),
  field('k8sPodNamespace', 'K8S_POD_NAMESPACE', 2, 'string'),
];
export const DELETE_NP_REPLY_FIELDS: readonly FieldSpec[] = [field('success', 'Success', 1, 'bool')];
export const NETWORK_POLICY_AGENT_CONFIG_REPLY_FIELDS: readonly FieldSpec[] = [
  field('networkPolicyMode', 'NetworkPolicyMode', 1, 'string'),
  field('multiNicEnabled', 'MultiNICEnabled', 2, 'bool'),
  field('nodeIpv4', 'NodeIPv4', 3, 'string'),
  field('nodeIpv6', 'NodeIPv6', 4, 'string'),
  field('instanceId', 'InstanceID', 5, 'string'),
  field('region', 'Region', 6, 'string'),
];
/** `google.protobuf.Empty`: no fields (whatever a sender puts in it is skipped as unknown). */
export const EMPTY_FIELDS: readonly FieldSpec[] = [];

export const HEALTH_CHECK_REQUEST_FIELDS: readonly FieldSpec[] = [field('service', 'service', 1, 'string')];
export const HEALTH_CHECK_RESPONSE_FIELDS: readonly FieldSpec[] = [field('status', 'status', 1, 'int32')];

/**
 * gRPC method paths (`/<package>.<service>/<method>`), as they appear in the HTTP/2 `:path`.
 *
 * @example
 * session.request({ ':method': 'POST', ':path': RPC_METHODS.addNetwork, 'content-type': 'application/grpc' })
 */
export const RPC_METHODS = {
  addNetwork: '/rpc.CNIBackend/AddNetwork',
  delNetwork: '/rpc.CNIBackend/DelNetwork',
  enforceNpToPod: '/rpc.NPBackend/EnforceNpToPod',
  deletePodNp: '/rpc.NPBackend/DeletePodNp',
  getNetworkPolicyConfigs: '/rpc.ConfigServerBackend/GetNetworkPolicyConfigs',
  healthCheck: '/grpc.health.v1.Health/Check',
  healthWatch: '/grpc.health.v1.Health/Watch',
} as const;

/** The service name ipamd reports SERVING under, besides the empty (whole-server) name. */
export const HEALTH_SERVICE_NAME = 'grpc.health.v1.aws-node';
/** The service name the network-policy agent reports SERVING under [network-policy §1]. */
export const NP_AGENT_HEALTH_SERVICE_NAME = 'grpc.health.v1.np-agent';
