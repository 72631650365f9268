/**
 * The typed, frozen configuration every program receives from {@link loadConfig}. Each field names the environment
 * variable it comes from; `undefined` means "unset" (never "invalid": invalid input is a `ConfigError`).
 *
 * @example
 * const { config } = loadConfig({ ENABLE_PREFIX_DELEGATION: 'true', WARM_PREFIX_TARGET: '1' });
 * config.ipFamily; // 'ipv4'
 * config.pool.prefixDelegation; // true
 * config.pool.ipCooldownMs; // 30000 (IP_COOLDOWN_PERIOD=30)
 */
import type { LogRotation } from './log-rotation.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** Where a log goes. ipamd accepts all three; the plugins refuse stdout (it carries the CNI result). */
export type LogDestination =
  { readonly to: 'stdout' } | { readonly to: 'stderr' } | { readonly to: 'file'; readonly path: string };

/** A listening address: TCP `host:port` (`host` empty = all interfaces, IPv6 without brackets) or a Unix socket. */
export type BindAddress =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'unix'; readonly path: string };

export type PoolPolicyName = 'reference' | 'adaptive';
export type RandomizeSnat = 'prng' | 'hashrandom' | 'none';
export type PodSecurityGroupEnforcingMode = 'strict' | 'standard';
/** `none`, `strict` or `standard` in any case, kept as given (the reference passes it on verbatim). */
export type NetworkPolicyEnforcingMode = string;

/** Warm pool knobs ([behaviour §3.1] of the reference behaviour). */
export interface PoolConfig {
  /** ENABLE_PREFIX_DELEGATION: /28 (IPv4) or /80 (IPv6) prefixes instead of secondary IPs. */
  readonly prefixDelegation: boolean;
  /** WARM_ENI_TARGET (default 1). */
  readonly warmEniTarget: number;
  /** WARM_IP_TARGET (default 0 = not defined). */
  readonly warmIpTarget: number;
  /** MINIMUM_IP_TARGET (default 0 = not defined). */
  readonly minimumIpTarget: number;
  /** WARM_PREFIX_TARGET (default 0). */
  readonly warmPrefixTarget: number;
  /**
   * VPC_CNI_POOL_POLICY: `reference` (default) sizes the warm pool from the targets above, as the Amazon VPC CNI;
   * `adaptive` sizes it from the observed pod demand (docs/pool-policy.md).
   */
  readonly policy: PoolPolicyName;
  /** MAX_ENI: cap on attached ENIs; `undefined` = the instance type's limit. */
  readonly maxEni: number | undefined;
  /** IP_COOLDOWN_PERIOD in milliseconds (default 30 s). */
  readonly ipCooldownMs: number;
}

export interface CustomNetworkingConfig {
  /** AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG. */
  readonly enabled: boolean;
  /** ENI_CONFIG_ANNOTATION_DEF: node annotation key naming the ENIConfig. */
  readonly eniConfigAnnotationKey: string;
  /** ENI_CONFIG_LABEL_DEF: node label key naming the ENIConfig. */
  readonly eniConfigLabelKey: string;
  /** VPC_CNI_NODE_INFO_FILE: without a cluster, this node's labels and annotations (YAML/JSON; the static source). */
  readonly staticNodeFile: string | undefined;
  /** VPC_CNI_ENICONFIG_DIR: without a cluster, a directory of ENIConfig documents (the static source). */
  readonly staticEniConfigDir: string | undefined;
}

export interface NetworkingConfig {
  /** AWS_VPC_ENI_MTU (default 9001). */
  readonly eniMtu: number;
  /** POD_MTU (default: the ENI MTU). */
  readonly podMtu: number;
  /** AWS_VPC_K8S_CNI_VETHPREFIX (default `eni`). */
  readonly vethPrefix: string;
  /** AWS_VPC_K8S_CNI_EXTERNALSNAT: no node SNAT or connmark rules. */
  readonly externalSnat: boolean;
  /** AWS_VPC_K8S_CNI_RANDOMIZESNAT (default `prng`). */
  readonly randomizeSnat: RandomizeSnat;
  /** AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS, canonical `a.b.c.d/n` text. */
  readonly excludeSnatCidrs: readonly string[];
  /** AWS_EXTERNAL_SERVICE_CIDRS, canonical `a.b.c.d/n` text. */
  readonly externalServiceCidrs: readonly string[];
  /** AWS_VPC_K8S_CNI_CONNMARK (default 0x80). */
  readonly connmark: number;
  /** AWS_VPC_CNI_NODE_PORT_SUPPORT (default true). */
  readonly nodePortSupport: boolean;
  /** ENABLE_V4_EGRESS: IPv4 egress for pods of an IPv6 cluster (default true). */
  readonly v4Egress: boolean;
  /** ENABLE_V6_EGRESS: IPv6 egress for pods of an IPv4 cluster. */
  readonly v6Egress: boolean;
  /** DISABLE_POD_V6: chain the `tuning` plugin to disable IPv6 inside pods. */
  readonly podIpv6Disabled: boolean;
  /** DISABLE_TCP_EARLY_DEMUX: `net.ipv4.tcp_early_demux=0` on the node. */
  readonly tcpEarlyDemuxDisabled: boolean;
  /** ENABLE_BANDWIDTH_PLUGIN: chain the `bandwidth` plugin. */
  readonly bandwidthPlugin: boolean;
}

export interface LoggingConfig {
  /** AWS_VPC_K8S_CNI_LOGLEVEL (default debug). */
  readonly ipamdLevel: LogLevel;
  /** AWS_VPC_K8S_CNI_LOG_FILE (default /host/var/log/aws-routed-eni/ipamd.log). */
  readonly ipamdLog: LogDestination;
  /** AWS_VPC_K8S_PLUGIN_LOG_LEVEL (default debug); also the egress plugin's level. */
  readonly pluginLevel: LogLevel;
  /** AWS_VPC_K8S_PLUGIN_LOG_FILE (default /var/log/aws-routed-eni/plugin.log; `""` = stderr). */
  readonly pluginLog: LogDestination;
  /** AWS_VPC_K8S_EGRESS_V4_PLUGIN_LOG_FILE. */
  readonly egressV4PluginLog: LogDestination;
  /** AWS_VPC_K8S_EGRESS_V6_PLUGIN_LOG_FILE. */
  readonly egressV6PluginLog: LogDestination;
  /** Rotation of ipamd's log file and (through the conflist) the plugin's; stdout and stderr are not rotated. */
  readonly rotation: LogRotation;
}

export interface EndpointsConfig {
  /** AWS_EC2_ENDPOINT or AWS_ENDPOINT_URL_EC2 (the same URL if both are set); `undefined` = the SDK's default. */
  readonly ec2: string | undefined;
  /** AWS_EC2_METADATA_SERVICE_ENDPOINT; `undefined` = the SDK's default (169.254.169.254). */
  readonly imds: string | undefined;
  /** CLUSTER_ENDPOINT: Kubernetes API server URL; `undefined` = in-cluster discovery. */
  readonly kubernetesApi: string | undefined;
  /** AWS_REGION; `undefined` = taken from IMDS. */
  readonly region: string | undefined;
  /** HTTP_TIMEOUT in milliseconds (default 10 s, minimum 10 s). */
  readonly httpTimeoutMs: number;
  /**
   * VPC_CNI_EC2_PACING_NODES: how many nodes of the account may call EC2 at once (a cluster joining together). Set,
   * each ipamd takes 0.9 / N of every EC2 request bucket from a random phase, so that the nodes together stay under
   * the account's limits (docs/performance.md); unset, it budgets 80 % of each bucket as if alone (the default).
   */
  readonly ec2PacingNodes: number | undefined;
}

export interface PathsConfig {
  /** AWS_VPC_K8S_CNI_BACKING_STORE: the IPAM checkpoint file. */
  readonly backingStore: string;
  /** HOST_CNI_BIN_PATH: where the CNI binaries are installed. */
  readonly hostCniBinDir: string;
  /** HOST_CNI_CONFDIR_PATH: where `10-aws.conflist` is written. */
  readonly hostCniConfDir: string;
  /** VPC_CNI_HOST_NETNS: the network namespace ipamd configures; `undefined` = its own. */
  readonly hostNetns: string | undefined;
  /** VPC_CNI_IPAMD_SOCKET: ipamd's gRPC socket (the reference's fixed path by default). */
  readonly ipamdSocket: string;
}

export interface ServersConfig {
  /** Not DISABLE_INTROSPECTION. */
  readonly introspection: boolean;
  /** INTROSPECTION_BIND_ADDRESS (default 127.0.0.1:61679). */
  readonly introspectionBindAddress: BindAddress;
  /** Not DISABLE_METRICS. */
  readonly metrics: boolean;
  /** VPC_CNI_METRICS_BIND_ADDRESS (default 127.0.0.1:61678; the reference binds :61678 on every interface). */
  readonly metricsBindAddress: BindAddress;
}

export interface FeaturesConfig {
  /** ANNOTATE_POD_IP. */
  readonly annotatePodIp: boolean;
  /** ENABLE_POD_ENI: security groups for pods. */
  readonly podEni: boolean;
  /** POD_SECURITY_GROUP_ENFORCING_MODE (default strict). */
  readonly podSecurityGroupEnforcingMode: PodSecurityGroupEnforcingMode;
  /** NETWORK_POLICY_ENFORCING_MODE; `undefined` (unset or `""`) = the plugin does not call the policy agent. */
  readonly networkPolicyEnforcingMode: NetworkPolicyEnforcingMode | undefined;
  /** ENABLE_MULTI_NIC. */
  readonly multiNic: boolean;
  /** ENABLE_SUBNET_DISCOVERY (default true). */
  readonly subnetDiscovery: boolean;
  /** ENABLE_IMDS_ONLY_MODE: no EC2 calls at all. */
  readonly imdsOnlyMode: boolean;
  /** Not DISABLE_NETWORK_RESOURCE_PROVISIONING and not ENABLE_IMDS_ONLY_MODE. */
  readonly networkResourceProvisioning: boolean;
  /** Not DISABLE_LEAKED_ENI_CLEANUP and not ENABLE_IMDS_ONLY_MODE. */
  readonly leakedEniCleanup: boolean;
  /** MANAGE_UNTAGGED_ENI (default true). */
  readonly manageUntaggedEni: boolean;
  /** AWS_MANAGE_ENIS_NON_SCHEDULABLE. */
  readonly manageEnisNonSchedulable: boolean;
}

export interface NodeConfig {
  /** MY_NODE_NAME; `undefined` when unset (the plugin does not need it). */
  readonly name: string | undefined;
  /** MY_POD_NAME: the aws-node pod, for events. */
  readonly podName: string | undefined;
  /** CLUSTER_NAME: cluster/owner ENI tags, scope of leaked-ENI cleanup. */
  readonly clusterName: string | undefined;
  /** VPC_CNI_MAX_PODS: the node's max pods (kubelet --max-pods) when known; else the instance type's eni-max-pods. */
  readonly maxPods: number | undefined;
  /** ADDITIONAL_ENI_TAGS without the reserved `k8s.amazonaws.com` keys. */
  readonly additionalEniTags: Readonly<Record<string, string>>;
  /** VPC_CNI_VERSION: user-agent suffix. */
  readonly cniVersion: string | undefined;
}

export interface Config {
  /** ENABLE_IPv4 / ENABLE_IPv6: exactly one is on; IPv4 when neither is set. */
  readonly ipFamily: 'ipv4' | 'ipv6';
  readonly pool: PoolConfig;
  readonly customNetworking: CustomNetworkingConfig;
  readonly networking: NetworkingConfig;
  readonly logging: LoggingConfig;
  readonly endpoints: EndpointsConfig;
  readonly paths: PathsConfig;
  readonly servers: ServersConfig;
  readonly features: FeaturesConfig;
  readonly node: NodeConfig;
}

/** What {@link loadConfig} returns: the config and the warnings about deprecated or ignored input. */
export interface LoadedConfig {
  readonly config: Config;
  readonly warnings: readonly string[];
}
