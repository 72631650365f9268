/**
 * The rtnetlink wire format (netlink(7), rtnetlink(7)): the constants the pod wiring uses, a writer for one request
 * (16-byte `nlmsghdr`, a fixed family header, 4-byte aligned attributes, nested ones included) and a bounds-checked
 * reader of attributes. Pure: no I/O, runs under Node and Bun alike. Little-endian hosts only (x86-64, arm64), as
 * netlink uses host byte order and every machine the plugin runs on is little-endian; addresses are network order.
 *
 * Plain loops, no `Array.from`/`map`: in the compiled plugin each JavaScript-implemented builtin is compiled on its
 * first call, in every process (docs/performance.md).
 *
 * @example
 * const w = new MessageWriter(RTM.NEWADDR, NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.REPLACE);
 * w.u8(AF_INET).u8(32).u8(0).u8(0).u32(ifindex);   // struct ifaddrmsg
 * w.attrIpv4(IFA.LOCAL, '10.0.97.30').attrIpv4(IFA.ADDRESS, '10.0.97.30');
 * const bytes = w.finish();
 */
import { NetlinkError } from '../errors.js';

export const AF_INET = 2;
export const NLMSG_HDRLEN = 16;

/** nlmsghdr types of the netlink core. */
export const NLMSG = { NOOP: 1, ERROR: 2, DONE: 3, OVERRUN: 4 } as const;

/** nlmsghdr flags. REPLACE/EXCL/CREATE are NEW-request flags; CAPPED/ACK_TLVS the same bits on an ack. */
export const NLM_F = {
  REQUEST: 0x1,
  MULTI: 0x2,
  ACK: 0x4,
  DUMP_INTR: 0x10,
  DUMP: 0x300,
  REPLACE: 0x100,
  EXCL: 0x200,
  CREATE: 0x400,
  CAPPED: 0x100,
  ACK_TLVS: 0x200,
} as const;

export const RTM = {
  NEWLINK: 16,
  DELLINK: 17,
  GETLINK: 18,
  NEWADDR: 20,
  GETADDR: 22,
  NEWROUTE: 24,
  DELROUTE: 25,
  GETROUTE: 26,
  NEWNEIGH: 28,
  GETNEIGH: 30,
  NEWRULE: 32,
  DELRULE: 33,
  GETRULE: 34,
} as const;

export const IFLA = {
  ADDRESS: 1,
  IFNAME: 3,
  MTU: 4,
  LINKINFO: 18,
  NET_NS_PID: 19,
  NET_NS_FD: 28,
  EXT_MASK: 29,
} as const;
export const IFLA_INFO = { KIND: 1, DATA: 2 } as const;
export const VETH_INFO_PEER = 1;
export const IFA = { ADDRESS: 1, LOCAL: 2 } as const;
export const RTA = { DST: 1, OIF: 4, GATEWAY: 5, TABLE: 15 } as const;
export const NDA = { DST: 1, LLADDR: 2 } as const;
export const FRA = { DST: 1, SRC: 2, PRIORITY: 6, TABLE: 15 } as const;
export const NLMSGERR_ATTR_MSG = 1;

export const IFF_UP = 0x1;
export const NUD_PERMANENT = 0x80;
export const RT_SCOPE = { UNIVERSE: 0, LINK: 253, HOST: 254, NOWHERE: 255 } as const;
export const RT_TABLE_MAIN = 254;
export const RTPROT_BOOT = 3;
export const RTN_UNICAST = 1;
export const FR_ACT_TO_TBL = 1;
/** IFLA_EXT_MASK bits iproute2 sends with a single-link GETLINK: RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS. */
export const RTEXT_FILTER_VF_SKIP_STATS = 9;

/** Attribute types carry two flag bits (NLA_F_NESTED, NLA_F_NET_BYTEORDER) that are not part of the type. */
const NLA_TYPE_MASK = 0x3fff;

export const align4 = (n: number): number => (n + 3) & ~3;

export function badMessage(what: string, details: Record<string, unknown> = {}): NetlinkError {
  return new NetlinkError('NETLINK_BAD_OUTPUT', `malformed netlink message: ${what}`, details);
}

/** `a.b.c.d` as 4 bytes in network order; the caller has validated the text. */
export function ipv4Bytes(address: string): Uint8Array {
  const out = new Uint8Array(4);
  let octet = 0;
  let index = 0;
  for (let i = 0; i < address.length; i++) {
    const c = address.charCodeAt(i);
    if (c === 46) {
      out[index++] = octet;
      octet = 0;
    } else octet = octet * 10 + (c - 48);
  }
  out[index] = octet;
  return out;
}

/** `aa:bb:cc:dd:ee:ff` as 6 bytes; the caller has validated the text. */
export function macBytes(mac: string): Uint8Array {
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) out[i] = parseInt(mac.slice(i * 3, i * 3 + 2), 16);
  return out;
}

/** One request: the header, then fixed fields and attributes appended in order. */
export class MessageWriter {
  #bytes = new Uint8Array(128);
  #view = new DataView(this.#bytes.buffer);
  #length = NLMSG_HDRLEN;
  readonly #open: number[] = [];

  constructor(type: number, flags: number) {
    this.#view.setUint16(4, type, true);
    this.#view.setUint16(6, flags, true);
  }

  #reserve(n: number): number {
    const at = this.#length;
    if (at + n > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(this.#bytes.length * 2, at + n + 64));
      grown.set(this.#bytes);
      this.#bytes = grown;
      this.#view = new DataView(grown.buffer);
    }
    this.#length = at + n;
    return at;
  }

  u8(value: number): this {
    this.#view.setUint8(this.#reserve(1), value);
    return this;
  }

  u16(value: number): this {
    this.#view.setUint16(this.#reserve(2), value, true);
    return this;
  }

  u32(value: number): this {
    this.#view.setUint32(this.#reserve(4), value >>> 0, true);
    return this;
  }

  /** `n` zero bytes (padding and unused fields of a family header). */
  zeros(n: number): this {
    this.#reserve(n);
    return this;
  }

  attr(type: number, value: Uint8Array): this {
    const at = this.#reserve(align4(4 + value.length));
    this.#view.setUint16(at, 4 + value.length, true);
    this.#view.setUint16(at + 2, type, true);
    this.#bytes.set(value, at + 4);
    return this;
  }

  attrU32(type: number, value: number): this {
    const at = this.#reserve(8);
    this.#view.setUint16(at, 8, true);
    this.#view.setUint16(at + 2, type, true);
    this.#view.setUint32(at + 4, value >>> 0, true);
    return this;
  }

  /**
   * A string, NUL-terminated unless `nul` is false (iproute2 sends a link kind without it; the kernel takes both).
   * ASCII: link names and kinds are checked before they get here.
   */
  attrString(type: number, text: string, nul = true): this {
    const value = new Uint8Array(text.length + (nul ? 1 : 0));
    for (let i = 0; i < text.length; i++) value[i] = text.charCodeAt(i) & 0x7f;
    return this.attr(type, value);
  }

  attrIpv4(type: number, address: string): this {
    return this.attr(type, ipv4Bytes(address));
  }

  /** Opens a nested attribute; {@link end} closes the innermost one and writes its length. */
  begin(type: number): this {
    const at = this.#reserve(4);
    this.#view.setUint16(at + 2, type, true);
    this.#open.push(at);
    return this;
  }

  end(): this {
    const at = this.#open.pop();
    if (at === undefined) throw new NetlinkError('NETLINK_INVALID_ARGUMENT', 'netlink writer: end() without begin()');
    this.#view.setUint16(at, this.#length - at, true);
    return this;
  }

  /** The message, nlmsg_len set; sequence number and port id are 0 (the socket sets the sequence). */
  finish(): Uint8Array {
    if (this.#open.length > 0)
      throw new NetlinkError('NETLINK_INVALID_ARGUMENT', 'netlink writer: nested attribute left open');
    this.#view.setUint32(0, this.#length, true);
    return this.#bytes.slice(0, this.#length);
  }
}

/** One attribute: its type (flag bits cleared) and its value (a view into the message). */
export interface Attr {
  readonly type: number;
  readonly value: Uint8Array;
}

/**
 * The attributes in `bytes[start, end)`. A length under 4 or past the end is a malformed message (the kernel never
 * sends one), reported as NETLINK_BAD_OUTPUT; the padding of the last one may be missing.
 */
export function readAttrs(bytes: Uint8Array, start: number, end: number): Attr[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Attr[] = [];
  if (end > bytes.length) throw badMessage('attributes past the end of the message', { start, end });
  for (let at = start; at < end;) {
    if (end - at < 4) throw badMessage('truncated attribute header', { offset: at });
    const length = view.getUint16(at, true);
    if (length < 4 || at + length > end) throw badMessage('attribute length out of bounds', { offset: at, length });
    out.push({ type: view.getUint16(at + 2, true) & NLA_TYPE_MASK, value: bytes.subarray(at + 4, at + length) });
    at += align4(length);
  }
  return out;
}

/** The first attribute of `type`, or undefined. */
export function findAttr(attrs: readonly Attr[], type: number): Uint8Array | undefined {
  for (const attr of attrs) if (attr.type === type) return attr.value;
  return undefined;
}
