/**
 * The documentation table of every environment variable the loader reads: name, default (as text), the components
 * that use it and what it does. `--help`, the docs and the effective-settings view are generated from it; a test
 * keeps it in step with the schema.
 *
 * @example
 * for (const v of CONFIG_VARIABLES) console.log(`${v.name}=${v.default}  ${v.description}`);
 * configVariable('WARM_IP_TARGET').components; // ['entrypoint', 'ipamd']
 */
import type { EnvName } from './schema.js';

/** Reference component letters: I init, E entrypoint (conflist), D ipamd, P plugin, G egress-cni. */
export type Component = 'init' | 'entrypoint' | 'ipamd' | 'plugin' | 'egress-cni';

export interface ConfigVariable {
  readonly name: EnvName;
  /** The default as the user would write it; `''` = unset. */
  readonly default: string;
  readonly components: readonly Component[];
  readonly description: string;
  /** `reference`: same name and meaning as the Amazon VPC CNI; `project`: this implementation's addition. */
  readonly origin: 'reference' | 'project';
  /** Accepted and ignored with a warning. */
  readonly deprecated: boolean;
}

const LETTERS: Readonly<Record<string, Component>> = {
  I: 'init',
  E: 'entrypoint',
  D: 'ipamd',
  P: 'plugin',
  G: 'egress-cni',
};

function row(name: EnvName, defaultText: string, letters: string, description: string): ConfigVariable {
  const components = Array.from(letters, (letter) => LETTERS[letter]).filter((c) => c !== undefined);
  return { name, default: defaultText, components, description, origin: 'reference', deprecated: false };
}

const project = (v: ConfigVariable): ConfigVariable => ({ ...v, origin: 'project' });
const deprecated = (v: ConfigVariable): ConfigVariable => ({ ...v, deprecated: true });

export const CONFIG_VARIABLES: readonly ConfigVariable[] = Object.freeze(
  [
    row(
      'ADDITIONAL_ENI_TAGS',
      '{}',
      'D',
      'JSON object of extra ENI tags; keys containing k8s.amazonaws.com are ignored',
    ),
    row('ANNOTATE_POD_IP', 'false', 'D', 'Annotate pods with vpc.amazonaws.com/pod-ips on ADD/DEL (needs pods:patch)'),
    row('AWS_EC2_ENDPOINT', '', 'D', 'Custom EC2 endpoint URL'),
    row('AWS_EXTERNAL_SERVICE_CIDRS', '', 'D', 'Comma list of IPv4 CIDRs routed through the main table (rule 1535)'),
    row('AWS_MANAGE_ENIS_NON_SCHEDULABLE', 'false', 'D', 'Attach/detach ENIs while the node is cordoned'),
    row('AWS_VPC_CNI_NODE_PORT_SUPPORT', 'true', 'D', 'Connmark rules so NodePort replies leave by the primary ENI'),
    row('AWS_VPC_ENI_MTU', '9001', 'ED', 'MTU of ENIs (576-9001, IPv6 1280-9001); default of POD_MTU'),
    row('AWS_VPC_K8S_CNI_BACKING_STORE', '/var/run/aws-node/ipam.json', 'D', 'IPAM checkpoint file'),
    row('AWS_VPC_K8S_CNI_CONNMARK', '0x80', 'D', 'Connection mark for traffic entering by the primary ENI'),
    deprecated(row('AWS_VPC_K8S_CNI_CONFIGURE_RPFILTER', '', '', 'Deprecated, ignored: rp_filter is always 2')),
    row('AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG', 'false', 'D', 'Custom networking: pod ENIs from the ENIConfig'),
    row('AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS', '', 'D', 'Comma list of IPv4 CIDRs not SNATed (nor connmarked)'),
    row('AWS_VPC_K8S_CNI_EXTERNALSNAT', 'false', 'D', 'No node SNAT/connmark: an external NAT gateway does it'),
    row('AWS_VPC_K8S_CNI_LOGLEVEL', 'DEBUG', 'D', 'ipamd log level: DEBUG, INFO, WARN, ERROR, FATAL (any case)'),
    row(
      'AWS_VPC_K8S_CNI_LOG_FILE',
      '/host/var/log/aws-routed-eni/ipamd.log',
      'D',
      'ipamd log: stdout, stderr or a path',
    ),
    row(
      'AWS_VPC_K8S_CNI_RANDOMIZESNAT',
      'prng',
      'DG',
      'SNAT ports: prng (--random-fully), hashrandom (--random), none',
    ),
    row('AWS_VPC_K8S_CNI_VETHPREFIX', 'eni', 'EDP', 'Host veth name prefix (at most 4 characters, not eth/lo/vlan)'),
    row(
      'AWS_VPC_K8S_PLUGIN_LOG_FILE',
      '/var/log/aws-routed-eni/plugin.log',
      'EP',
      'Plugin log: stderr or a path ("" = stderr)',
    ),
    row('AWS_VPC_K8S_PLUGIN_LOG_LEVEL', 'DEBUG', 'EPG', 'Plugin and egress plugin log level'),
    row(
      'AWS_VPC_K8S_EGRESS_V4_PLUGIN_LOG_FILE',
      '/var/log/aws-routed-eni/egress-v4-plugin.log',
      'EG',
      'IPv4 egress plugin log (IPv6 clusters)',
    ),
    row(
      'AWS_VPC_K8S_EGRESS_V6_PLUGIN_LOG_FILE',
      '/var/log/aws-routed-eni/egress-v6-plugin.log',
      'EG',
      'IPv6 egress plugin log (IPv4 clusters)',
    ),
    row('CLUSTER_ENDPOINT', '', 'D', 'Kubernetes API server URL (skips the kube-proxy dependency)'),
    row(
      'CLUSTER_NAME',
      '',
      'D',
      'Cluster name: ENI cluster/owner tags; scopes leaked-ENI cleanup and subnet discovery',
    ),
    row('DISABLE_INTROSPECTION', 'false', 'D', 'Turn off the introspection server'),
    row('DISABLE_LEAKED_ENI_CLEANUP', 'false', 'D', 'Turn off the periodic deletion of leaked ENIs'),
    row('DISABLE_METRICS', 'false', 'D', 'Turn off the Prometheus metrics server (:61678)'),
    row(
      'DISABLE_NETWORK_RESOURCE_PROVISIONING',
      'false',
      'D',
      'Never attach/detach/tag through EC2; use what IMDS shows',
    ),
    row('DISABLE_POD_V6', 'false', 'E', 'Chain the tuning plugin to disable IPv6 inside pods'),
    row(
      'DISABLE_TCP_EARLY_DEMUX',
      'false',
      'I',
      'Set net.ipv4.tcp_early_demux=0 (kubelet probes with pod security groups)',
    ),
    row('ENABLE_BANDWIDTH_PLUGIN', 'false', 'E', 'Chain the bandwidth plugin'),
    row(
      'ENABLE_IMDS_ONLY_MODE',
      'false',
      'D',
      'No EC2 calls at all (implies no provisioning and no leaked-ENI cleanup)',
    ),
    row('ENABLE_IPv4', 'true unless ENABLE_IPv6=true', 'D', 'IPv4 mode (exactly one of ENABLE_IPv4/ENABLE_IPv6)'),
    row('ENABLE_IPv6', 'false', 'IED', 'IPv6 mode (needs ENABLE_PREFIX_DELEGATION, no custom networking)'),
    row('ENABLE_MULTI_NIC', 'false', 'D', 'Manage network cards above 0; multi-homed pods'),
    deprecated(row('ENABLE_NFTABLES', '', '', 'Deprecated, ignored: the iptables backend is detected')),
    row('ENABLE_POD_ENI', 'false', 'ED', 'Security groups for pods (trunk and branch ENIs)'),
    row('ENABLE_PREFIX_DELEGATION', 'false', 'ED', 'Assign /28 (IPv4) or /80 (IPv6) prefixes instead of single IPs'),
    row('ENABLE_SUBNET_DISCOVERY', 'true', 'D', 'Choose ENI subnets by tag and free addresses'),
    row('ENABLE_V4_EGRESS', 'true', 'E', 'IPv4 egress for pods of IPv6 clusters'),
    row('ENABLE_V6_EGRESS', 'false', 'IED', 'IPv6 egress for pods of IPv4 clusters'),
    row('ENI_CONFIG_ANNOTATION_DEF', 'k8s.amazonaws.com/eniConfig', 'D', 'Node annotation key naming the ENIConfig'),
    row('ENI_CONFIG_LABEL_DEF', 'k8s.amazonaws.com/eniConfig', 'D', 'Node label key naming the ENIConfig'),
    row('HOST_CNI_BIN_PATH', '/host/opt/cni/bin', 'IE', 'Where the CNI binaries are installed'),
    row('HOST_CNI_CONFDIR_PATH', '/host/etc/cni/net.d', 'E', 'Where 10-aws.conflist is written'),
    row('HTTP_TIMEOUT', '10', 'D', 'AWS SDK HTTP timeout in seconds (at least 10)'),
    row('INTROSPECTION_BIND_ADDRESS', '127.0.0.1:61679', 'D', 'Introspection server address: host:port or unix:/path'),
    row('IP_COOLDOWN_PERIOD', '30', 'ED', 'Seconds before a released pod IP is reused'),
    row('MANAGE_UNTAGGED_ENI', 'true', 'D', 'Manage ENIs without the instance_id/no_manage tags'),
    row('MAX_ENI', '', 'D', 'Cap on attached ENIs (unset = the instance limit)'),
    row('MINIMUM_IP_TARGET', '0', 'ED', 'Keep at least this many IPs in total'),
    row('MY_NODE_NAME', '', 'D', 'Kubernetes node name (downward API spec.nodeName)'),
    row('MY_POD_NAME', '', 'D', 'Name of the aws-node pod, for events (downward API metadata.name)'),
    row('NETWORK_POLICY_ENFORCING_MODE', '', 'D', 'none, strict or standard; set = the plugin calls the policy agent'),
    row('POD_MTU', '= AWS_VPC_ENI_MTU', 'EPG', 'Pod veth MTU'),
    row('POD_SECURITY_GROUP_ENFORCING_MODE', 'strict', 'EPD', 'Pod security groups mode: strict or standard'),
    row('VPC_CNI_VERSION', '', 'D', 'Deployment version: a second user-agent token after vpc-cni/<version>'),
    row('WARM_ENI_TARGET', '1', 'D', "Keep this many ENIs' worth of free IPs (no IP targets)"),
    row('WARM_IP_TARGET', '0', 'ED', 'Keep this many free IPs (0 = not set)'),
    row('WARM_PREFIX_TARGET', '0', 'ED', 'Prefix delegation: keep this many free prefixes'),
    project(row('AWS_ENDPOINT_URL_EC2', '', 'D', 'EC2 endpoint URL, AWS SDK spelling (same as AWS_EC2_ENDPOINT)')),
    project(row('AWS_EC2_METADATA_SERVICE_ENDPOINT', '', 'ID', 'IMDS endpoint URL (default http://169.254.169.254)')),
    project(row('AWS_REGION', '', 'D', 'AWS region (unset = from IMDS)')),
    project(
      row('VPC_CNI_HOST_NETNS', '', 'ID', 'Network namespace path ipamd (and init) configure instead of their own'),
    ),
    project(
      row(
        'VPC_CNI_IPAMD_SOCKET',
        '/var/run/aws-node/ipamd.sock',
        'D',
        "ipamd's gRPC unix socket (one per node on a shared machine)",
      ),
    ),
    project(
      row(
        'VPC_CNI_METRICS_BIND_ADDRESS',
        '127.0.0.1:61678',
        'D',
        'Prometheus metrics address: host:port or unix:/path',
      ),
    ),
    project(
      row(
        'VPC_CNI_NODE_INFO_FILE',
        '',
        'D',
        "Without a cluster: this node's labels and annotations (YAML or JSON) for custom networking",
      ),
    ),
    project(
      row(
        'VPC_CNI_ENICONFIG_DIR',
        '',
        'D',
        'Without a cluster: a directory of ENIConfig documents for custom networking',
      ),
    ),
    project(
      row(
        'VPC_CNI_MAX_PODS',
        '',
        'D',
        "The node's max pods (kubelet --max-pods); default: the instance type's eni-max-pods",
      ),
    ),
    project(
      row(
        'VPC_CNI_EC2_PACING_NODES',
        '',
        'D',
        'Nodes that may call EC2 at once on this account: each ipamd paces itself to 0.9/N of every EC2 bucket (no throttling when a big cluster joins; one node alone is slower); default: unpaced',
      ),
    ),
    project(
      row(
        'VPC_CNI_LOG_MAX_SIZE_MB',
        '100',
        'EDP',
        'Log rotation: a log file (ipamd, plugin) reaching this many MB is renamed to <name>-<UTC time>.log and a new one started; stdout/stderr are not rotated',
      ),
    ),
    project(
      row('VPC_CNI_LOG_MAX_BACKUPS', '5', 'EDP', 'Log rotation: rotated files kept per log, the newest (0 = all)'),
    ),
    project(
      row(
        'VPC_CNI_LOG_MAX_AGE_DAYS',
        '30',
        'EDP',
        'Log rotation: rotated files last written more than this many days ago are deleted (0 = no age limit)',
      ),
    ),
    project(
      row(
        'VPC_CNI_POOL_POLICY',
        'reference',
        'D',
        'Warm-pool policy: reference (the targets above) or adaptive (sized from pod demand; docs/pool-policy.md)',
      ),
    ),
  ].map((v) => Object.freeze({ ...v, components: Object.freeze([...v.components]) })),
);

/**
 * The table row of one variable.
 *
 * @example
 * configVariable('MAX_ENI').default; // '' (unset: the instance limit)
 */
export function configVariable(name: EnvName): ConfigVariable {
  const found = CONFIG_VARIABLES.find((v) => v.name === name);
  if (found === undefined) throw new RangeError(`${name} is not in CONFIG_VARIABLES`);
  return found;
}
