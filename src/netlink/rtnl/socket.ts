/**
 * Request and answer over one NETLINK_ROUTE socket: sequence numbers, waiting for the ack of a change, the one answer
 * of a get, the parts of a dump until NLMSG_DONE, and the kernel's errno as a {@link NetlinkError} whose code is the
 * one iproute2's text gets from `classifyFailure` (exec.ts): EEXIST → NETLINK_EXISTS, ENODEV → LINK_NOT_FOUND,
 * ENOENT/ESRCH/EADDRNOTAVAIL → NETLINK_NOT_FOUND. The datagrams come from a {@link RawSocket} (ffi.ts under Bun; a
 * scripted one in tests), so this file is pure.
 *
 * @example
 * const route = new RtnlSocket(raw);
 * route.change(newAddr(ifindex, '10.0.97.30', 32), 'addr replace 10.0.97.30/32 dev eth0');
 * const links = route.dump(dumpLinks(), 'link show').map(decodeLink);
 */
import { NetlinkError, type NetlinkErrorCode } from '../errors.js';
import { decodeError, doneStatus, splitMessages, type NlError, type NlMessage } from './replies.js';
import { NLMSG, badMessage } from './wire.js';

/** One datagram socket of the kernel: what ffi.ts implements. */
export interface RawSocket {
  /** Sends one datagram (to the kernel). */
  send(datagram: Uint8Array): void;
  /** The next datagram; throws NETLINK_TIMEOUT when none comes in time. */
  receive(): Uint8Array;
  close(): void;
}

const ERRNO: Readonly<Record<number, readonly [string, NetlinkErrorCode]>> = {
  1: ['Operation not permitted', 'NETLINK_COMMAND_FAILED'],
  2: ['No such file or directory', 'NETLINK_NOT_FOUND'],
  3: ['No such process', 'NETLINK_NOT_FOUND'],
  12: ['Cannot allocate memory', 'NETLINK_COMMAND_FAILED'],
  16: ['Device or resource busy', 'NETLINK_COMMAND_FAILED'],
  17: ['File exists', 'NETLINK_EXISTS'],
  19: ['No such device', 'LINK_NOT_FOUND'],
  22: ['Invalid argument', 'NETLINK_COMMAND_FAILED'],
  34: ['Numerical result out of range', 'NETLINK_COMMAND_FAILED'],
  95: ['Operation not supported', 'NETLINK_COMMAND_FAILED'],
  99: ['Cannot assign requested address', 'NETLINK_NOT_FOUND'],
  101: ['Network is unreachable', 'NETLINK_COMMAND_FAILED'],
  105: ['No buffer space available', 'NETLINK_COMMAND_FAILED'],
  107: ['Transport endpoint is not connected', 'NETLINK_COMMAND_FAILED'],
};

export const ERRNO_EEXIST = 17;
export const ERRNO_ENODEV = 19;

/** The error of a request the kernel refused: `<what>: <extack text or strerror>`, the errno in details. */
export function kernelError(what: string, error: NlError): NetlinkError {
  const [text, code] = ERRNO[error.errno] ?? [`errno ${error.errno}`, 'NETLINK_COMMAND_FAILED'];
  return new NetlinkError(code, `${what}: ${error.message ?? text}`, {
    command: what,
    errno: error.errno,
    ...(error.message === undefined ? {} : { extack: error.message }),
  });
}

/** Datagrams read for one answer at most: a change or get is answered in one, a dump in one per ~32 KiB. */
const MAX_DATAGRAMS = { answer: 64, dump: 1 << 16 } as const;

export class RtnlSocket {
  readonly #raw: RawSocket;
  #seq = 0;

  constructor(raw: RawSocket) {
    this.#raw = raw;
  }

  /** A change (NEW/DEL with NLM_F_ACK): returns once acked, throws the kernel's refusal. */
  change(request: Uint8Array, what: string): void {
    this.#exchange(request, what, MAX_DATAGRAMS.answer, (m) => {
      if (m.type !== NLMSG.ERROR) throw badMessage(`${what}: answered with type ${m.type}, not an ack`);
      const error = decodeError(m);
      if (error.errno !== 0) throw kernelError(what, error);
      return true;
    });
  }

  /** A get of one object (no NLM_F_DUMP): its message, or the kernel's refusal. */
  get(request: Uint8Array, what: string): NlMessage {
    let answer: NlMessage | undefined;
    this.#exchange(request, what, MAX_DATAGRAMS.answer, (m) => {
      if (m.type === NLMSG.ERROR) throw kernelError(what, decodeError(m));
      answer = m;
      return true;
    });
    return answer as NlMessage;
  }

  /** A dump: every message until NLMSG_DONE. */
  dump(request: Uint8Array, what: string): NlMessage[] {
    const out: NlMessage[] = [];
    this.#exchange(request, what, MAX_DATAGRAMS.dump, (m) => {
      if (m.type === NLMSG.ERROR) throw kernelError(what, decodeError(m));
      if (m.type !== NLMSG.DONE) {
        out.push(m);
        return false;
      }
      const errno = doneStatus(m);
      if (errno !== 0) throw kernelError(what, { errno });
      return true;
    });
    return out;
  }

  close(): void {
    this.#raw.close();
  }

  /**
   * Sends `request` with the next sequence number and hands each answer of that number to `take` until it returns
   * true. Messages of other numbers (a late answer to an earlier request) are skipped.
   */
  #exchange(request: Uint8Array, what: string, limit: number, take: (m: NlMessage) => boolean): void {
    this.#seq = (this.#seq + 1) >>> 0 || 1;
    const seq = this.#seq;
    new DataView(request.buffer, request.byteOffset, request.byteLength).setUint32(8, seq, true);
    this.#raw.send(request);
    for (let n = 0; n < limit; n++) {
      for (const m of splitMessages(this.#raw.receive())) if (m.seq === seq && take(m)) return;
    }
    throw badMessage(`${what}: no complete answer in ${limit} datagrams`);
  }
}
