/**
 * Route sockets through libc, by Bun's FFI (`bun:ffi`): the only file that touches it, loaded only under Bun (the
 * compiled plugin). A socket in another network namespace is made the way Go's `ns.Do` does it: the calling thread
 * enters the namespace (`setns(2)` on a descriptor of its file), creates the socket, and returns to its own
 * namespace; a socket stays in the namespace it was created in. The return is guaranteed: should `setns` back fail,
 * the process aborts rather than go on configuring the wrong namespace.
 *
 * Costs, measured in the compiled plugin: loading `bun:ffi` ~1.7 ms, `dlopen` with these symbols ~0.7 ms, each call a
 * few microseconds (docs/performance.md).
 *
 * @example
 * const system = await loadLibcNetns();
 * const pod = new RtnlSocket(system.routeSocketIn('/var/run/netns/cni-1234'));
 */
import { NetlinkError } from '../errors.js';
import type { RawSocket } from './socket.js';

/** The system calls the rtnetlink pod wiring needs: route sockets here or in a namespace, and this namespace. */
export interface NetnsSystem {
  /** A NETLINK_ROUTE socket in the calling thread's namespace. */
  routeSocket(): RawSocket;
  /** A NETLINK_ROUTE socket in the namespace of the file at `path`; NETNS_NOT_FOUND when there is none. */
  routeSocketIn(path: string): RawSocket;
  /** A descriptor of the calling thread's own namespace (IFLA_NET_NS_FD), open as long as the system is. */
  readonly ownNamespaceFd: number;
}

/** The part of `bun:ffi` used here (the project does not depend on Bun's types). */
interface BunFfi {
  dlopen(
    path: string,
    symbols: Record<string, { readonly args: readonly string[]; readonly returns: string }>,
  ): { readonly symbols: Libc };
  readonly read: { i32(pointer: number, offset?: number): number };
}

interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  setsockopt(fd: number, level: number, name: number, value: Uint8Array, length: number): number;
  send(fd: number, buffer: Uint8Array, length: number, flags: number): number;
  recv(fd: number, buffer: Uint8Array, length: number, flags: number): number;
  setns(fd: number, nstype: number): number;
  open(path: Uint8Array, flags: number): number;
  close(fd: number): number;
  __errno_location(): number;
}

const AF_NETLINK = 16;
const SOCK_RAW_CLOEXEC = 3 | 0x80000;
const NETLINK_ROUTE = 0;
const O_RDONLY_CLOEXEC = 0x80000;
const CLONE_NEWNET = 0x40000000;
const SOL_SOCKET = 1;
const SO_RCVTIMEO = 20;
const SOL_NETLINK = 270;
const NETLINK_CAP_ACK = 10;
const NETLINK_EXT_ACK = 11;
const MSG_TRUNC = 0x20;
const ENOENT = 2;
const EAGAIN = 11;
const EINTR = 4;
/** A reply is one skb of at most ~32 KiB (a dump part); twice that leaves room. */
const RECEIVE_BUFFER = 64 * 1024;
/** No answer within this is NETLINK_TIMEOUT: the kernel answers a route request in the sender's own system call. */
const RECEIVE_TIMEOUT_S = 10;

const I32 = 'i32';
const SYMBOLS = {
  socket: { args: [I32, I32, I32], returns: I32 },
  setsockopt: { args: [I32, I32, I32, 'ptr', 'u32'], returns: I32 },
  send: { args: [I32, 'ptr', 'u64', I32], returns: I32 },
  recv: { args: [I32, 'ptr', 'u64', I32], returns: I32 },
  setns: { args: [I32, I32], returns: I32 },
  open: { args: ['ptr', I32], returns: I32 },
  close: { args: [I32], returns: I32 },
  __errno_location: { args: [], returns: 'ptr' },
} as const;

/** A NUL-terminated copy of an ASCII path (namespace paths are checked before they get here). */
function cPath(path: string): Uint8Array {
  const out = new Uint8Array(path.length + 1);
  for (let i = 0; i < path.length; i++) out[i] = path.charCodeAt(i) & 0xff;
  return out;
}

function u32Bytes(...values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setUint32(i * 4, values[i] as number, true);
  return out;
}

/**
 * libc through `bun:ffi`, and a descriptor of this thread's namespace. NETLINK_FFI_UNAVAILABLE off Bun or when libc
 * cannot be opened.
 */
export async function loadLibcNetns(): Promise<NetnsSystem> {
  const specifier = 'bun:ffi';
  let libc: Libc;
  let read: BunFfi['read'];
  try {
    const ffi = (await import(specifier)) as BunFfi;
    libc = ffi.dlopen('libc.so.6', SYMBOLS).symbols;
    read = ffi.read;
  } catch (cause) {
    throw new NetlinkError(
      'NETLINK_FFI_UNAVAILABLE',
      `cannot call libc through bun:ffi: ${(cause as Error).message}`,
      {},
      cause,
    );
  }
  return new LibcNetns(libc, () => read.i32(libc.__errno_location()));
}

class LibcNetns implements NetnsSystem {
  readonly ownNamespaceFd: number;
  readonly #libc: Libc;
  readonly #errno: () => number;

  constructor(libc: Libc, errno: () => number) {
    this.#libc = libc;
    this.#errno = errno;
    this.ownNamespaceFd = this.#open('/proc/thread-self/ns/net');
  }

  routeSocket(): RawSocket {
    const libc = this.#libc;
    const fd = libc.socket(AF_NETLINK, SOCK_RAW_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) throw this.#failure('socket(AF_NETLINK)', this.#errno());
    const options: [number, number, Uint8Array][] = [
      [SOL_SOCKET, SO_RCVTIMEO, u32Bytes(RECEIVE_TIMEOUT_S, 0, 0, 0)],
      [SOL_NETLINK, NETLINK_CAP_ACK, u32Bytes(1)],
      [SOL_NETLINK, NETLINK_EXT_ACK, u32Bytes(1)],
    ];
    for (const [level, name, value] of options) {
      if (libc.setsockopt(fd, level, name, value, value.length) !== 0) {
        const errno = this.#errno();
        libc.close(fd);
        throw this.#failure(`setsockopt(${level}, ${name})`, errno);
      }
    }
    return new LibcSocket(libc, fd, this.#errno);
  }

  routeSocketIn(path: string): RawSocket {
    const libc = this.#libc;
    const target = this.#open(path);
    try {
      if (libc.setns(target, CLONE_NEWNET) !== 0) {
        const errno = this.#errno();
        throw new NetlinkError('NETNS_NOT_FOUND', `${path} is not a network namespace (setns: errno ${errno})`, {
          netns: path,
          errno,
        });
      }
      try {
        return this.routeSocket();
      } finally {
        if (libc.setns(this.ownNamespaceFd, CLONE_NEWNET) !== 0) {
          // The thread is stuck in the pod's namespace: anything more would configure the wrong one.
          process.abort();
        }
      }
    } finally {
      libc.close(target);
    }
  }

  #open(path: string): number {
    const fd = this.#libc.open(cPath(path), O_RDONLY_CLOEXEC);
    if (fd >= 0) return fd;
    const errno = this.#errno();
    throw new NetlinkError(
      'NETNS_NOT_FOUND',
      `cannot open network namespace ${path}: ${errno === ENOENT ? 'No such file or directory' : `errno ${errno}`}`,
      { netns: path, errno },
    );
  }

  #failure(call: string, errno: number): NetlinkError {
    return new NetlinkError('NETLINK_COMMAND_FAILED', `${call} failed: errno ${errno}`, { call, errno });
  }
}

class LibcSocket implements RawSocket {
  readonly #libc: Libc;
  readonly #fd: number;
  readonly #errno: () => number;
  readonly #buffer = new Uint8Array(RECEIVE_BUFFER);

  constructor(libc: Libc, fd: number, errno: () => number) {
    this.#libc = libc;
    this.#fd = fd;
    this.#errno = errno;
  }

  send(datagram: Uint8Array): void {
    for (;;) {
      const sent = this.#libc.send(this.#fd, datagram, datagram.length, 0);
      if (sent === datagram.length) return;
      const errno = sent < 0 ? this.#errno() : 0;
      if (errno !== EINTR)
        throw new NetlinkError('NETLINK_COMMAND_FAILED', `send(netlink) failed: errno ${errno}, ${sent} bytes sent`);
    }
  }

  receive(): Uint8Array {
    for (;;) {
      const length = this.#libc.recv(this.#fd, this.#buffer, RECEIVE_BUFFER, MSG_TRUNC);
      if (length > RECEIVE_BUFFER)
        throw new NetlinkError('NETLINK_BAD_OUTPUT', `a netlink answer of ${length} bytes exceeds the buffer`);
      if (length >= 0) return this.#buffer.slice(0, length);
      const errno = this.#errno();
      if (errno === EINTR) continue;
      if (errno === EAGAIN)
        throw new NetlinkError('NETLINK_TIMEOUT', `the kernel did not answer within ${RECEIVE_TIMEOUT_S} s`);
      throw new NetlinkError('NETLINK_COMMAND_FAILED', `recv(netlink) failed: errno ${errno}`, { errno });
    }
  }

  close(): void {
    this.#libc.close(this.#fd);
  }
}
