/**
 * The kernel's answers, decoded: a datagram into its netlink messages, NLMSG_ERROR into an errno and the extended ack's
 * text, and the dump entries CHECK reads (links, IPv4 addresses, routes, neighbours, rules) into plain objects. Every
 * length is checked against the bytes at hand; anything out of bounds is a NetlinkError NETLINK_BAD_OUTPUT, never
 * another exception (the reply decoder is fuzzed: test/fuzz/rtnl-replies.test.ts).
 *
 * @example
 * for (const m of splitMessages(datagram)) if (m.type === RTM.NEWROUTE) routes.push(decodeRoute(m));
 */
import {
  AF_INET,
  FRA,
  IFA,
  IFLA,
  NDA,
  NLMSGERR_ATTR_MSG,
  NLMSG_HDRLEN,
  NLM_F,
  RTA,
  align4,
  badMessage,
  findAttr,
  readAttrs,
  type Attr,
} from './wire.js';

/** One netlink message: header fields and the payload after the header (a view into the datagram). */
export interface NlMessage {
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly payload: Uint8Array;
}

const viewOf = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** The messages of one datagram, in order. */
export function splitMessages(datagram: Uint8Array): NlMessage[] {
  const view = viewOf(datagram);
  const out: NlMessage[] = [];
  for (let at = 0; at < datagram.length;) {
    if (datagram.length - at < NLMSG_HDRLEN) throw badMessage('truncated header', { offset: at });
    const length = view.getUint32(at, true);
    if (length < NLMSG_HDRLEN || length > datagram.length - at)
      throw badMessage('message length out of bounds', { offset: at, length });
    out.push({
      type: view.getUint16(at + 4, true),
      flags: view.getUint16(at + 6, true),
      seq: view.getUint32(at + 8, true),
      payload: datagram.subarray(at + NLMSG_HDRLEN, at + length),
    });
    at += align4(length);
  }
  return out;
}

/** NLMSG_ERROR: errno 0 is the ack; `message` is the extended ack's text when the kernel gave one. */
export interface NlError {
  readonly errno: number;
  readonly message?: string;
}

export function decodeError(m: NlMessage): NlError {
  if (m.payload.length < 4) throw badMessage('truncated error');
  const errno = 0 - viewOf(m.payload).getInt32(0, true);
  if ((m.flags & NLM_F.ACK_TLVS) === 0 || m.payload.length < 4 + NLMSG_HDRLEN) return { errno };
  // The request is echoed after the errno: its header only when capped, else whole; the extack attributes follow.
  const echoed = (m.flags & NLM_F.CAPPED) !== 0 ? NLMSG_HDRLEN : viewOf(m.payload).getUint32(4, true);
  const start = 4 + align4(echoed);
  if (echoed < NLMSG_HDRLEN || start > m.payload.length) throw badMessage('error echo out of bounds', { echoed });
  const text = findAttr(readAttrs(m.payload, start, m.payload.length), NLMSGERR_ATTR_MSG);
  return text === undefined ? { errno } : { errno, message: cString(text) };
}

/** NLMSG_DONE of a dump: 0, or a negative errno when the dump failed part-way. */
export function doneStatus(m: NlMessage): number {
  return m.payload.length >= 4 ? 0 - viewOf(m.payload).getInt32(0, true) : 0;
}

function cString(value: Uint8Array): string {
  let text = '';
  for (let i = 0; i < value.length && value[i] !== 0; i++) text += String.fromCharCode(value[i] as number);
  return text;
}

function u32(value: Uint8Array | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (value.length < 4) throw badMessage(`${what} shorter than 4 bytes`);
  return viewOf(value).getUint32(0, true);
}

function ipv4(value: Uint8Array | undefined, what: string): string | undefined {
  if (value === undefined) return undefined;
  if (value.length !== 4) throw badMessage(`${what} is not 4 bytes`, { length: value.length });
  return `${value[0] as number}.${value[1] as number}.${value[2] as number}.${value[3] as number}`;
}

const HEX = '0123456789abcdef';

function mac(value: Uint8Array | undefined): string | undefined {
  if (value === undefined) return undefined;
  let text = '';
  for (let i = 0; i < value.length; i++) {
    const b = value[i] as number;
    text += (i === 0 ? '' : ':') + HEX[b >> 4] + HEX[b & 0xf];
  }
  return text;
}

/** The family header of `size` bytes and the attributes after it. */
function body(m: NlMessage, size: number, what: string): { head: DataView; attrs: Attr[] } {
  if (m.payload.length < size) throw badMessage(`truncated ${what} header`, { length: m.payload.length });
  return { head: viewOf(m.payload), attrs: readAttrs(m.payload, align4(size), m.payload.length) };
}

export interface Link {
  readonly index: number;
  readonly flags: number;
  readonly name?: string;
  readonly mtu?: number;
  readonly address?: string;
}

/** RTM_NEWLINK (struct ifinfomsg, 16 bytes). */
export function decodeLink(m: NlMessage): Link {
  const { head, attrs } = body(m, 16, 'ifinfomsg');
  const name = findAttr(attrs, IFLA.IFNAME);
  const mtu = u32(findAttr(attrs, IFLA.MTU), 'IFLA_MTU');
  const address = mac(findAttr(attrs, IFLA.ADDRESS));
  return {
    index: head.getInt32(4, true),
    flags: head.getUint32(8, true),
    ...(name === undefined ? {} : { name: cString(name) }),
    ...(mtu === undefined ? {} : { mtu }),
    ...(address === undefined ? {} : { address }),
  };
}

export interface Address {
  readonly index: number;
  readonly family: number;
  readonly prefixLen: number;
  readonly local?: string;
}

/** RTM_NEWADDR (struct ifaddrmsg, 8 bytes); IPv4 only (another family has no `local`). */
export function decodeAddress(m: NlMessage): Address {
  const { head, attrs } = body(m, 8, 'ifaddrmsg');
  const family = head.getUint8(0);
  const local = family === AF_INET ? ipv4(findAttr(attrs, IFA.LOCAL), 'IFA_LOCAL') : undefined;
  return {
    family,
    prefixLen: head.getUint8(1),
    index: head.getUint32(4, true),
    ...(local === undefined ? {} : { local }),
  };
}

export interface Route {
  readonly family: number;
  readonly dstLen: number;
  readonly table: number;
  readonly scope: number;
  readonly type: number;
  readonly dst?: string;
  readonly gateway?: string;
  readonly oif?: number;
}

/** RTM_NEWROUTE (struct rtmsg, 12 bytes); RTA_TABLE, when present, is the table. IPv4 attributes only. */
export function decodeRoute(m: NlMessage): Route {
  const { head, attrs } = body(m, 12, 'rtmsg');
  const family = head.getUint8(0);
  const v4 = family === AF_INET;
  const dst = v4 ? ipv4(findAttr(attrs, RTA.DST), 'RTA_DST') : undefined;
  const gateway = v4 ? ipv4(findAttr(attrs, RTA.GATEWAY), 'RTA_GATEWAY') : undefined;
  const oif = u32(findAttr(attrs, RTA.OIF), 'RTA_OIF');
  return {
    family,
    dstLen: head.getUint8(1),
    table: u32(findAttr(attrs, RTA.TABLE), 'RTA_TABLE') ?? head.getUint8(4),
    scope: head.getUint8(6),
    type: head.getUint8(7),
    ...(dst === undefined ? {} : { dst }),
    ...(gateway === undefined ? {} : { gateway }),
    ...(oif === undefined ? {} : { oif }),
  };
}

export interface Neighbour {
  readonly family: number;
  readonly index: number;
  readonly state: number;
  readonly dst?: string;
  readonly lladdr?: string;
}

/** RTM_NEWNEIGH (struct ndmsg, 12 bytes). */
export function decodeNeighbour(m: NlMessage): Neighbour {
  const { head, attrs } = body(m, 12, 'ndmsg');
  const family = head.getUint8(0);
  const dst = family === AF_INET ? ipv4(findAttr(attrs, NDA.DST), 'NDA_DST') : undefined;
  const lladdr = mac(findAttr(attrs, NDA.LLADDR));
  return {
    family,
    index: head.getInt32(4, true),
    state: head.getUint16(8, true),
    ...(dst === undefined ? {} : { dst }),
    ...(lladdr === undefined ? {} : { lladdr }),
  };
}

export interface Rule {
  readonly family: number;
  readonly dstLen: number;
  readonly srcLen: number;
  readonly table: number;
  readonly action: number;
  readonly priority?: number;
  readonly src?: string;
  readonly dst?: string;
}

/** RTM_NEWRULE (struct fib_rule_hdr, 12 bytes); FRA_TABLE, when present, is the table. */
export function decodeRule(m: NlMessage): Rule {
  const { head, attrs } = body(m, 12, 'fib_rule_hdr');
  const family = head.getUint8(0);
  const v4 = family === AF_INET;
  const priority = u32(findAttr(attrs, FRA.PRIORITY), 'FRA_PRIORITY');
  const src = v4 ? ipv4(findAttr(attrs, FRA.SRC), 'FRA_SRC') : undefined;
  const dst = v4 ? ipv4(findAttr(attrs, FRA.DST), 'FRA_DST') : undefined;
  return {
    family,
    dstLen: head.getUint8(1),
    srcLen: head.getUint8(2),
    table: u32(findAttr(attrs, FRA.TABLE), 'FRA_TABLE') ?? head.getUint8(4),
    action: head.getUint8(7),
    ...(priority === undefined ? {} : { priority }),
    ...(src === undefined ? {} : { src }),
    ...(dst === undefined ? {} : { dst }),
  };
}
