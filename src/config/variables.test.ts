// Every variable: its default when unset, valid values, and invalid values with the exact error line.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { problems } from './config.test-util.js';
import { loadConfig, type Environment } from './load.js';
import { BOOL_EXPECTED } from './parsers.js';
import { ENV_NAMES, type EnvName } from './schema.js';
import type { Config, LoadedConfig } from './types.js';

interface Case {
  readonly name: EnvName;
  readonly get: (loaded: LoadedConfig) => unknown;
  readonly unset: unknown;
  /** [text, parsed value]. */
  readonly valid: readonly (readonly [string, unknown])[];
  /** [text, what the error says is expected]. */
  readonly invalid: readonly (readonly [string, string])[];
  readonly base?: Environment;
}

const pick =
  (get: (c: Config) => unknown) =>
  (loaded: LoadedConfig): unknown =>
    get(loaded.config);

function flag(name: EnvName, get: (c: Config) => unknown, unset: boolean, invert = false): Case {
  const value = (b: boolean): boolean => (invert ? !b : b);
  return {
    name,
    get: pick(get),
    unset: value(unset),
    valid: [
      ['true', value(true)],
      ['0', value(false)],
      ['T', value(true)],
    ],
    invalid: [
      ['yes', BOOL_EXPECTED],
      [' true', BOOL_EXPECTED],
    ],
  };
}

/** A feature not built yet: false parses, true is refused naming the variable (config/rules.ts). */
function notImplemented(name: EnvName, what: string, get: (c: Config) => unknown): Case {
  return {
    name,
    get: pick(get),
    unset: false,
    valid: [
      ['false', false],
      ['0', false],
    ],
    invalid: [
      [
        'true',
        `${what} are not implemented by vpc-cni yet, and a setting must never be accepted and then ignored; ` +
          `set ${name}=false, or keep the reference's aws-node on the nodes that need it`,
      ],
      ['yes', BOOL_EXPECTED],
    ],
  };
}

const INT0 = 'expected an integer ≥ 0';
const MTU_RANGE = 'expected an integer from 576 to 9001';
const PATH = 'expected an absolute path';
const URL_EXPECTED = 'expected an http:// or https:// URL';
const CIDRS = 'expected comma-separated IPv4 CIDRs like 10.0.0.0/8';
const LEVELS = 'expected one of debug, info, warn, error, fatal (any case)';
const PLUGIN_LOG = 'expected stderr or an absolute file path (a plugin writes its CNI result on stdout)';
const K8S_KEY = 'expected a Kubernetes label/annotation key like k8s.amazonaws.com/eniConfig';
const TAGS = 'expected a JSON object of string keys to string values, e.g. {"team":"network"}';
const file = (path: string): unknown => ({ to: 'file', path });

/** A variable holding an absolute path: `example` is taken as it is, the relative `bad` is refused. */
function absolutePath(name: EnvName, get: (c: Config) => unknown, unset: unknown, example: string, bad: string): Case {
  return { name, get: pick(get), unset, valid: [[example, example]], invalid: [[bad, PATH]] };
}

/** An optional endpoint URL (unset: none): `example` is taken as it is, `bad` is refused. */
function url(name: EnvName, get: (c: Config) => unknown, example: string, bad: string): Case {
  return { name, get: pick(get), unset: undefined, valid: [[example, example]], invalid: [[bad, URL_EXPECTED]] };
}
const PD = { ENABLE_PREFIX_DELEGATION: 'true', WARM_PREFIX_TARGET: '1' };

const CASES: readonly Case[] = [
  {
    name: 'ADDITIONAL_ENI_TAGS',
    get: pick((c) => c.node.additionalEniTags),
    unset: {},
    valid: [['{"team":"net","cost-center":""}', { team: 'net', 'cost-center': '' }]],
    invalid: [
      ['{"team":1}', TAGS],
      ['[]', TAGS],
      ['{team:net}', TAGS],
      ['null', TAGS],
      ['{"aws:x":"y"}', `${TAGS}; keys starting with aws: are reserved`],
    ],
  },
  flag('ANNOTATE_POD_IP', (c) => c.features.annotatePodIp, false),
  {
    name: 'AWS_EC2_ENDPOINT',
    get: pick((c) => c.endpoints.ec2),
    unset: undefined,
    valid: [
      ['http://127.0.0.1:4566', 'http://127.0.0.1:4566'],
      ['https://ec2.us-east-1.amazonaws.com', 'https://ec2.us-east-1.amazonaws.com'],
    ],
    invalid: [
      ['ftp://x', URL_EXPECTED],
      ['ec2.local', URL_EXPECTED],
      ['https://u:p@h', 'expected an http(s) URL without user:password'],
    ],
  },
  {
    name: 'AWS_EXTERNAL_SERVICE_CIDRS',
    get: pick((c) => c.networking.externalServiceCidrs),
    unset: [],
    valid: [['10.1.0.0/16, 172.16.0.0/12,', ['10.1.0.0/16', '172.16.0.0/12']]],
    invalid: [
      ['10.1.0.0', `${CIDRS}: '10.1.0.0' is not a CIDR block (expected a.b.c.d/n)`],
      ['2001:db8::/32', `${CIDRS}: '2001:db8::' is not an IPv4 address (expected a.b.c.d)`],
    ],
  },
  flag('AWS_MANAGE_ENIS_NON_SCHEDULABLE', (c) => c.features.manageEnisNonSchedulable, false),
  flag('AWS_VPC_CNI_NODE_PORT_SUPPORT', (c) => c.networking.nodePortSupport, true),
  {
    name: 'AWS_VPC_ENI_MTU',
    get: pick((c) => c.networking.eniMtu),
    unset: 9001,
    valid: [
      ['1500', 1500],
      ['576', 576],
      ['9001', 9001],
    ],
    invalid: [
      ['575', MTU_RANGE],
      ['9002', MTU_RANGE],
      ['1500.5', MTU_RANGE],
      ['jumbo', MTU_RANGE],
    ],
  },
  absolutePath(
    'AWS_VPC_K8S_CNI_BACKING_STORE',
    (c) => c.paths.backingStore,
    '/var/run/aws-node/ipam.json',
    '/tmp/ipam.json',
    'ipam.json',
  ),
  {
    name: 'AWS_VPC_K8S_CNI_CONNMARK',
    get: pick((c) => c.networking.connmark),
    unset: 0x80,
    valid: [
      ['0x100', 256],
      ['128', 128],
      ['0XFFFFFFFF', 0xffffffff],
    ],
    invalid: ['0', '0200', '-1', '0x100000000', '4294967296', 'mark'].map(
      (v) => [v, 'expected a decimal or 0x-hexadecimal integer from 1 to 0xffffffff, e.g. 0x80'] as const,
    ),
  },
  {
    name: 'AWS_VPC_K8S_CNI_CONFIGURE_RPFILTER',
    get: (l) => l.warnings,
    unset: [],
    valid: [
      [
        'false',
        [
          "AWS_VPC_K8S_CNI_CONFIGURE_RPFILTER='false' is deprecated and ignored: rp_filter is always set to 2 (loose) on the primary interface",
        ],
      ],
    ],
    invalid: [],
  },
  flag('AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG', (c) => c.customNetworking.enabled, false),
  {
    name: 'AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS',
    get: pick((c) => c.networking.excludeSnatCidrs),
    unset: [],
    valid: [
      ['10.0.0.0/8', ['10.0.0.0/8']],
      ['0.0.0.0/0,192.168.1.1/32', ['0.0.0.0/0', '192.168.1.1/32']],
    ],
    invalid: [
      ['10.0.0.5/24', `${CIDRS}: '10.0.0.5/24' has host bits set; the network is 10.0.0.0/24`],
      ['10.0.0.0/33', `${CIDRS}: '10.0.0.0/33' has an invalid prefix length '33' (expected 0-32)`],
    ],
  },
  flag('AWS_VPC_K8S_CNI_EXTERNALSNAT', (c) => c.networking.externalSnat, false),
  {
    name: 'AWS_VPC_K8S_CNI_LOGLEVEL',
    get: pick((c) => c.logging.ipamdLevel),
    unset: 'debug',
    valid: [
      ['INFO', 'info'],
      ['Warn', 'warn'],
      ['error', 'error'],
      ['FATAL', 'fatal'],
    ],
    invalid: [['verbose', LEVELS]],
  },
  {
    name: 'AWS_VPC_K8S_CNI_LOG_FILE',
    get: pick((c) => c.logging.ipamdLog),
    unset: file('/host/var/log/aws-routed-eni/ipamd.log'),
    valid: [
      ['stdout', { to: 'stdout' }],
      ['stderr', { to: 'stderr' }],
      ['/tmp/ipamd.log', file('/tmp/ipamd.log')],
    ],
    invalid: [['ipamd.log', 'expected stdout, stderr or an absolute file path']],
  },
  {
    name: 'AWS_VPC_K8S_CNI_RANDOMIZESNAT',
    get: pick((c) => c.networking.randomizeSnat),
    unset: 'prng',
    valid: [
      ['hashrandom', 'hashrandom'],
      ['none', 'none'],
      ['prng', 'prng'],
    ],
    invalid: [
      ['random', 'expected one of prng, hashrandom, none'],
      ['PRNG', 'expected one of prng, hashrandom, none'],
    ],
  },
  {
    name: 'AWS_VPC_K8S_CNI_VETHPREFIX',
    get: pick((c) => c.networking.vethPrefix),
    unset: 'eni',
    valid: [
      ['veth', 'veth'],
      ['x', 'x'],
      ['ab_1', 'ab_1'],
    ],
    invalid: [
      ...['toolong', 'eth', 'lo', 'vlan'].map((v) => [v, 'expected at most 4 characters, not eth/lo/vlan'] as const),
      ['a b', "expected letters, digits, '-' or '_' only"],
      ['e/1', "expected letters, digits, '-' or '_' only"],
    ],
  },
  {
    name: 'AWS_VPC_K8S_PLUGIN_LOG_FILE',
    get: pick((c) => c.logging.pluginLog),
    unset: file('/var/log/aws-routed-eni/plugin.log'),
    valid: [
      ['', { to: 'stderr' }],
      ['stderr', { to: 'stderr' }],
      ['/tmp/p.log', file('/tmp/p.log')],
    ],
    invalid: [
      ['stdout', PLUGIN_LOG],
      ['plugin.log', PLUGIN_LOG],
    ],
  },
  {
    name: 'AWS_VPC_K8S_PLUGIN_LOG_LEVEL',
    get: pick((c) => c.logging.pluginLevel),
    unset: 'debug',
    valid: [['info', 'info']],
    invalid: [['trace', LEVELS]],
  },
  {
    name: 'AWS_VPC_K8S_EGRESS_V4_PLUGIN_LOG_FILE',
    get: pick((c) => c.logging.egressV4PluginLog),
    unset: file('/var/log/aws-routed-eni/egress-v4-plugin.log'),
    valid: [['stderr', { to: 'stderr' }]],
    invalid: [['stdout', PLUGIN_LOG]],
  },
  {
    name: 'AWS_VPC_K8S_EGRESS_V6_PLUGIN_LOG_FILE',
    get: pick((c) => c.logging.egressV6PluginLog),
    unset: file('/var/log/aws-routed-eni/egress-v6-plugin.log'),
    valid: [['/x.log', file('/x.log')]],
    invalid: [['x.log', PLUGIN_LOG]],
  },
  url('CLUSTER_ENDPOINT', (c) => c.endpoints.kubernetesApi, 'https://10.0.0.1:6443', '10.0.0.1:6443'),
  {
    name: 'CLUSTER_NAME',
    get: pick((c) => c.node.clusterName),
    unset: undefined,
    valid: [['prod-1', 'prod-1']],
    invalid: [['my cluster', 'expected at most 256 visible ASCII characters (an ENI tag value)']],
  },
  flag('DISABLE_INTROSPECTION', (c) => c.servers.introspection, false, true),
  flag('DISABLE_LEAKED_ENI_CLEANUP', (c) => c.features.leakedEniCleanup, false, true),
  flag('DISABLE_METRICS', (c) => c.servers.metrics, false, true),
  flag('DISABLE_NETWORK_RESOURCE_PROVISIONING', (c) => c.features.networkResourceProvisioning, false, true),
  flag('DISABLE_POD_V6', (c) => c.networking.podIpv6Disabled, false),
  flag('DISABLE_TCP_EARLY_DEMUX', (c) => c.networking.tcpEarlyDemuxDisabled, false),
  flag('ENABLE_BANDWIDTH_PLUGIN', (c) => c.networking.bandwidthPlugin, false),
  flag('ENABLE_IMDS_ONLY_MODE', (c) => c.features.imdsOnlyMode, false),
  {
    name: 'ENABLE_IPv4',
    get: pick((c) => c.ipFamily),
    unset: 'ipv4',
    valid: [
      ['true', 'ipv4'],
      ['1', 'ipv4'],
    ],
    invalid: [['yes', BOOL_EXPECTED]],
  },
  {
    name: 'ENABLE_IPv6',
    get: pick((c) => c.ipFamily),
    unset: 'ipv4',
    valid: [
      ['true', 'ipv6'],
      ['false', 'ipv4'],
    ],
    invalid: [['on', BOOL_EXPECTED]],
    base: PD,
  },
  notImplemented('ENABLE_MULTI_NIC', 'pod interfaces on several network cards (multi-NIC)', (c) => c.features.multiNic),
  {
    name: 'ENABLE_NFTABLES',
    get: (l) => l.warnings,
    unset: [],
    valid: [
      [
        'anything',
        [
          "ENABLE_NFTABLES='anything' is deprecated and ignored: the iptables backend (legacy or nftables) is detected automatically",
        ],
      ],
    ],
    invalid: [],
  },
  notImplemented('ENABLE_POD_ENI', 'security groups for pods (trunk and branch ENIs)', (c) => c.features.podEni),
  { ...flag('ENABLE_PREFIX_DELEGATION', (c) => c.pool.prefixDelegation, false), base: { WARM_PREFIX_TARGET: '1' } },
  flag('ENABLE_SUBNET_DISCOVERY', (c) => c.features.subnetDiscovery, true),
  flag('ENABLE_V4_EGRESS', (c) => c.networking.v4Egress, true),
  flag('ENABLE_V6_EGRESS', (c) => c.networking.v6Egress, false),
  ...(['ENI_CONFIG_ANNOTATION_DEF', 'ENI_CONFIG_LABEL_DEF'] as const).map((name): Case => ({
    name,
    get: pick((c) =>
      name === 'ENI_CONFIG_LABEL_DEF'
        ? c.customNetworking.eniConfigLabelKey
        : c.customNetworking.eniConfigAnnotationKey,
    ),
    unset: 'k8s.amazonaws.com/eniConfig',
    valid: [
      ['topology.kubernetes.io/zone', 'topology.kubernetes.io/zone'],
      ['eniConfig', 'eniConfig'],
    ],
    invalid: [
      ['bad key', K8S_KEY],
      ['Example.COM/x', K8S_KEY],
      ['a/b/c', K8S_KEY],
      ['x/', K8S_KEY],
    ],
  })),
  absolutePath('HOST_CNI_BIN_PATH', (c) => c.paths.hostCniBinDir, '/host/opt/cni/bin', '/opt/cni/bin', 'opt/cni/bin'),
  absolutePath(
    'HOST_CNI_CONFDIR_PATH',
    (c) => c.paths.hostCniConfDir,
    '/host/etc/cni/net.d',
    '/etc/cni/net.d',
    './net.d',
  ),
  {
    name: 'HTTP_TIMEOUT',
    get: pick((c) => c.endpoints.httpTimeoutMs),
    unset: 10_000,
    valid: [
      ['10', 10_000],
      ['60', 60_000],
    ],
    invalid: ['9', '0', '-10', '10s', '2147484'].map(
      (v) => [v, 'expected an integer number of seconds from 10 to 2147483'] as const,
    ),
  },
  {
    name: 'INTROSPECTION_BIND_ADDRESS',
    get: pick((c) => c.servers.introspectionBindAddress),
    unset: { kind: 'tcp', host: '127.0.0.1', port: 61679 },
    valid: [
      ['0.0.0.0:8080', { kind: 'tcp', host: '0.0.0.0', port: 8080 }],
      [':61679', { kind: 'tcp', host: '', port: 61679 }],
      ['[::1]:61679', { kind: 'tcp', host: '::1', port: 61679 }],
      ['localhost:1', { kind: 'tcp', host: 'localhost', port: 1 }],
      ['unix:/run/aws-node/introspection.sock', { kind: 'unix', path: '/run/aws-node/introspection.sock' }],
    ],
    invalid: ['127.0.0.1', '127.0.0.1:0', '127.0.0.1:65536', '::1:80', 'unix:relative.sock', 'bad host:80'].map(
      (v) => [v, 'expected host:port (e.g. 127.0.0.1:61679 or [::1]:61679) or unix:/absolute/path'] as const,
    ),
  },
  {
    name: 'IP_COOLDOWN_PERIOD',
    get: pick((c) => c.pool.ipCooldownMs),
    unset: 30_000,
    valid: [
      ['0', 0],
      ['45', 45_000],
    ],
    invalid: ['-5', '1.5', '30s'].map((v) => [v, 'expected an integer number of seconds from 0 to 2147483'] as const),
  },
  flag('MANAGE_UNTAGGED_ENI', (c) => c.features.manageUntaggedEni, true),
  {
    name: 'MAX_ENI',
    get: pick((c) => c.pool.maxEni),
    unset: undefined,
    valid: [
      ['1', 1],
      ['3', 3],
    ],
    invalid: ['0', '-1', 'all'].map(
      (v) => [v, 'expected an integer ≥ 1 (unset it to use the instance limit)'] as const,
    ),
  },
  {
    name: 'MINIMUM_IP_TARGET',
    get: pick((c) => c.pool.minimumIpTarget),
    unset: 0,
    valid: [['10', 10]],
    invalid: [
      ['ten', INT0],
      ['-1', INT0],
      ['1e3', INT0],
    ],
  },
  {
    name: 'MY_NODE_NAME',
    get: pick((c) => c.node.name),
    unset: undefined,
    valid: [['ip-10-0-0-1.ec2.internal', 'ip-10-0-0-1.ec2.internal']],
    invalid: [['Node_1', 'expected a Kubernetes node name (lowercase RFC 1123 subdomain, at most 253 characters)']],
  },
  {
    name: 'MY_POD_NAME',
    get: pick((c) => c.node.podName),
    unset: undefined,
    valid: [['aws-node-x7k2p', 'aws-node-x7k2p']],
    invalid: [['-pod', 'expected a Kubernetes pod name (lowercase RFC 1123 subdomain, at most 253 characters)']],
  },
  {
    name: 'NETWORK_POLICY_ENFORCING_MODE',
    get: pick((c) => c.features.networkPolicyEnforcingMode),
    unset: undefined,
    valid: [
      ['standard', 'standard'],
      ['strict', 'strict'],
      ['none', 'none'],
      ['Strict', 'Strict'],
      ['', undefined],
    ],
    invalid: [['enforce', 'expected one of none, strict, standard (any case)']],
  },
  {
    name: 'POD_MTU',
    get: pick((c) => c.networking.podMtu),
    unset: 9001,
    valid: [['1500', 1500]],
    invalid: [
      ['100', MTU_RANGE],
      ['9500', MTU_RANGE],
    ],
  },
  {
    name: 'POD_SECURITY_GROUP_ENFORCING_MODE',
    get: pick((c) => c.features.podSecurityGroupEnforcingMode),
    unset: 'strict',
    valid: [['standard', 'standard']],
    invalid: [['loose', 'expected one of strict, standard']],
  },
  {
    name: 'VPC_CNI_VERSION',
    get: pick((c) => c.node.cniVersion),
    unset: undefined,
    valid: [['v1.23.1', 'v1.23.1']],
    invalid: [['v1 2', 'expected at most 128 visible ASCII characters, e.g. v1.23.1']],
  },
  {
    name: 'WARM_ENI_TARGET',
    get: pick((c) => c.pool.warmEniTarget),
    unset: 1,
    valid: [
      ['0', 0],
      ['+2', 2],
    ],
    invalid: [
      ['-1', INT0],
      ['one', INT0],
    ],
  },
  {
    name: 'WARM_IP_TARGET',
    get: pick((c) => c.pool.warmIpTarget),
    unset: 0,
    valid: [
      ['5', 5],
      ['007', 7],
    ],
    invalid: [
      ['-1', INT0],
      ['5.0', INT0],
      ['99999999999999999999', INT0],
    ],
  },
  {
    name: 'WARM_PREFIX_TARGET',
    get: pick((c) => c.pool.warmPrefixTarget),
    unset: 0,
    valid: [['1', 1]],
    invalid: [
      ['-1', INT0],
      ['0x1', INT0],
    ],
  },
  url('AWS_ENDPOINT_URL_EC2', (c) => c.endpoints.ec2, 'http://localhost:4566', 'localhost:4566'),
  url('AWS_EC2_METADATA_SERVICE_ENDPOINT', (c) => c.endpoints.imds, 'http://127.0.0.1:1338', '169.254.169.254'),
  {
    name: 'AWS_REGION',
    get: pick((c) => c.endpoints.region),
    unset: undefined,
    valid: [
      ['eu-west-1', 'eu-west-1'],
      ['us-gov-west-1', 'us-gov-west-1'],
    ],
    invalid: [['EU West', 'expected an AWS region name such as us-east-1']],
  },
  absolutePath('VPC_CNI_HOST_NETNS', (c) => c.paths.hostNetns, undefined, '/var/run/netns/node-1', 'node-1'),
  absolutePath(
    'VPC_CNI_IPAMD_SOCKET',
    (c) => c.paths.ipamdSocket,
    '/var/run/aws-node/ipamd.sock',
    '/run/vpc-cni/n1/ipamd.sock',
    'ipamd.sock',
  ),
  {
    name: 'VPC_CNI_METRICS_BIND_ADDRESS',
    get: pick((c) => c.servers.metricsBindAddress),
    unset: { kind: 'tcp', host: '127.0.0.1', port: 61678 },
    valid: [['127.0.0.1:9100', { kind: 'tcp', host: '127.0.0.1', port: 9100 }]],
    invalid: [['9100', 'expected host:port (e.g. 127.0.0.1:61679 or [::1]:61679) or unix:/absolute/path']],
  },
  absolutePath(
    'VPC_CNI_NODE_INFO_FILE',
    (c) => c.customNetworking.staticNodeFile,
    undefined,
    '/etc/vpc-cni/nodes.yaml',
    'nodes.yaml',
  ),
  absolutePath(
    'VPC_CNI_ENICONFIG_DIR',
    (c) => c.customNetworking.staticEniConfigDir,
    undefined,
    '/etc/vpc-cni/eniconfigs',
    'eniconfigs',
  ),
  {
    name: 'VPC_CNI_MAX_PODS',
    get: pick((c) => c.node.maxPods),
    unset: undefined,
    valid: [['110', 110]],
    invalid: [['0', 'expected an integer from 1 to 100000']],
  },
  {
    name: 'VPC_CNI_EC2_PACING_NODES',
    get: pick((c) => c.endpoints.ec2PacingNodes),
    unset: undefined,
    valid: [
      ['1000', 1000],
      ['1', 1],
    ],
    invalid: [
      ['0', 'expected an integer from 1 to 1000000'],
      ['many', 'expected an integer from 1 to 1000000'],
    ],
  },
  {
    name: 'VPC_CNI_LOG_MAX_SIZE_MB',
    get: pick((c) => c.logging.rotation.maxBytes),
    unset: 100 * 1024 * 1024,
    valid: [
      ['1', 1024 * 1024],
      ['1048576', 1024 ** 4],
    ],
    invalid: [
      ['0', 'expected an integer from 1 to 1048576'],
      ['100M', 'expected an integer from 1 to 1048576'],
      ['1.5', 'expected an integer from 1 to 1048576'],
    ],
  },
  {
    name: 'VPC_CNI_LOG_MAX_BACKUPS',
    get: pick((c) => c.logging.rotation.maxBackups),
    unset: 5,
    valid: [
      ['0', 0],
      ['20', 20],
    ],
    invalid: [
      ['-1', 'expected an integer from 0 to 100000'],
      ['all', 'expected an integer from 0 to 100000'],
    ],
  },
  {
    name: 'VPC_CNI_LOG_MAX_AGE_DAYS',
    get: pick((c) => c.logging.rotation.maxAgeMs),
    unset: 30 * 86_400_000,
    valid: [
      ['0', 0],
      ['7', 7 * 86_400_000],
    ],
    invalid: [
      ['-7', 'expected an integer from 0 to 36500'],
      ['36501', 'expected an integer from 0 to 36500'],
      ['7d', 'expected an integer from 0 to 36500'],
    ],
  },
  {
    name: 'VPC_CNI_POOL_POLICY',
    get: pick((c) => c.pool.policy),
    unset: 'reference',
    valid: [
      ['adaptive', 'adaptive'],
      ['reference', 'reference'],
    ],
    invalid: [['smart', 'expected one of reference, adaptive']],
  },
];

describe('every environment variable', () => {
  it('has a case here for each variable the schema reads', () => {
    assert.deepEqual(CASES.map((c) => c.name).sort(), [...ENV_NAMES].sort());
  });

  for (const c of CASES) {
    describe(c.name, () => {
      const base = c.base ?? {};
      it('has its default when unset or empty', () => {
        assert.deepEqual(c.get(loadConfig(base)), c.unset);
        if (c.name !== 'AWS_VPC_K8S_PLUGIN_LOG_FILE')
          assert.deepEqual(c.get(loadConfig({ ...base, [c.name]: '' })), c.unset);
      });
      for (const [text, value] of c.valid) {
        it(`accepts '${text}'`, () => assert.deepEqual(c.get(loadConfig({ ...base, [c.name]: text })), value));
      }
      for (const [text, expected] of c.invalid) {
        it(`rejects '${text}' naming the variable and the value`, () => {
          assert.deepEqual(problems({ ...base, [c.name]: text }), [`${c.name}='${text}': ${expected}`]);
        });
      }
    });
  }
});
