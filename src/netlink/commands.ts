/**
 * Pure argv builders for iproute2 and friends. Nothing here spawns: each builder validates its inputs and returns
 * an {@link IpCommand} (the words after `ip`, without global options, so that it can run alone or as one line of
 * `ip -batch`) or a {@link ProgramCommand}. The executor (`exec.ts`) adds `-n NS` / `nsenter --net=PATH`.
 *
 * Builders of removals say which failures mean "already done" (`tolerate`), so that DEL-style callers are
 * idempotent without string matching of their own; callers may override it (`{ ...cmd, tolerate: [] }`).
 * Additions use iproute2's `replace` verbs where the kernel has one (address, route, neighbour), which are
 * idempotent by themselves.
 *
 * @example
 * linkAddVeth({ name: 'n1-eth1', up: true, peer: { name: 'eth1', netns: 'vcni-9-1-n1', mac: '02:00:00:00:00:01' } })
 * // { args: ['link', 'add', 'n1-eth1', 'up', 'type', 'veth', 'peer', 'name', 'eth1', 'netns', 'vcni-9-1-n1',
 * //          'address', '02:00:00:00:00:01'] }
 */
import { isIpv4, parseCidr } from '../ipam/cidr.js';
import { NetlinkError } from './errors.js';

/** How a failed command failed, read from stderr (see `classifyFailure` in exec.ts). */
export type FailureKind = 'exists' | 'not-found' | 'no-device' | 'no-netns' | 'other';

/** One `ip` command: `ip [global options] ...args`. */
export interface IpCommand {
  readonly args: readonly string[];
  /** Failures that count as success (e.g. deleting what is already gone). */
  readonly tolerate?: readonly FailureKind[];
}

/** A program and its argv, spawned without a shell. */
export interface ProgramCommand {
  readonly file: string;
  readonly args: readonly string[];
}

/** iproute2's run directory for named namespaces (`ip netns add NAME` bind-mounts NAME here). */
export const NETNS_RUN_DIR = '/var/run/netns';

const LINK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;
const NETNS_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
const SYSCTL_KEY = /^[a-z0-9_]+([./][A-Za-z0-9_.-]+)+$/;
const SYSCTL_VALUE = /^[A-Za-z0-9_.:-]+$/;

function invalid(what: string, value: unknown): never {
  throw new NetlinkError('NETLINK_INVALID_ARGUMENT', `invalid ${what}: ${JSON.stringify(value)}`, { what, value });
}

/** A device name the kernel accepts (IFNAMSIZ: at most 15 bytes) and that needs no quoting. */
export function checkLinkName(name: string): string {
  return LINK_NAME.test(name) && name !== '.' && name !== '..' ? name : invalid('link name', name);
}

/** A namespace name for `ip netns` (a file under {@link NETNS_RUN_DIR}; no slashes, no quoting needed). */
export function checkNetnsName(name: string): string {
  return NETNS_NAME.test(name) ? name : invalid('namespace name', name);
}

/** A colon-separated 48-bit MAC, lower-cased. */
export function checkMac(mac: string): string {
  return MAC.test(mac) ? mac.toLowerCase() : invalid('MAC address', mac);
}

function checkAddress(address: string): string {
  return isIpv4(address) ? address : invalid('IPv4 address', address);
}

/** `a.b.c.d` or `a.b.c.d/n`; host bits are allowed (an interface address like `10.0.0.10/24`). */
function checkPrefix(text: string): string {
  if (isIpv4(text)) return text;
  try {
    parseCidr(text, { allowHostBits: true });
  } catch {
    invalid('IPv4 address or CIDR', text);
  }
  return text;
}

function checkInt(what: string, value: number, min: number, max: number): string {
  return Number.isInteger(value) && value >= min && value <= max ? String(value) : invalid(what, value);
}

/** Route table: a number (1–2^32-1) or one of the kernel's named tables. */
export type RouteTable = number | 'main' | 'local' | 'default';

function checkTable(table: RouteTable): string {
  return typeof table === 'number' ? checkInt('route table', table, 1, 0xffffffff) : table;
}

// ---- namespaces -------------------------------------------------------------------------------------------

export function netnsAdd(name: string): IpCommand {
  return { args: ['netns', 'add', checkNetnsName(name)] };
}

/** Deleting a namespace that is already gone is success. */
export function netnsDelete(name: string): IpCommand {
  return { args: ['netns', 'del', checkNetnsName(name)], tolerate: ['not-found'] };
}

export function netnsList(): IpCommand {
  return { args: ['netns', 'list'] };
}

/** The file `ip netns add NAME` creates; what `nsenter --net=` and CNI_NETNS take. */
export function netnsPath(name: string): string {
  return `${NETNS_RUN_DIR}/${checkNetnsName(name)}`;
}

// ---- links ------------------------------------------------------------------------------------------------

export interface VethEnd {
  readonly name: string;
  readonly mac?: string;
  readonly mtu?: number;
}

export interface VethSpec extends VethEnd {
  /**
   * Bring this end up in the same netlink request. Only this end: the kernel cannot open the peer while the pair is
   * being created (veth_open returns ENOTCONN because the peer pointer is set only after both are registered).
   */
  readonly up?: boolean;
  /** The peer, created directly in `netns` when given (never created in the caller's namespace and moved). */
  readonly peer: VethEnd & { readonly netns?: string };
}

function endArgs(end: VethEnd): string[] {
  const args = [checkLinkName(end.name)];
  if (end.mac !== undefined) args.push('address', checkMac(end.mac));
  if (end.mtu !== undefined) args.push('mtu', checkInt('MTU', end.mtu, 68, 65535));
  return args;
}

/** `ip link add NAME [address M] [mtu N] [up] type veth peer name PEER [netns NS] [address M] [mtu N]` */
export function linkAddVeth(spec: VethSpec): IpCommand {
  const args = ['link', 'add', ...endArgs(spec)];
  if (spec.up === true) args.push('up');
  const [peerName = '', ...peerRest] = endArgs(spec.peer);
  args.push('type', 'veth', 'peer', 'name', peerName);
  if (spec.peer.netns !== undefined) args.push('netns', checkNetnsName(spec.peer.netns));
  args.push(...peerRest);
  return { args };
}

export interface VlanSpec {
  readonly name: string;
  /** The link whose frames carry the VLAN's tag (a trunk ENI's link). */
  readonly parent: string;
  /** 802.1Q VLAN id, 1–4094. */
  readonly vlanId: number;
  readonly mac?: string;
  readonly up?: boolean;
}

/** `ip link add link PARENT name NAME [address M] [up] type vlan id N` */
export function linkAddVlan(spec: VlanSpec): IpCommand {
  const args = ['link', 'add', 'link', checkLinkName(spec.parent), 'name', checkLinkName(spec.name)];
  if (spec.mac !== undefined) args.push('address', checkMac(spec.mac));
  if (spec.up === true) args.push('up');
  args.push('type', 'vlan', 'id', checkInt('VLAN id', spec.vlanId, 1, 4094));
  return { args };
}

export function linkSetUp(name: string): IpCommand {
  return { args: ['link', 'set', 'dev', checkLinkName(name), 'up'] };
}

export function linkSetMtu(name: string, mtu: number): IpCommand {
  return { args: ['link', 'set', 'dev', checkLinkName(name), 'mtu', checkInt('MTU', mtu, 68, 65535)] };
}

/** Deleting a veth end deletes its peer too (and every route and neighbour through either). Gone is success. */
export function linkDelete(name: string): IpCommand {
  return { args: ['link', 'del', 'dev', checkLinkName(name)], tolerate: ['no-device'] };
}

/**
 * `ip ntable change name arp_cache dev DEV proxy_delay MS`: the kernel answers a proxied ARP broadcast after a random
 * wait of up to `proxy_delay` (default 800 ms), so first packets to proxied addresses stall. The namespace-wide
 * default (`net.ipv4.neigh.default`) exists only in the root namespace, so this is set per device, over netlink.
 */
export function neighTableSetProxyDelay(dev: string, ms: number): IpCommand {
  return {
    args: [
      'ntable',
      'change',
      'name',
      'arp_cache',
      'dev',
      checkLinkName(dev),
      'proxy_delay',
      checkInt('proxy delay', ms, 0, 3_600_000),
    ],
  };
}

// ---- addresses --------------------------------------------------------------------------------------------

/** `ip addr replace CIDR dev DEV`: idempotent, unlike `add` ("Address already assigned"). */
export function addrReplace(cidr: string, dev: string): IpCommand {
  return { args: ['addr', 'replace', checkPrefix(cidr), 'dev', checkLinkName(dev)] };
}

export function addrDelete(cidr: string, dev: string): IpCommand {
  return { args: ['addr', 'del', checkPrefix(cidr), 'dev', checkLinkName(dev)], tolerate: ['not-found', 'no-device'] };
}

// ---- routes -----------------------------------------------------------------------------------------------

export interface RouteSpec {
  /** `default`, an address (a /32) or a CIDR. */
  readonly dst: string;
  readonly dev?: string;
  readonly via?: string;
  readonly table?: RouteTable;
  readonly scope?: 'link' | 'host' | 'global';
  readonly src?: string;
  readonly metric?: number;
}

function routeArgs(route: RouteSpec): string[] {
  const args = [route.dst === 'default' ? 'default' : checkPrefix(route.dst)];
  if (route.via !== undefined) args.push('via', checkAddress(route.via));
  if (route.dev !== undefined) args.push('dev', checkLinkName(route.dev));
  if (route.src !== undefined) args.push('src', checkAddress(route.src));
  if (route.scope !== undefined) args.push('scope', route.scope);
  if (route.metric !== undefined) args.push('metric', checkInt('route metric', route.metric, 0, 0xffffffff));
  if (route.table !== undefined) args.push('table', checkTable(route.table));
  return args;
}

export function routeReplace(route: RouteSpec): IpCommand {
  return { args: ['route', 'replace', ...routeArgs(route)] };
}

/** `ip route add`: fails with `exists` when the route is there; prefer {@link routeReplace}. */
export function routeAdd(route: RouteSpec): IpCommand {
  return { args: ['route', 'add', ...routeArgs(route)] };
}

/**
 * Gone is success ("No such process", or "FIB table does not exist"). Give `dev` when the same destination may have
 * moved to another device: the kernel then deletes only the route through `dev`.
 */
export function routeDelete(route: RouteSpec): IpCommand {
  return { args: ['route', 'del', ...routeArgs(route)], tolerate: ['not-found', 'no-device'] };
}

// ---- neighbours -------------------------------------------------------------------------------------------

/** A static ARP entry (`nud permanent`): the kernel never probes or expires it. */
export function neighReplacePermanent(address: string, mac: string, dev: string): IpCommand {
  return {
    args: [
      'neigh',
      'replace',
      checkAddress(address),
      'lladdr',
      checkMac(mac),
      'dev',
      checkLinkName(dev),
      'nud',
      'permanent',
    ],
  };
}

export function neighDelete(address: string, dev: string): IpCommand {
  return {
    args: ['neigh', 'del', checkAddress(address), 'dev', checkLinkName(dev)],
    tolerate: ['not-found', 'no-device'],
  };
}

// ---- policy rules -----------------------------------------------------------------------------------------

export interface RuleSpec {
  readonly priority: number;
  readonly table: RouteTable;
  readonly from?: string;
  readonly to?: string;
  /** `0x80/0x80` style mark and mask. */
  readonly fwmark?: string;
  readonly iif?: string;
}

function ruleArgs(rule: RuleSpec): string[] {
  const args = ['prio', checkInt('rule priority', rule.priority, 0, 0xffffffff)];
  if (rule.from !== undefined) args.push('from', rule.from === 'all' ? 'all' : checkPrefix(rule.from));
  if (rule.to !== undefined) args.push('to', checkPrefix(rule.to));
  if (rule.fwmark !== undefined) {
    if (!/^(0x[0-9a-f]+|\d+)(\/(0x[0-9a-f]+|\d+))?$/i.test(rule.fwmark)) invalid('fwmark', rule.fwmark);
    args.push('fwmark', rule.fwmark);
  }
  if (rule.iif !== undefined) args.push('iif', checkLinkName(rule.iif));
  args.push('lookup', checkTable(rule.table));
  return args;
}

/** The kernel refuses an identical rule (EEXIST), so adding twice is success. */
export function ruleAdd(rule: RuleSpec): IpCommand {
  return { args: ['rule', 'add', ...ruleArgs(rule)], tolerate: ['exists'] };
}

export function ruleDelete(rule: RuleSpec): IpCommand {
  return { args: ['rule', 'del', ...ruleArgs(rule)], tolerate: ['not-found'] };
}

// ---- sysctl -----------------------------------------------------------------------------------------------

/**
 * Writes sysctls inside a namespace in one process: `nsenter --net=PATH -- sysctl -q -w k=v ...`.
 *
 * `/proc/sys/net` shows the network namespace of the process that opens it, so entering the namespace with
 * nsenter is enough; `ip netns exec` would also unshare the mount namespace and remount /sys, which costs more and
 * buys nothing here. Keys may use `/` separators when a device name contains dots (`net/ipv4/conf/eth0.5/rp_filter`).
 */
export function sysctlCommand(netnsFile: string, settings: Readonly<Record<string, string | number>>): ProgramCommand {
  if (!netnsFile.startsWith('/')) invalid('namespace path', netnsFile);
  return { file: 'nsenter', args: [`--net=${netnsFile}`, '--', 'sysctl', '-q', '-w', ...sysctlWords(settings)] };
}

/** `key=value` words for `sysctl -w`, each checked (no blanks, no `=` in a key); at least one. */
export function sysctlWords(settings: Readonly<Record<string, string | number>>): string[] {
  const entries = Object.entries(settings);
  if (entries.length === 0) invalid('sysctl settings', settings);
  return entries.map(([key, value]) => {
    const text = String(value);
    if (!SYSCTL_KEY.test(key)) invalid('sysctl key', key);
    if (!SYSCTL_VALUE.test(text)) invalid('sysctl value', value);
    return `${key}=${text}`;
  });
}

// ---- additions for ipamd's host networking (host-network.ts) -----------------------------------------------

/**
 * `ip link set dev NAME mtu N up`: one netlink request. Idempotent; the MTU is applied before the device comes up.
 */
export function linkSetMtuUp(name: string, mtu: number): IpCommand {
  return { args: ['link', 'set', 'dev', checkLinkName(name), 'mtu', checkInt('MTU', mtu, 68, 65535), 'up'] };
}

/**
 * `ip route flush table T`. Alone, iproute2 exits 2 with "FIB table does not exist" when the table has never held a
 * route (tolerated: nothing to flush); inside `ip -batch` the same case is silent.
 */
export function routeFlushTable(table: RouteTable): IpCommand {
  return { args: ['route', 'flush', 'table', checkTable(table)], tolerate: ['not-found'] };
}
