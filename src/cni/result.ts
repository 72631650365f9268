/**
 * The plugin's CNI result, in the reference's exact shape ([behaviour §7.2] step 5), and the reading of it back from
 * `prevResult` on DEL and CHECK.
 *
 * A regular pod's result lists three interfaces: the host veth `{name, mac}`, the container interface
 * `{name, sandbox: <netns>, mac: "<route table id>"}` and a fake `{name: "dummy<hash>", mac: "0", sandbox:
 * "<device number>"}`; one ips entry per address pointing at the container interface; no routes; empty dns.
 * The `mac` and `sandbox` fields of the last two deliberately carry the route table and the ENI's device number:
 * that is how the reference tears a pod down from prevResult alone when ipamd is unreachable [behaviour §7.4], and
 * keeping the shape lets DEL work across an upgrade or downgrade between the reference and this plugin.
 */
import { CniError } from './errors.js';

export interface CniInterface {
  readonly name: string;
  readonly mac?: string;
  readonly sandbox?: string;
}

export interface CniIpConfig {
  /** CIDR notation: `10.0.1.23/32`. */
  readonly address: string;
  readonly gateway?: string;
  /** Index into `interfaces`. */
  readonly interface?: number;
}

export interface CniRoute {
  readonly dst: string;
  readonly gw?: string;
}

export interface CniDns {
  readonly nameservers?: readonly string[];
  readonly domain?: string;
  readonly search?: readonly string[];
  readonly options?: readonly string[];
}

/** A result independent of the spec version (1.0.0's shape); {@link formatResult} writes it in any version. */
export interface CniResult {
  readonly interfaces: readonly CniInterface[];
  readonly ips: readonly CniIpConfig[];
  readonly routes: readonly CniRoute[];
  readonly dns: CniDns;
}

/** One wired address of a pod: what DEL and CHECK need to find and undo it. */
export interface PodAttachment {
  readonly hostVethName: string;
  readonly hostVethMac?: string;
  readonly containerIfName: string;
  readonly netnsPath: string;
  /** Without prefix length: `10.0.1.23`. */
  readonly podIp: string;
  readonly routeTableId: number;
}

export interface PodResultInput {
  readonly attachments: readonly PodAttachment[];
  readonly dummyName: string;
  /** The device number of the first address's ENI. */
  readonly deviceNumber: number;
}

/** The CIDR of a pod address: /32 for IPv4, /128 for IPv6. */
export function hostCidr(ip: string): string {
  return ip.includes(':') ? `${ip}/128` : `${ip}/32`;
}

/**
 * The ADD result of a regular (non-branch-ENI) pod.
 *
 * @example
 * buildPodResult({ attachments: [a], dummyName: 'dummy0123456789a', deviceNumber: 2 }).interfaces[1]?.mac; // '3'
 */
export function buildPodResult(input: PodResultInput): CniResult {
  const interfaces: CniInterface[] = [];
  const ips: CniIpConfig[] = [];
  for (const a of input.attachments) {
    interfaces.push(
      a.hostVethMac === undefined ? { name: a.hostVethName } : { name: a.hostVethName, mac: a.hostVethMac },
    );
    interfaces.push({ name: a.containerIfName, mac: String(a.routeTableId), sandbox: a.netnsPath });
    ips.push({ interface: interfaces.length - 1, address: hostCidr(a.podIp) });
  }
  interfaces.push({ name: input.dummyName, mac: '0', sandbox: String(input.deviceNumber) });
  return { interfaces, ips, routes: [], dns: {} };
}

function invalid(problem: string): CniError {
  return new CniError('CNI_INVALID_CONFIG', `prevResult: ${problem}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(entry: Record<string, unknown>, field: string, where: string): string | undefined {
  const value = entry[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw invalid(`${where}.${field} is not a string`);
  return value;
}

function legacyIps(raw: Record<string, unknown>): CniIpConfig[] {
  const ips: CniIpConfig[] = [];
  for (const field of ['ip4', 'ip6']) {
    const entry = raw[field];
    if (!isObject(entry)) continue;
    const address = optionalString(entry, 'ip', field);
    const gateway = optionalString(entry, 'gateway', field);
    if (address !== undefined) ips.push(gateway === undefined ? { address } : { address, gateway });
  }
  return ips;
}

/**
 * Reads a `prevResult` of any spec version into a {@link CniResult}. Throws CNI_INVALID_CONFIG (7) naming the field
 * at fault. Entries' extra fields (`version`, `mtu`, ...) are ignored.
 */
export function readPrevResult(raw: unknown): CniResult {
  if (!isObject(raw)) throw invalid('is not a JSON object');
  const rawInterfaces = raw['interfaces'] ?? [];
  const rawIps = raw['ips'] ?? [];
  if (!Array.isArray(rawInterfaces)) throw invalid('interfaces is not a list');
  if (!Array.isArray(rawIps)) throw invalid('ips is not a list');
  const interfaces = rawInterfaces.map((entry: unknown, i): CniInterface => {
    if (!isObject(entry) || typeof entry['name'] !== 'string') throw invalid(`interfaces[${i}] has no name`);
    const mac = optionalString(entry, 'mac', `interfaces[${i}]`);
    const sandbox = optionalString(entry, 'sandbox', `interfaces[${i}]`);
    return {
      name: entry['name'],
      ...(mac === undefined ? {} : { mac }),
      ...(sandbox === undefined ? {} : { sandbox }),
    };
  });
  const ips = rawIps.map((entry: unknown, i): CniIpConfig => {
    if (!isObject(entry) || typeof entry['address'] !== 'string') throw invalid(`ips[${i}] has no address`);
    const index = entry['interface'];
    if (index !== undefined && index !== null && (typeof index !== 'number' || !Number.isInteger(index))) {
      throw invalid(`ips[${i}].interface is not an integer`);
    }
    const gateway = optionalString(entry, 'gateway', `ips[${i}]`);
    return {
      address: entry['address'],
      ...(typeof index === 'number' ? { interface: index } : {}),
      ...(gateway === undefined ? {} : { gateway }),
    };
  });
  return { interfaces, ips: ips.length === 0 ? legacyIps(raw) : ips, routes: [], dns: {} };
}

/** What a prevResult says about a regular pod: its attachments and the device number of its first ENI. */
export interface PrevPod {
  readonly attachments: readonly PodAttachment[];
  readonly deviceNumber: number;
  /** Non-zero for a branch-ENI pod (the dummy's mac carries the VLAN id). */
  readonly vlanId: number;
}

/** The kernel's main routing table: pods on the primary ENI route through it. */
export const MAIN_TABLE = 254;

/** Route table of device N of card 0 [behaviour §7.5]: 254 (main) for the primary ENI, else N + 1. */
export function routeTableOfDevice(deviceNumber: number): number {
  return deviceNumber > 0 ? deviceNumber + 1 : MAIN_TABLE;
}

/**
 * The route table of an address ipamd assigned: its `routeTableId`, or — from an ipamd older than v1.20 that sends
 * none — the one of its device. Tables 0 and 1 mean main, as the reference treats them ([behaviour §7.3] step 11,
 * [behaviour §7.4] step 4).
 */
export function routeTableOf(routeTableId: number, deviceNumber: number): number {
  if (routeTableId > 1) return routeTableId;
  return routeTableId === 1 ? MAIN_TABLE : routeTableOfDevice(deviceNumber);
}

/**
 * The pod a result describes, as the reference's DEL reads it ([behaviour §7.4] step 6): the dummy interface (by exact
 * name when `dummyName` is given, else the one whose name starts with "dummy") gives the device number; each ips entry
 * points at its container interface, whose `mac` is the route table (v1.20+; else computed from the device number); the
 * interface just before it is the host veth. Throws CNI_INVALID_CONFIG (7) when the result does not have that shape.
 */
export function podFromResult(result: CniResult, dummyName?: string): PrevPod {
  const dummies = result.interfaces.filter((i) =>
    dummyName === undefined ? i.name.startsWith('dummy') : i.name === dummyName,
  );
  const dummy = dummies[0];
  if (dummy === undefined || dummies.length > 1) throw invalid(`no single ${dummyName ?? 'dummy*'} interface`);
  const vlanId = /^\d+$/.test(dummy.mac ?? '') ? Number(dummy.mac) : Number.NaN;
  const deviceNumber = /^\d+$/.test(dummy.sandbox ?? '') ? Number(dummy.sandbox) : Number.NaN;
  if (Number.isNaN(vlanId)) throw invalid(`${dummy.name}.mac ${JSON.stringify(dummy.mac ?? '')} is not a number`);
  if (vlanId === 0 && Number.isNaN(deviceNumber))
    throw invalid(`${dummy.name}.sandbox ${JSON.stringify(dummy.sandbox ?? '')} is not a device number`);
  const attachments = result.ips.map((ip, i): PodAttachment => {
    const index = ip.interface;
    const iface = index === undefined ? undefined : result.interfaces[index];
    if (index === undefined || iface === undefined || iface.sandbox === undefined)
      throw invalid(`ips[${i}] does not point at a container interface`);
    const host = result.interfaces[index - 1];
    const table = /^\d+$/.test(iface.mac ?? '') ? Number(iface.mac) : routeTableOfDevice(deviceNumber);
    return {
      hostVethName: host !== undefined && host.sandbox === undefined ? host.name : '',
      containerIfName: iface.name,
      netnsPath: iface.sandbox,
      podIp: ip.address.replace(/\/\d+$/, ''),
      routeTableId: table <= 1 ? MAIN_TABLE : table,
    };
  });
  return { attachments, deviceNumber: Number.isNaN(deviceNumber) ? 0 : deviceNumber, vlanId };
}
