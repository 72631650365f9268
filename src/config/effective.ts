/**
 * The effective settings: every (non-deprecated) variable's value as the config applies it, in the reference's
 * environment spelling. For `/v1/networkutils-env-settings`-style views and `vpc-cni config`; it shows what the
 * program uses, not a re-read of the environment. Unset optional values are `''`. Loading the result again gives
 * an equal config.
 *
 * @example
 * const { config } = loadConfig({ ENABLE_IMDS_ONLY_MODE: 'true' });
 * effectiveSettings(config).DISABLE_NETWORK_RESOURCE_PROVISIONING; // 'true' (implied by IMDS-only mode)
 * effectiveSettings(config).AWS_VPC_K8S_CNI_CONNMARK; // '0x80'
 */
import { formatBindAddress, formatConnmark, formatLogDestination } from './formats.js';
import type { DeprecatedName } from './rules.js';
import type { EnvName } from './schema.js';
import { DAY_MS, MIB } from './log-rotation.js';
import type { Config, LogLevel } from './types.js';

export type EffectiveName = Exclude<EnvName, DeprecatedName>;
export type EffectiveSettings = Readonly<Record<EffectiveName, string>>;

const text = (value: string | number | boolean | undefined): string => (value === undefined ? '' : String(value));
const level = (value: LogLevel): string => value.toUpperCase();

const SHOW: { readonly [K in EffectiveName]: (c: Config) => string } = {
  ADDITIONAL_ENI_TAGS: (c) => JSON.stringify(c.node.additionalEniTags),
  ANNOTATE_POD_IP: (c) => text(c.features.annotatePodIp),
  AWS_EC2_ENDPOINT: (c) => text(c.endpoints.ec2),
  AWS_EXTERNAL_SERVICE_CIDRS: (c) => c.networking.externalServiceCidrs.join(','),
  AWS_MANAGE_ENIS_NON_SCHEDULABLE: (c) => text(c.features.manageEnisNonSchedulable),
  AWS_VPC_CNI_NODE_PORT_SUPPORT: (c) => text(c.networking.nodePortSupport),
  AWS_VPC_ENI_MTU: (c) => text(c.networking.eniMtu),
  AWS_VPC_K8S_CNI_BACKING_STORE: (c) => c.paths.backingStore,
  AWS_VPC_K8S_CNI_CONNMARK: (c) => formatConnmark(c.networking.connmark),
  AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: (c) => text(c.customNetworking.enabled),
  AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS: (c) => c.networking.excludeSnatCidrs.join(','),
  AWS_VPC_K8S_CNI_EXTERNALSNAT: (c) => text(c.networking.externalSnat),
  AWS_VPC_K8S_CNI_LOGLEVEL: (c) => level(c.logging.ipamdLevel),
  AWS_VPC_K8S_CNI_LOG_FILE: (c) => formatLogDestination(c.logging.ipamdLog),
  AWS_VPC_K8S_CNI_RANDOMIZESNAT: (c) => c.networking.randomizeSnat,
  AWS_VPC_K8S_CNI_VETHPREFIX: (c) => c.networking.vethPrefix,
  AWS_VPC_K8S_PLUGIN_LOG_FILE: (c) => formatLogDestination(c.logging.pluginLog),
  AWS_VPC_K8S_PLUGIN_LOG_LEVEL: (c) => level(c.logging.pluginLevel),
  AWS_VPC_K8S_EGRESS_V4_PLUGIN_LOG_FILE: (c) => formatLogDestination(c.logging.egressV4PluginLog),
  AWS_VPC_K8S_EGRESS_V6_PLUGIN_LOG_FILE: (c) => formatLogDestination(c.logging.egressV6PluginLog),
  CLUSTER_ENDPOINT: (c) => text(c.endpoints.kubernetesApi),
  CLUSTER_NAME: (c) => text(c.node.clusterName),
  DISABLE_INTROSPECTION: (c) => text(!c.servers.introspection),
  DISABLE_LEAKED_ENI_CLEANUP: (c) => text(!c.features.leakedEniCleanup),
  DISABLE_METRICS: (c) => text(!c.servers.metrics),
  DISABLE_NETWORK_RESOURCE_PROVISIONING: (c) => text(!c.features.networkResourceProvisioning),
  DISABLE_POD_V6: (c) => text(c.networking.podIpv6Disabled),
  DISABLE_TCP_EARLY_DEMUX: (c) => text(c.networking.tcpEarlyDemuxDisabled),
  ENABLE_BANDWIDTH_PLUGIN: (c) => text(c.networking.bandwidthPlugin),
  ENABLE_IMDS_ONLY_MODE: (c) => text(c.features.imdsOnlyMode),
  ENABLE_IPv4: (c) => text(c.ipFamily === 'ipv4'),
  ENABLE_IPv6: (c) => text(c.ipFamily === 'ipv6'),
  ENABLE_MULTI_NIC: (c) => text(c.features.multiNic),
  ENABLE_POD_ENI: (c) => text(c.features.podEni),
  ENABLE_PREFIX_DELEGATION: (c) => text(c.pool.prefixDelegation),
  ENABLE_SUBNET_DISCOVERY: (c) => text(c.features.subnetDiscovery),
  ENABLE_V4_EGRESS: (c) => text(c.networking.v4Egress),
  ENABLE_V6_EGRESS: (c) => text(c.networking.v6Egress),
  ENI_CONFIG_ANNOTATION_DEF: (c) => c.customNetworking.eniConfigAnnotationKey,
  ENI_CONFIG_LABEL_DEF: (c) => c.customNetworking.eniConfigLabelKey,
  HOST_CNI_BIN_PATH: (c) => c.paths.hostCniBinDir,
  HOST_CNI_CONFDIR_PATH: (c) => c.paths.hostCniConfDir,
  HTTP_TIMEOUT: (c) => text(c.endpoints.httpTimeoutMs / 1000),
  INTROSPECTION_BIND_ADDRESS: (c) => formatBindAddress(c.servers.introspectionBindAddress),
  IP_COOLDOWN_PERIOD: (c) => text(c.pool.ipCooldownMs / 1000),
  MANAGE_UNTAGGED_ENI: (c) => text(c.features.manageUntaggedEni),
  MAX_ENI: (c) => text(c.pool.maxEni),
  MINIMUM_IP_TARGET: (c) => text(c.pool.minimumIpTarget),
  MY_NODE_NAME: (c) => text(c.node.name),
  MY_POD_NAME: (c) => text(c.node.podName),
  NETWORK_POLICY_ENFORCING_MODE: (c) => text(c.features.networkPolicyEnforcingMode),
  POD_MTU: (c) => text(c.networking.podMtu),
  POD_SECURITY_GROUP_ENFORCING_MODE: (c) => c.features.podSecurityGroupEnforcingMode,
  VPC_CNI_VERSION: (c) => text(c.node.cniVersion),
  WARM_ENI_TARGET: (c) => text(c.pool.warmEniTarget),
  WARM_IP_TARGET: (c) => text(c.pool.warmIpTarget),
  WARM_PREFIX_TARGET: (c) => text(c.pool.warmPrefixTarget),
  AWS_ENDPOINT_URL_EC2: (c) => text(c.endpoints.ec2),
  AWS_EC2_METADATA_SERVICE_ENDPOINT: (c) => text(c.endpoints.imds),
  AWS_REGION: (c) => text(c.endpoints.region),
  VPC_CNI_HOST_NETNS: (c) => text(c.paths.hostNetns),
  VPC_CNI_IPAMD_SOCKET: (c) => c.paths.ipamdSocket,
  VPC_CNI_METRICS_BIND_ADDRESS: (c) => formatBindAddress(c.servers.metricsBindAddress),
  VPC_CNI_NODE_INFO_FILE: (c) => text(c.customNetworking.staticNodeFile),
  VPC_CNI_ENICONFIG_DIR: (c) => text(c.customNetworking.staticEniConfigDir),
  VPC_CNI_MAX_PODS: (c) => text(c.node.maxPods),
  VPC_CNI_POOL_POLICY: (c) => c.pool.policy,
  VPC_CNI_EC2_PACING_NODES: (c) => text(c.endpoints.ec2PacingNodes),
  VPC_CNI_LOG_MAX_SIZE_MB: (c) => text(c.logging.rotation.maxBytes / MIB),
  VPC_CNI_LOG_MAX_BACKUPS: (c) => text(c.logging.rotation.maxBackups),
  VPC_CNI_LOG_MAX_AGE_DAYS: (c) => text(c.logging.rotation.maxAgeMs / DAY_MS),
};

/**
 * Every non-deprecated variable's effective value, in the reference's spelling (booleans `true`/`false`, log
 * levels upper case, durations in seconds, the connmark in hex), keyed by variable name.
 *
 * @example
 * effectiveSettings(loadConfig({}).config).WARM_ENI_TARGET; // '1'
 */
export function effectiveSettings(config: Config): EffectiveSettings {
  const entries = (Object.keys(SHOW) as EffectiveName[]).map((name) => [name, SHOW[name](config)] as const);
  return Object.freeze(Object.fromEntries(entries) as Record<EffectiveName, string>);
}
