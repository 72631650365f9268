/**
 * The reference's gRPC protocol between the CNI plugin and ipamd (`rpc/rpc.proto`, package `rpc`; [behaviour §1.6])
 * and the standard health protocol, twice: as `.proto` text (documentation, and what tests feed to protobufjs to
 * cross-check the codec) and as field tables (what src/rpc/codec.ts encodes and decodes by). The codec does not parse
 * the text at run time, because the plugin's import time is its budget; a test proves text and tables agree.
 *
 * Only what ipamd serves on its socket is here: `rpc.NPBackend` is the node agent's and `rpc.ConfigServerBackend`
 * (network-policy agent configuration) is not served by vpc-cni.
 */

/**
 * The reference's `rpc.CNIBackend` messages plus our two reply fields (100, 101), which the reference never uses.
 *
 * @example
 * protobuf.parse(RPC_PROTO, { keepCase: true }).root.lookupType('rpc.AddNetworkReply') // a test's independent codec
 */
export const RPC_PROTO = `syntax = "proto3";
package rpc;

service CNIBackend {
  rpc AddNetwork (AddNetworkRequest) returns (AddNetworkReply) {}
  rpc DelNetwork (DelNetworkRequest) returns (DelNetworkReply) {}
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
  healthCheck: '/grpc.health.v1.Health/Check',
  healthWatch: '/grpc.health.v1.Health/Watch',
} as const;

/** The service name ipamd reports SERVING under, besides the empty (whole-server) name. */
export const HEALTH_SERVICE_NAME = 'grpc.health.v1.aws-node';
