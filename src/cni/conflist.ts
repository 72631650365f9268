/**
 * The CNI network configuration `10-aws.conflist` [behaviour §2.9], rendered exactly as the reference's entrypoint
 * does: the template text with its placeholders substituted, byte for byte; or, when the `bandwidth` or `tuning`
 * plugin is chained, the reference's JSON re-marshal (Go `json.MarshalIndent` with two spaces through its NetConf
 * struct), which reorders fields, drops empty strings and unknown keys (portmap's `"snat": true`) and prints the
 * egress subnet through Go's `net.IPNet` (`fd00::ac:00/118` becomes `fd00::ac:0/118`).
 *
 * Pure: the caller supplies the node address the reference reads from IMDS.
 *
 * @example
 * const { settings, warnings } = conflistSettings(config, undefined); // IPv4 cluster, no IPv6 egress
 * await installCni({ ..., conflist: renderConflist(settings) });
 */
import { isIPv4, isIPv6 } from 'node:net';
import { formatLogDestination } from '../config/formats.js';
import type { Config } from '../config/types.js';
import { catalogueError } from '../errors.js';
import { CNI_INSTALL_ERRORS } from '../error-codes.generated.js';

/** Errors of the CNI installer (this file and install.ts): docs/errors.md's "CNI install" table. */
export { CNI_INSTALL_ERRORS };

export type CniInstallErrorCode = keyof typeof CNI_INSTALL_ERRORS;

export class CniInstallError extends catalogueError(CNI_INSTALL_ERRORS) {}

export const CONFLIST_FILE_NAME = '10-aws.conflist';

/** Every value the template takes, in the reference's spelling. */
export interface ConflistSettings {
  /** Picks the egress plugin's direction: IPv4 clusters get IPv6 egress, IPv6 clusters IPv4 egress. */
  readonly ipFamily: 'ipv4' | 'ipv6';
  readonly vethPrefix: string;
  /** Pod MTU (POD_MTU, else AWS_VPC_ENI_MTU); written as a string. */
  readonly mtu: number;
  readonly podSgEnforcingMode: string;
  readonly pluginLogFile: string;
  /** Also the egress plugin's level; the reference's default is `Debug`. */
  readonly pluginLogLevel: string;
  readonly egressEnabled: boolean;
  readonly egressPluginLogFile: string;
  readonly randomizeSnat: string;
  /** The egress plugin's SNAT address: the node's IPv6 (IPv4 cluster, egress on) or IPv4 (IPv6 cluster); else ''. */
  readonly nodeIp: string;
  readonly bandwidthPlugin: boolean;
  readonly podIpv6Disabled: boolean;
}

/** The egress plugin's host-local range per cluster family (the reference's constants). */
const EGRESS = {
  ipv4: {
    subnet: 'fd00::ac:00/118',
    marshalled: 'fd00::ac:0/118',
    dst: '::/0',
    dataDir: '/run/cni/v4pd/egress-v6-ipam',
  },
  ipv6: {
    subnet: '169.254.172.0/22',
    marshalled: '169.254.172.0/22',
    dst: '0.0.0.0/0',
    dataDir: '/run/cni/v6pd/egress-v4-ipam',
  },
} as const;

const TEMPLATE = `{
  "cniVersion": "0.4.0",
  "name": "aws-cni",
  "disableCheck": true,
  "plugins": [
    {
      "name": "aws-cni",
      "type": "aws-cni",
      "vethPrefix": "__VETHPREFIX__",
      "mtu": "__MTU__",
      "podSGEnforcingMode": "__PODSGENFORCINGMODE__",
      "pluginLogFile": "__PLUGINLOGFILE__",
      "pluginLogLevel": "__PLUGINLOGLEVEL__",
      "capabilities": {"io.kubernetes.cri.pod-annotations": true}
    },
    {
      "name": "egress-cni",
      "type": "egress-cni",
      "mtu": "__MTU__",
      "enabled": "__EGRESSPLUGINENABLED__",
      "randomizeSNAT": "__RANDOMIZESNAT__",
      "nodeIP": "__NODEIP__",
      "ipam": {
         "type": "host-local",
         "ranges": [[{"subnet": "__EGRESSPLUGINIPAMSUBNET__"}]],
         "routes": [{"dst": "__EGRESSPLUGINIPAMDST__"}],
         "dataDir": "__EGRESSPLUGINIPAMDATADIR__"
      },
      "pluginLogFile": "__EGRESSPLUGINLOGFILE__",
      "pluginLogLevel": "__PLUGINLOGLEVEL__"
    },
    {
      "type": "portmap",
      "capabilities": {"portMappings": true},
      "snat": true
    }
  ]
}
`;

// The reference substitutes raw text into JSON strings: a quote or backslash would break the file. Refuse them.
function plain(what: string, value: string): string {
  // eslint-disable-next-line no-control-regex
  if (/["\\\u0000-\u001f\u007f]/.test(value))
    throw new CniInstallError('CONFLIST_INVALID', `${what} cannot go into the conflist: ${JSON.stringify(value)}`, {
      what,
      value,
    });
  return value;
}

/** Go's `net.IP.String()`: IPv4 dotted, IPv6 lower-case with the longest run of zero groups compressed. */
function goIp(ip: string): string {
  if (isIPv4(ip)) return ip;
  if (isIPv6(ip)) return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  throw new CniInstallError('CONFLIST_INVALID', `node IP ${JSON.stringify(ip)} is not an IP address`, { nodeIp: ip });
}

// Go's encoder escapes these even inside strings (HTML safety); JSON.stringify does not.
const goEscapes = (json: string): string =>
  json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** Drops empty strings, as Go's `omitempty` does. */
const compact = (entries: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== '' && v !== undefined));

/** The text of `10-aws.conflist` for these settings. */
export function renderConflist(s: ConflistSettings): string {
  if (!Number.isInteger(s.mtu) || s.mtu <= 0)
    throw new CniInstallError('CONFLIST_INVALID', `MTU ${s.mtu} is not a positive integer`, { mtu: s.mtu });
  const egress = EGRESS[s.ipFamily];
  const nodeIp = s.nodeIp === '' ? '' : goIp(s.nodeIp);
  const values: Record<string, string> = {
    VETHPREFIX: plain('vethPrefix', s.vethPrefix),
    MTU: String(s.mtu),
    PODSGENFORCINGMODE: plain('podSGEnforcingMode', s.podSgEnforcingMode),
    PLUGINLOGFILE: plain('pluginLogFile', s.pluginLogFile),
    PLUGINLOGLEVEL: plain('pluginLogLevel', s.pluginLogLevel),
    EGRESSPLUGINLOGFILE: plain('egress pluginLogFile', s.egressPluginLogFile),
    EGRESSPLUGINENABLED: String(s.egressEnabled),
    EGRESSPLUGINIPAMSUBNET: egress.subnet,
    EGRESSPLUGINIPAMDST: egress.dst,
    EGRESSPLUGINIPAMDATADIR: egress.dataDir,
    RANDOMIZESNAT: plain('randomizeSNAT', s.randomizeSnat),
    // The template takes the address as IMDS wrote it; the re-marshal prints it through Go's net.IP.
    NODEIP: s.nodeIp,
  };
  if (!s.bandwidthPlugin && !s.podIpv6Disabled)
    return TEMPLATE.replace(/__([A-Z]+)__/g, (match, key: string) => values[key] ?? match);

  // Field order of the reference's NetConf struct: name, type, capabilities, ipam, sysctl, enabled, nodeIP,
  // vethPrefix, podSGEnforcingMode, randomizeSNAT, mtu, pluginLogFile, pluginLogLevel.
  const plugins: Record<string, unknown>[] = [
    compact({
      name: 'aws-cni',
      type: 'aws-cni',
      capabilities: { 'io.kubernetes.cri.pod-annotations': true },
      vethPrefix: values['VETHPREFIX'],
      podSGEnforcingMode: values['PODSGENFORCINGMODE'],
      mtu: values['MTU'],
      pluginLogFile: values['PLUGINLOGFILE'],
      pluginLogLevel: values['PLUGINLOGLEVEL'],
    }),
    compact({
      name: 'egress-cni',
      type: 'egress-cni',
      ipam: {
        type: 'host-local',
        routes: [{ dst: egress.dst }],
        dataDir: egress.dataDir,
        ranges: [[{ subnet: egress.marshalled }]],
      },
      enabled: values['EGRESSPLUGINENABLED'],
      nodeIP: nodeIp,
      randomizeSNAT: values['RANDOMIZESNAT'],
      mtu: values['MTU'],
      pluginLogFile: values['EGRESSPLUGINLOGFILE'],
      pluginLogLevel: values['PLUGINLOGLEVEL'],
    }),
    { type: 'portmap', capabilities: { portMappings: true } },
  ];
  if (s.bandwidthPlugin) plugins.push({ type: 'bandwidth', capabilities: { bandwidth: true } });
  if (s.podIpv6Disabled) {
    plugins.push({
      type: 'tuning',
      sysctl: {
        'net.ipv6.conf.all.disable_ipv6': '1',
        'net.ipv6.conf.default.disable_ipv6': '1',
        'net.ipv6.conf.lo.disable_ipv6': '1',
      },
    });
  }
  return goEscapes(JSON.stringify({ cniVersion: '0.4.0', name: 'aws-cni', disableCheck: true, plugins }, null, 2));
}

/** `debug` → `Debug`, the reference's spelling of its default. */
const levelName = (level: string): string => `${level.charAt(0).toUpperCase()}${level.slice(1)}`;

/**
 * The settings from a {@link Config} and the node address the reference reads from IMDS: for an IPv4 cluster the
 * node's IPv6 (`ipv6`; only needed with ENABLE_V6_EGRESS; when missing, egress is turned off with a warning), for an
 * IPv6 cluster its IPv4 (`local-ipv4`; required).
 */
export function conflistSettings(
  config: Config,
  nodeIp: string | undefined,
): { settings: ConflistSettings; warnings: string[] } {
  const net = config.networking;
  const warnings: string[] = [];
  let egressEnabled: boolean;
  let address = '';
  if (config.ipFamily === 'ipv6') {
    if (nodeIp === undefined) {
      throw new CniInstallError(
        'CONFLIST_INVALID',
        'an IPv6 cluster needs the node IPv4 address (IMDS local-ipv4) for the egress plugin',
      );
    }
    egressEnabled = net.v4Egress;
    address = nodeIp;
  } else {
    egressEnabled = net.v6Egress && nodeIp !== undefined;
    if (net.v6Egress && nodeIp === undefined)
      warnings.push('ENABLE_V6_EGRESS=true but the node has no IPv6 address (IMDS ipv6): IPv6 egress disabled');
    if (egressEnabled && nodeIp !== undefined) address = nodeIp;
  }
  const settings: ConflistSettings = {
    ipFamily: config.ipFamily,
    vethPrefix: net.vethPrefix,
    mtu: net.podMtu,
    podSgEnforcingMode: config.features.podSecurityGroupEnforcingMode,
    pluginLogFile: formatLogDestination(config.logging.pluginLog),
    pluginLogLevel: levelName(config.logging.pluginLevel),
    egressEnabled,
    egressPluginLogFile: formatLogDestination(
      config.ipFamily === 'ipv6' ? config.logging.egressV4PluginLog : config.logging.egressV6PluginLog,
    ),
    randomizeSnat: net.randomizeSnat,
    nodeIp: address,
    bandwidthPlugin: net.bandwidthPlugin,
    podIpv6Disabled: net.podIpv6Disabled,
  };
  return { settings, warnings };
}
