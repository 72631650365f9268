// Fault injection for the rtnetlink pod wiring's real-kernel tests (harness.ts): a NetnsSystem that counts the
// sockets it opens and can refuse one request the way the kernel would (an NLMSG_ERROR with an errno, the request
// never sent), so a test can check what a failure half-way through ADD leaves behind.
import type { NetnsSystem } from '../../../src/netlink/rtnl/ffi.js';
import type { RawSocket } from '../../../src/netlink/rtnl/socket.js';
import { NLM_F, NLMSG, RTM } from '../../../src/netlink/rtnl/wire.js';

/**
 * `pod-default-route`: the pod's default route is refused (ENETUNREACH), after the veth, address and link route were
 * made; `node-link-up`: bringing the host veth up is refused (EBUSY), after the whole pod side was made.
 */
export type Fault = 'pod-default-route' | 'node-link-up';

const ENETUNREACH = 101;
const EBUSY = 16;

/** The errno to answer `request` with instead of sending it, or undefined to send it. */
function refusal(fault: Fault | undefined, inPod: boolean, request: Uint8Array): number | undefined {
  const view = new DataView(request.buffer, request.byteOffset, request.byteLength);
  const type = view.getUint16(4, true);
  const flags = view.getUint16(6, true);
  if (fault === 'pod-default-route' && inPod && type === RTM.NEWROUTE && request[17] === 0) return ENETUNREACH;
  if (fault === 'node-link-up' && !inPod && type === RTM.NEWLINK && (flags & NLM_F.CREATE) === 0) return EBUSY;
  return undefined;
}

/** An NLMSG_ERROR answering `request` with `errno`, capped as the kernel caps it. */
function errorAnswer(request: Uint8Array, errno: number): Uint8Array {
  const out = new Uint8Array(36);
  const view = new DataView(out.buffer);
  view.setUint32(0, 36, true);
  view.setUint16(4, NLMSG.ERROR, true);
  view.setUint16(6, NLM_F.CAPPED, true);
  view.setUint32(8, new DataView(request.buffer, request.byteOffset).getUint32(8, true), true);
  view.setInt32(16, -errno, true);
  out.set(request.subarray(0, 16), 20);
  return out;
}

class FaultySocket implements RawSocket {
  #pending: Uint8Array | undefined;
  constructor(
    readonly inner: RawSocket,
    readonly fault: Fault | undefined,
    readonly inPod: boolean,
  ) {}
  send(datagram: Uint8Array): void {
    const errno = refusal(this.fault, this.inPod, datagram);
    if (errno === undefined) this.inner.send(datagram);
    else this.#pending = errorAnswer(datagram, errno);
  }
  receive(): Uint8Array {
    const pending = this.#pending;
    this.#pending = undefined;
    return pending ?? this.inner.receive();
  }
  close(): void {
    this.inner.close();
  }
}

/** `system` with its sockets counted (`opened`) and, with a fault, one kind of request refused. */
export function faultySystem(system: NetnsSystem, fault?: Fault): NetnsSystem & { readonly opened: number } {
  let opened = 0;
  return {
    get opened() {
      return opened;
    },
    ownNamespaceFd: system.ownNamespaceFd,
    routeSocket() {
      opened += 1;
      return new FaultySocket(system.routeSocket(), fault, false);
    },
    routeSocketIn(path) {
      opened += 1;
      return new FaultySocket(system.routeSocketIn(path), fault, true);
    },
  };
}
