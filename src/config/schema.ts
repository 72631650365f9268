/**
 * The one schema of the environment: a zod schema per variable, from its text (or `undefined` when unset) to its
 * typed value. Defaults are the reference's code defaults, except ENABLE_IPv4 (see `ipFamilyChoice` in rules.ts).
 * Rules that involve several variables live in rules.ts; the assembly into a `Config` in load.ts.
 *
 * @example
 * ENV_SCHEMA.IP_COOLDOWN_PERIOD.parse('45'); // 45000 (milliseconds)
 * ENV_SCHEMA.AWS_VPC_K8S_CNI_LOGLEVEL.parse('warn'); // 'warn'
 * ENV_SCHEMA.WARM_IP_TARGET.safeParse('-1').error?.issues[0]?.message; // 'expected an integer ≥ 0'
 */
import { z } from 'zod';
import {
  parseAbsolutePath,
  parseBindAddress,
  parseCidrList,
  parseConnmark,
  parseEniTags,
  parseHttpUrl,
  parseLogDestination,
  parseQualifiedKey,
  parseVethPrefix,
  DNS_SUBDOMAIN,
  type EniTags,
} from './formats.js';
import {
  bool,
  choice,
  envVar,
  ignored,
  integer,
  ok,
  optionalBool,
  parseChoice,
  parseInteger,
  seconds,
  text,
  type EnvSchema,
} from './parsers.js';
import type { BindAddress, LogDestination, LogLevel, NetworkPolicyEnforcingMode } from './types.js';
import { LOG_ROTATION_SETTINGS } from './log-rotation.js';

/** MTU bounds: 576 is the IPv4 minimum, 1280 the IPv6 one, 9001 the ENI jumbo-frame maximum. */
export const MTU = { min: 576, minIpv6: 1280, max: 9001 } as const;

const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'fatal'] as const satisfies readonly LogLevel[];
const logLevel = (): EnvSchema<LogLevel> => choice(LOG_LEVELS, 'debug', { ignoreCase: true });
const count = (whenUnset: number): EnvSchema<number> => integer(whenUnset, 0);
const path = (whenUnset: string): EnvSchema<string> => envVar(whenUnset, parseAbsolutePath);
const optionalPath = (): EnvSchema<string | undefined> => envVar<string | undefined>(undefined, parseAbsolutePath);
const url = (): EnvSchema<string | undefined> => envVar<string | undefined>(undefined, parseHttpUrl);
const cidrs = (): EnvSchema<readonly string[]> => envVar<readonly string[]>([], parseCidrList);
const k8sKey = (): EnvSchema<string> => envVar('k8s.amazonaws.com/eniConfig', parseQualifiedKey);
const k8sName = (what: string): EnvSchema<string | undefined> =>
  text(DNS_SUBDOMAIN, 253, `expected a Kubernetes ${what} name (lowercase RFC 1123 subdomain, at most 253 characters)`);
const rotationSetting = (name: keyof typeof LOG_ROTATION_SETTINGS): EnvSchema<number> => {
  const { default: whenUnset, min, max } = LOG_ROTATION_SETTINGS[name];
  return integer(whenUnset, min, max);
};
const logFile = (file: string, allowStdout: boolean): EnvSchema<LogDestination> =>
  envVar<LogDestination>({ to: 'file', path: file }, (value) => parseLogDestination(value, allowStdout));

export const ENV_SCHEMA = {
  ADDITIONAL_ENI_TAGS: envVar<EniTags>({ tags: {}, dropped: [] }, parseEniTags),
  ANNOTATE_POD_IP: bool(false),
  AWS_EC2_ENDPOINT: url(),
  AWS_EXTERNAL_SERVICE_CIDRS: cidrs(),
  AWS_MANAGE_ENIS_NON_SCHEDULABLE: bool(false),
  AWS_VPC_CNI_NODE_PORT_SUPPORT: bool(true),
  AWS_VPC_ENI_MTU: integer(MTU.max, MTU.min, MTU.max),
  AWS_VPC_K8S_CNI_BACKING_STORE: path('/var/run/aws-node/ipam.json'),
  AWS_VPC_K8S_CNI_CONNMARK: envVar(0x80, parseConnmark),
  AWS_VPC_K8S_CNI_CONFIGURE_RPFILTER: ignored(),
  AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: bool(false),
  AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS: cidrs(),
  AWS_VPC_K8S_CNI_EXTERNALSNAT: bool(false),
  AWS_VPC_K8S_CNI_LOGLEVEL: logLevel(),
  AWS_VPC_K8S_CNI_LOG_FILE: logFile('/host/var/log/aws-routed-eni/ipamd.log', true),
  AWS_VPC_K8S_CNI_RANDOMIZESNAT: choice(['prng', 'hashrandom', 'none'], 'prng'),
  AWS_VPC_K8S_CNI_VETHPREFIX: envVar('eni', parseVethPrefix),
  AWS_VPC_K8S_PLUGIN_LOG_FILE: envVar<LogDestination>(
    { to: 'file', path: '/var/log/aws-routed-eni/plugin.log' },
    (value) => (value === '' ? ok({ to: 'stderr' }) : parseLogDestination(value, false)),
  ),
  AWS_VPC_K8S_PLUGIN_LOG_LEVEL: logLevel(),
  AWS_VPC_K8S_EGRESS_V4_PLUGIN_LOG_FILE: logFile('/var/log/aws-routed-eni/egress-v4-plugin.log', false),
  AWS_VPC_K8S_EGRESS_V6_PLUGIN_LOG_FILE: logFile('/var/log/aws-routed-eni/egress-v6-plugin.log', false),
  CLUSTER_ENDPOINT: url(),
  CLUSTER_NAME: text(/^[\x21-\x7e]+$/, 256, 'expected at most 256 visible ASCII characters (an ENI tag value)'),
  DISABLE_INTROSPECTION: bool(false),
  DISABLE_LEAKED_ENI_CLEANUP: bool(false),
  DISABLE_METRICS: bool(false),
  DISABLE_NETWORK_RESOURCE_PROVISIONING: bool(false),
  DISABLE_POD_V6: bool(false),
  DISABLE_TCP_EARLY_DEMUX: bool(false),
  ENABLE_BANDWIDTH_PLUGIN: bool(false),
  ENABLE_IMDS_ONLY_MODE: bool(false),
  ENABLE_IPv4: optionalBool(),
  ENABLE_IPv6: optionalBool(),
  ENABLE_MULTI_NIC: bool(false),
  ENABLE_NFTABLES: ignored(),
  ENABLE_POD_ENI: bool(false),
  ENABLE_PREFIX_DELEGATION: bool(false),
  ENABLE_SUBNET_DISCOVERY: bool(true),
  ENABLE_V4_EGRESS: bool(true),
  ENABLE_V6_EGRESS: bool(false),
  ENI_CONFIG_ANNOTATION_DEF: k8sKey(),
  ENI_CONFIG_LABEL_DEF: k8sKey(),
  HOST_CNI_BIN_PATH: path('/host/opt/cni/bin'),
  HOST_CNI_CONFDIR_PATH: path('/host/etc/cni/net.d'),
  HTTP_TIMEOUT: seconds(10, 10),
  INTROSPECTION_BIND_ADDRESS: envVar<BindAddress>({ kind: 'tcp', host: '127.0.0.1', port: 61679 }, parseBindAddress),
  IP_COOLDOWN_PERIOD: seconds(30, 0),
  MANAGE_UNTAGGED_ENI: bool(true),
  MAX_ENI: envVar<number | undefined>(undefined, (value) =>
    parseInteger(value, 1, Number.MAX_SAFE_INTEGER, ' (unset it to use the instance limit)'),
  ),
  MINIMUM_IP_TARGET: count(0),
  MY_NODE_NAME: k8sName('node'),
  MY_POD_NAME: k8sName('pod'),
  // Any case, passed on verbatim as the reference does: the plugin hands the agent ipamd's text unchanged.
  NETWORK_POLICY_ENFORCING_MODE: envVar<NetworkPolicyEnforcingMode | undefined>(undefined, (value) => {
    const parsed = parseChoice(['none', 'strict', 'standard'], value, true);
    return parsed.ok ? { ...parsed, value } : parsed;
  }),
  POD_MTU: envVar<number | undefined>(undefined, (value) => parseInteger(value, MTU.min, MTU.max)),
  POD_SECURITY_GROUP_ENFORCING_MODE: choice(['strict', 'standard'], 'strict'),
  VPC_CNI_VERSION: text(/^[\x21-\x7e]+$/, 128, 'expected at most 128 visible ASCII characters, e.g. v1.23.1'),
  WARM_ENI_TARGET: count(1),
  WARM_IP_TARGET: count(0),
  WARM_PREFIX_TARGET: count(0),
  // Project variables (not in the reference).
  AWS_ENDPOINT_URL_EC2: url(),
  AWS_EC2_METADATA_SERVICE_ENDPOINT: url(),
  AWS_REGION: text(/^[a-z0-9]+(-[a-z0-9]+)*$/, 50, 'expected an AWS region name such as us-east-1'),
  VPC_CNI_HOST_NETNS: optionalPath(),
  VPC_CNI_IPAMD_SOCKET: path('/var/run/aws-node/ipamd.sock'),
  VPC_CNI_METRICS_BIND_ADDRESS: envVar<BindAddress>({ kind: 'tcp', host: '127.0.0.1', port: 61678 }, parseBindAddress),
  VPC_CNI_NODE_INFO_FILE: optionalPath(),
  VPC_CNI_ENICONFIG_DIR: optionalPath(),
  VPC_CNI_MAX_PODS: envVar<number | undefined>(undefined, (value) => parseInteger(value, 1, 100_000)),
  VPC_CNI_POOL_POLICY: choice(['reference', 'adaptive'], 'reference'),
  VPC_CNI_EC2_PACING_NODES: envVar<number | undefined>(undefined, (value) => parseInteger(value, 1, 1_000_000)),
  // The reference's lumberjack limits [behaviour §2.1]; 0 backups or days = no limit, as in lumberjack.
  VPC_CNI_LOG_MAX_SIZE_MB: rotationSetting('maxSizeMb'),
  VPC_CNI_LOG_MAX_BACKUPS: rotationSetting('maxBackups'),
  VPC_CNI_LOG_MAX_AGE_DAYS: rotationSetting('maxAgeDays'),
} as const satisfies Record<string, EnvSchema<unknown>>;

/** Every environment variable the loader reads. */
export type EnvName = keyof typeof ENV_SCHEMA;

export const ENV_NAMES = Object.keys(ENV_SCHEMA) as readonly EnvName[];

/** The whole environment as one zod object (the typed result of parsing every variable). */
export const envSchema = z.object(ENV_SCHEMA);

/** The parsed value of each variable, before the cross-variable rules and the assembly into a `Config`. */
export type EnvValues = z.output<typeof envSchema>;

/** Variables for which the empty string is a value rather than "unset" (`""` = stderr, as in the reference). */
export const EMPTY_IS_A_VALUE: ReadonlySet<EnvName> = new Set<EnvName>(['AWS_VPC_K8S_PLUGIN_LOG_FILE']);
