/**
 * The rtnetlink requests of the pod wiring, byte for byte what iproute2 6.1 sends for the same command (the unit
 * tests compare them with captures: src/netlink/rtnl/testdata/iproute2.json), except that the dumps ask for IPv4
 * only. Each builder takes checked values (the pod wiring validates its spec first) and returns a message with
 * sequence number 0; the socket sets it. Changes carry NLM_F_ACK, so the kernel answers every one.
 *
 * @example
 * newRoute({ dst: '169.254.1.1', dstLen: 32, oif: 2, scope: RT_SCOPE.LINK });
 * // = ip route replace 169.254.1.1 dev <ifindex 2> scope link
 */
import {
  AF_INET,
  FRA,
  FR_ACT_TO_TBL,
  IFA,
  IFF_UP,
  IFLA,
  IFLA_INFO,
  MessageWriter,
  NDA,
  NLM_F,
  NUD_PERMANENT,
  RTA,
  RTEXT_FILTER_VF_SKIP_STATS,
  RTM,
  RTN_UNICAST,
  RTPROT_BOOT,
  RT_SCOPE,
  RT_TABLE_MAIN,
  VETH_INFO_PEER,
  macBytes,
} from './wire.js';

const CHANGE = NLM_F.REQUEST | NLM_F.ACK;
const REPLACE = CHANGE | NLM_F.CREATE | NLM_F.REPLACE;
const CREATE_NEW = CHANGE | NLM_F.CREATE | NLM_F.EXCL;
const DUMP = NLM_F.REQUEST | NLM_F.DUMP;

/** struct ifinfomsg: family, pad, type, index, flags, change. */
function ifinfomsg(w: MessageWriter, index: number, flags: number, change: number): MessageWriter {
  return w.u8(0).u8(0).u16(0).u32(index).u32(flags).u32(change);
}

export interface VethEnd {
  readonly name: string;
  readonly mac: string;
  readonly mtu: number;
}

/**
 * `ip link add NAME address M mtu N up type veth peer name PEER address M mtu N netns <fd>`: the first end in the
 * socket's namespace, up; the peer created directly in the namespace `peerNetnsFd` refers to, down (the kernel cannot
 * open a peer that is still being registered: ENOTCONN).
 */
export function newVeth(first: VethEnd, peer: VethEnd & { readonly netnsFd: number }): Uint8Array {
  const w = ifinfomsg(new MessageWriter(RTM.NEWLINK, CREATE_NEW), 0, IFF_UP, IFF_UP);
  w.attr(IFLA.ADDRESS, macBytes(first.mac)).attrU32(IFLA.MTU, first.mtu).attrString(IFLA.IFNAME, first.name);
  w.begin(IFLA.LINKINFO).attrString(IFLA_INFO.KIND, 'veth', false).begin(IFLA_INFO.DATA).begin(VETH_INFO_PEER);
  ifinfomsg(w, 0, 0, 0);
  w.attr(IFLA.ADDRESS, macBytes(peer.mac)).attrU32(IFLA.MTU, peer.mtu).attrU32(IFLA.NET_NS_FD, peer.netnsFd);
  return w.attrString(IFLA.IFNAME, peer.name).end().end().end().finish();
}

/** One link by name (answered with the link or ENODEV), without statistics. */
export function getLink(name: string): Uint8Array {
  const w = ifinfomsg(new MessageWriter(RTM.GETLINK, NLM_F.REQUEST), 0, 0, 0);
  return w.attrU32(IFLA.EXT_MASK, RTEXT_FILTER_VF_SKIP_STATS).attrString(IFLA.IFNAME, name).finish();
}

/** `ip link set dev <index> up`. */
export function setLinkUp(index: number): Uint8Array {
  return ifinfomsg(new MessageWriter(RTM.NEWLINK, CHANGE), index, IFF_UP, IFF_UP).finish();
}

/** `ip link del dev <index>`: a veth end takes its peer with it. */
export function delLink(index: number): Uint8Array {
  return ifinfomsg(new MessageWriter(RTM.DELLINK, CHANGE), index, 0, 0).finish();
}

/** `ip addr replace ADDRESS/LEN dev <index>` (IPv4). */
export function newAddr(index: number, address: string, prefixLen: number): Uint8Array {
  const w = new MessageWriter(RTM.NEWADDR, REPLACE).u8(AF_INET).u8(prefixLen).u8(0).u8(RT_SCOPE.UNIVERSE).u32(index);
  return w.attrIpv4(IFA.LOCAL, address).attrIpv4(IFA.ADDRESS, address).finish();
}

export interface RouteSpec {
  /** The destination; omitted with dstLen 0 (`default`). */
  readonly dst?: string;
  readonly dstLen: number;
  readonly gateway?: string;
  readonly oif?: number;
  readonly scope: number;
  /** Default main (254). Tables above 255 travel in RTA_TABLE, the header then says RT_TABLE_UNSPEC. */
  readonly table?: number;
}

function route(w: MessageWriter, spec: RouteSpec, add: boolean): Uint8Array {
  const table = spec.table ?? RT_TABLE_MAIN;
  w.u8(AF_INET)
    .u8(spec.dstLen)
    .u8(0)
    .u8(0)
    .u8(table > 255 ? 0 : table);
  w.u8(add ? RTPROT_BOOT : 0)
    .u8(spec.scope)
    .u8(add ? RTN_UNICAST : 0)
    .u32(0);
  if (spec.dst !== undefined && spec.dstLen > 0) w.attrIpv4(RTA.DST, spec.dst);
  if (spec.gateway !== undefined) w.attrIpv4(RTA.GATEWAY, spec.gateway);
  // iproute2's order: the device is resolved after every other argument.
  if (table > 255) w.attrU32(RTA.TABLE, table);
  if (spec.oif !== undefined) w.attrU32(RTA.OIF, spec.oif);
  return w.finish();
}

/** `ip route replace DST[/LEN] [via GW] dev <oif> scope S [table T]`. */
export function newRoute(spec: RouteSpec): Uint8Array {
  return route(new MessageWriter(RTM.NEWROUTE, REPLACE), spec, true);
}

/** `ip route del DST/LEN [dev <oif>] scope S`: ESRCH when no route matches. */
export function delRoute(spec: RouteSpec): Uint8Array {
  return route(new MessageWriter(RTM.DELROUTE, CHANGE), spec, false);
}

/** `ip neigh replace ADDRESS lladdr MAC dev <index> nud permanent`. */
export function newPermanentNeighbour(index: number, address: string, mac: string): Uint8Array {
  const w = new MessageWriter(RTM.NEWNEIGH, REPLACE).u8(AF_INET).zeros(3).u32(index).u16(NUD_PERMANENT).u8(0).u8(0);
  return w.attrIpv4(NDA.DST, address).attr(NDA.LLADDR, macBytes(mac)).finish();
}

export interface RuleSpec {
  readonly priority: number;
  readonly src?: { readonly address: string; readonly length: number };
  readonly dst?: { readonly address: string; readonly length: number };
  /** Omitted in a deletion: then any table matches. */
  readonly table?: number;
}

function rule(w: MessageWriter, spec: RuleSpec): Uint8Array {
  const table = spec.table ?? 0;
  w.u8(AF_INET)
    .u8(spec.dst?.length ?? 0)
    .u8(spec.src?.length ?? 0)
    .u8(0)
    .u8(table > 255 ? 0 : table);
  w.u8(0)
    .u8(0)
    .u8(spec.table === undefined ? 0 : FR_ACT_TO_TBL)
    .u32(0);
  w.attrU32(FRA.PRIORITY, spec.priority);
  if (spec.dst !== undefined) w.attrIpv4(FRA.DST, spec.dst.address);
  if (spec.src !== undefined) w.attrIpv4(FRA.SRC, spec.src.address);
  if (table > 255) w.attrU32(FRA.TABLE, table);
  return w.finish();
}

/** `ip rule add prio P [from|to ADDRESS/LEN] lookup T`: EEXIST when an identical rule exists. */
export function newRule(spec: RuleSpec & { readonly table: number }): Uint8Array {
  return rule(new MessageWriter(RTM.NEWRULE, CREATE_NEW), spec);
}

/** `ip rule del prio P [from|to ADDRESS/LEN] [lookup T]`: ENOENT when none matches. */
export function delRule(spec: RuleSpec): Uint8Array {
  return rule(new MessageWriter(RTM.DELRULE, CHANGE), spec);
}

/** Every link (no statistics). */
export function dumpLinks(): Uint8Array {
  const w = ifinfomsg(new MessageWriter(RTM.GETLINK, DUMP), 0, 0, 0);
  return w.attrU32(IFLA.EXT_MASK, RTEXT_FILTER_VF_SKIP_STATS).finish();
}

/** Every IPv4 address. */
export function dumpAddrs(): Uint8Array {
  return new MessageWriter(RTM.GETADDR, DUMP).u8(AF_INET).zeros(7).finish();
}

/** Every IPv4 route of every table (a dump is filtered by the reader: only strict sockets filter in the kernel). */
export function dumpRoutes(): Uint8Array {
  return new MessageWriter(RTM.GETROUTE, DUMP).u8(AF_INET).zeros(11).finish();
}

/** Every IPv4 neighbour entry. */
export function dumpNeighbours(): Uint8Array {
  return new MessageWriter(RTM.GETNEIGH, DUMP).u8(AF_INET).zeros(11).finish();
}

/** Every IPv4 policy rule. */
export function dumpRules(): Uint8Array {
  return new MessageWriter(RTM.GETRULE, DUMP).u8(AF_INET).zeros(11).finish();
}
