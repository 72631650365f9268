/**
 * Loads the configuration once, at start-up: reads the variables of {@link ENV_SCHEMA} from an environment object,
 * parses each, checks the cross-variable rules, and returns a deeply frozen {@link Config}. Any invalid value is a
 * {@link ConfigError} that lists every problem; nothing silently falls back to a default.
 *
 * @example
 * const { config, warnings } = loadConfig({ WARM_IP_TARGET: '5', ENABLE_NFTABLES: 'true' });
 * config.pool.warmIpTarget; // 5
 * warnings; // ["ENABLE_NFTABLES='true' is deprecated and ignored: ..."]
 *
 * loadConfig({ WARM_IP_TARGET: '-1', AWS_VPC_ENI_MTU: 'big' });
 * // throws ConfigError: invalid configuration (2 problems):
 * //   - AWS_VPC_ENI_MTU='big': expected an integer from 576 to 9001
 * //   - WARM_IP_TARGET='-1': expected an integer ≥ 0
 */
import { invalidConfig } from './errors.js';
import { showValue } from './parsers.js';
import { checkRules, ipFamilyChoice, type RawEnv } from './rules.js';
import { EMPTY_IS_A_VALUE, ENV_NAMES, ENV_SCHEMA, type EnvName, type EnvValues } from './schema.js';
import { logRotation } from './log-rotation.js';
import type { Config, LoadedConfig } from './types.js';

/** An environment: `process.env`, or a plain object in tests and tools. */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Parses the environment into a frozen config plus warnings (deprecated or ignored input).
 *
 * @throws ConfigError (code INVALID_CONFIG, CNI code 4) listing every invalid variable and broken rule.
 * @example
 * const { config } = loadConfig({ ENABLE_IPv6: 'true', ENABLE_PREFIX_DELEGATION: 'true' });
 * config.ipFamily; // 'ipv6'
 */
export function loadConfig(env: Environment): LoadedConfig {
  const problems: string[] = [];
  const failed = new Set<EnvName>();
  const raw = readEnv(env, (name, problem) => {
    failed.add(name);
    problems.push(problem);
  });
  const entries = ENV_NAMES.map((name): [EnvName, unknown] => {
    const input = raw[name];
    const result = ENV_SCHEMA[name].safeParse(input);
    if (result.success) return [name, result.data];
    failed.add(name);
    for (const issue of result.error.issues) problems.push(`${name}=${showValue(input ?? '')}: ${issue.message}`);
    return [name, ENV_SCHEMA[name].parse(undefined)]; // a stand-in so the other rules can run; never returned
  });
  const values = Object.fromEntries(entries) as EnvValues;
  const outcome = checkRules(values, raw, failed);
  problems.push(...outcome.problems);
  if (problems.length > 0) throw invalidConfig(problems);
  return deepFreeze({ config: assemble(values), warnings: [...outcome.warnings] });
}

/**
 * {@link loadConfig} of this process's environment; the only place the program reads `process.env`.
 *
 * @example
 * const { config, warnings } = loadConfigFromProcess();
 */
export function loadConfigFromProcess(): LoadedConfig {
  return loadConfig(process.env);
}

/** Picks the known variables; `""` counts as unset except where the reference gives it a meaning. */
function readEnv(env: Environment, reject: (name: EnvName, problem: string) => void): RawEnv {
  const raw: RawEnv = {};
  for (const name of ENV_NAMES) {
    const value: unknown = Object.hasOwn(env, name) ? env[name] : undefined; // never inherited properties
    if (value === undefined) continue;
    if (typeof value !== 'string') {
      reject(name, `${name}: expected a string, got ${value === null ? 'null' : typeof value}`);
      continue;
    }
    if (value !== '' || EMPTY_IS_A_VALUE.has(name)) raw[name] = value;
  }
  return raw;
}

function assemble(v: EnvValues): Config {
  const family = ipFamilyChoice(v.ENABLE_IPv4, v.ENABLE_IPv6);
  return {
    ipFamily: family === 'ipv6' ? 'ipv6' : 'ipv4', // 'both'/'neither' were rejected by the rules
    pool: {
      prefixDelegation: v.ENABLE_PREFIX_DELEGATION,
      warmEniTarget: v.WARM_ENI_TARGET,
      warmIpTarget: v.WARM_IP_TARGET,
      minimumIpTarget: v.MINIMUM_IP_TARGET,
      warmPrefixTarget: v.WARM_PREFIX_TARGET,
      policy: v.VPC_CNI_POOL_POLICY,
      maxEni: v.MAX_ENI,
      ipCooldownMs: v.IP_COOLDOWN_PERIOD,
    },
    customNetworking: {
      enabled: v.AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG,
      eniConfigAnnotationKey: v.ENI_CONFIG_ANNOTATION_DEF,
      eniConfigLabelKey: v.ENI_CONFIG_LABEL_DEF,
      staticNodeFile: v.VPC_CNI_NODE_INFO_FILE,
      staticEniConfigDir: v.VPC_CNI_ENICONFIG_DIR,
    },
    networking: {
      eniMtu: v.AWS_VPC_ENI_MTU,
      podMtu: v.POD_MTU ?? v.AWS_VPC_ENI_MTU,
      vethPrefix: v.AWS_VPC_K8S_CNI_VETHPREFIX,
      externalSnat: v.AWS_VPC_K8S_CNI_EXTERNALSNAT,
      randomizeSnat: v.AWS_VPC_K8S_CNI_RANDOMIZESNAT,
      excludeSnatCidrs: v.AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS,
      externalServiceCidrs: v.AWS_EXTERNAL_SERVICE_CIDRS,
      connmark: v.AWS_VPC_K8S_CNI_CONNMARK,
      nodePortSupport: v.AWS_VPC_CNI_NODE_PORT_SUPPORT,
      v4Egress: v.ENABLE_V4_EGRESS,
      v6Egress: v.ENABLE_V6_EGRESS,
      podIpv6Disabled: v.DISABLE_POD_V6,
      tcpEarlyDemuxDisabled: v.DISABLE_TCP_EARLY_DEMUX,
      bandwidthPlugin: v.ENABLE_BANDWIDTH_PLUGIN,
    },
    logging: {
      ipamdLevel: v.AWS_VPC_K8S_CNI_LOGLEVEL,
      ipamdLog: v.AWS_VPC_K8S_CNI_LOG_FILE,
      pluginLevel: v.AWS_VPC_K8S_PLUGIN_LOG_LEVEL,
      pluginLog: v.AWS_VPC_K8S_PLUGIN_LOG_FILE,
      egressV4PluginLog: v.AWS_VPC_K8S_EGRESS_V4_PLUGIN_LOG_FILE,
      egressV6PluginLog: v.AWS_VPC_K8S_EGRESS_V6_PLUGIN_LOG_FILE,
      rotation: logRotation({
        maxSizeMb: v.VPC_CNI_LOG_MAX_SIZE_MB,
        maxBackups: v.VPC_CNI_LOG_MAX_BACKUPS,
        maxAgeDays: v.VPC_CNI_LOG_MAX_AGE_DAYS,
      }),
    },
    endpoints: {
      ec2: v.AWS_EC2_ENDPOINT ?? v.AWS_ENDPOINT_URL_EC2,
      imds: v.AWS_EC2_METADATA_SERVICE_ENDPOINT,
      kubernetesApi: v.CLUSTER_ENDPOINT,
      region: v.AWS_REGION,
      httpTimeoutMs: v.HTTP_TIMEOUT,
      ec2PacingNodes: v.VPC_CNI_EC2_PACING_NODES,
    },
    paths: {
      backingStore: v.AWS_VPC_K8S_CNI_BACKING_STORE,
      hostCniBinDir: v.HOST_CNI_BIN_PATH,
      hostCniConfDir: v.HOST_CNI_CONFDIR_PATH,
      hostNetns: v.VPC_CNI_HOST_NETNS,
      ipamdSocket: v.VPC_CNI_IPAMD_SOCKET,
    },
    servers: {
      introspection: !v.DISABLE_INTROSPECTION,
      introspectionBindAddress: v.INTROSPECTION_BIND_ADDRESS,
      metrics: !v.DISABLE_METRICS,
      metricsBindAddress: v.VPC_CNI_METRICS_BIND_ADDRESS,
    },
    features: {
      annotatePodIp: v.ANNOTATE_POD_IP,
      podEni: v.ENABLE_POD_ENI,
      podSecurityGroupEnforcingMode: v.POD_SECURITY_GROUP_ENFORCING_MODE,
      networkPolicyEnforcingMode: v.NETWORK_POLICY_ENFORCING_MODE,
      multiNic: v.ENABLE_MULTI_NIC,
      subnetDiscovery: v.ENABLE_SUBNET_DISCOVERY,
      imdsOnlyMode: v.ENABLE_IMDS_ONLY_MODE,
      networkResourceProvisioning: !v.DISABLE_NETWORK_RESOURCE_PROVISIONING && !v.ENABLE_IMDS_ONLY_MODE,
      leakedEniCleanup: !v.DISABLE_LEAKED_ENI_CLEANUP && !v.ENABLE_IMDS_ONLY_MODE,
      manageUntaggedEni: v.MANAGE_UNTAGGED_ENI,
      manageEnisNonSchedulable: v.AWS_MANAGE_ENIS_NON_SCHEDULABLE,
    },
    node: {
      name: v.MY_NODE_NAME,
      podName: v.MY_POD_NAME,
      clusterName: v.CLUSTER_NAME,
      maxPods: v.VPC_CNI_MAX_PODS,
      additionalEniTags: v.ADDITIONAL_ENI_TAGS.tags,
      cniVersion: v.VPC_CNI_VERSION,
    },
  };
}

/** Freezes an object graph of plain objects and arrays (the config has nothing else). */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.freeze(value);
    for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key]);
  }
  return value;
}
