// The fuzz targets of the rtnetlink reply decoder (test/fuzz/rtnl-replies.test.ts runs them in a worker, so that a
// decoder caught in a loop fails the test instead of hanging the run): kernel replies captured with iproute2
// (src/netlink/rtnl/testdata/iproute2.json), truncated, byte-damaged, with hostile message and attribute lengths,
// misaligned, attributes read as nested ones; and a socket answering with such datagrams.
import { strict as assert } from 'node:assert';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { NetlinkError } from '../../src/netlink/errors.js';
import { CAPTURES, bytesOf } from '../../src/netlink/rtnl/captures.test-util.js';
import {
  decodeAddress,
  decodeError,
  decodeLink,
  decodeNeighbour,
  decodeRoute,
  decodeRule,
  doneStatus,
  splitMessages,
  type NlMessage,
} from '../../src/netlink/rtnl/replies.js';
import { dumpRoutes, getLink, setLinkUp } from '../../src/netlink/rtnl/requests.js';
import { RtnlSocket, type RawSocket } from '../../src/netlink/rtnl/socket.js';
import { NLMSG, RTM, readAttrs } from '../../src/netlink/rtnl/wire.js';
import { mutateBytes } from './mutate.js';
import { fuzzCases, runCases, type Rng } from './prng.js';

/** Every datagram the kernel sent in the captures. */
const REPLIES: readonly Uint8Array[] = CAPTURES.flatMap((c) =>
  c.chunks.filter((k) => k.dir === 'received').map((k) => bytesOf(k.hex)),
);

const DECODERS: Readonly<Record<number, (m: NlMessage) => unknown>> = {
  [NLMSG.ERROR]: decodeError,
  [NLMSG.DONE]: doneStatus,
  [RTM.NEWLINK]: decodeLink,
  [RTM.NEWADDR]: decodeAddress,
  [RTM.NEWROUTE]: decodeRoute,
  [RTM.NEWNEIGH]: decodeNeighbour,
  [RTM.NEWRULE]: decodeRule,
};
const ALL_DECODERS = Object.values(DECODERS);

/** Attributes as nested ones, down to `depth` (IFLA_LINKINFO, IFLA_AF_SPEC, ... are nested in real replies). */
function walk(value: Uint8Array, depth: number): void {
  if (depth === 0) return;
  for (const attr of readAttrs(value, 0, value.length)) {
    try {
      walk(attr.value, depth - 1);
    } catch (error) {
      if (!(error instanceof NetlinkError)) throw error;
    }
  }
}

/** Everything a reader can do with a datagram: split it, decode each message by its type and by every other. */
function decodeAll(datagram: Uint8Array, rng: Rng): void {
  for (const m of splitMessages(datagram)) {
    const decoders = [DECODERS[m.type] ?? decodeLink, rng.pick(ALL_DECODERS)];
    for (const decode of decoders) decode(m);
    // A family header of 8, 12 or 16 bytes: the attributes read as top-level and as nested ones.
    const start = rng.pick([8, 12, 16]);
    if (m.payload.length >= start) walk(m.payload.subarray(start), 3);
  }
}

/** Sets a 16-bit or 32-bit length field (message or attribute) somewhere to a hostile value. */
function damageLength(rng: Rng, bytes: Uint8Array): Uint8Array {
  const out = Uint8Array.from(bytes);
  if (out.length < 4) return out;
  const view = new DataView(out.buffer);
  const at = rng.chance(0.3) ? 0 : rng.int(out.length - 3) & ~3;
  const value = rng.pick([0, 1, 3, 4, 5, 15, 16, 17, out.length, out.length + 1, 0xffff, 0xffffffff]);
  if (at === 0 || rng.chance(0.3)) view.setUint32(at, value >>> 0, true);
  else view.setUint16(at, value & 0xffff, true);
  return out;
}

/** Family header sizes of the replies' message types. */
const HEADER: Readonly<Record<number, number>> = {
  [RTM.NEWLINK]: 16,
  [RTM.NEWADDR]: 8,
  [RTM.NEWROUTE]: 12,
  [RTM.NEWNEIGH]: 12,
  [RTM.NEWRULE]: 12,
};

/**
 * Shortens one attribute of the first message (its padding keeps the next one in place), or claims a longer one: what
 * a decoder must notice about a value of the wrong size (a 2-byte IFLA_MTU, a 3-byte RTA_DST).
 */
function damageAttr(rng: Rng, bytes: Uint8Array): Uint8Array {
  const out = Uint8Array.from(bytes);
  const view = new DataView(out.buffer);
  const header = out.length >= 16 ? HEADER[view.getUint16(4, true)] : undefined;
  if (header === undefined) return out;
  const offsets: number[] = [];
  const end = Math.min(out.length, view.getUint32(0, true));
  for (let at = 16 + header; at + 4 <= end && view.getUint16(at, true) >= 4; at += (view.getUint16(at, true) + 3) & ~3)
    offsets.push(at);
  if (offsets.length === 0) return out;
  const at = rng.pick(offsets);
  const length = view.getUint16(at, true);
  view.setUint16(at, rng.chance(0.8) ? rng.range(4, length) : length + rng.range(1, 8), true);
  return out;
}

/** A datagram to decode: a kernel reply, truncated, byte-damaged, a length made hostile, or shifted off alignment. */
function datagram(rng: Rng): Uint8Array {
  const base = rng.pick(REPLIES);
  switch (rng.int(6)) {
    case 0:
      return base;
    case 1:
      return base.subarray(0, rng.int(base.length + 1));
    case 2:
      return mutateBytes(rng, base);
    case 3:
      return damageLength(rng, base);
    case 4:
      return damageAttr(rng, base);
    default: {
      const pad = rng.range(1, 3);
      const out = new Uint8Array(base.length + pad);
      out.set(base, rng.chance(0.5) ? pad : 0);
      return out;
    }
  }
}

/** A RawSocket answering every receive with a fuzzed datagram whose messages may carry the request's number. */
class Fuzzed implements RawSocket {
  #seq = 0;
  constructor(readonly rng: Rng) {}
  send(d: Uint8Array): void {
    this.#seq = new DataView(d.buffer, d.byteOffset).getUint32(8, true);
  }
  receive(): Uint8Array {
    const out = Uint8Array.from(datagram(this.rng));
    if (out.length >= 12 && this.rng.chance(0.7)) new DataView(out.buffer).setUint32(8, this.#seq, true);
    return out;
  }
  close(): void {}
}

/** Decodes fuzzed datagrams; returns how many decoded without an error. */
export async function decodeTarget(): Promise<number> {
  assert.ok(REPLIES.length > 40, 'the captures hold the kernel replies');
  let decoded = 0;
  await runCases('rtnl-replies/decode', fuzzCases(5000), (rng, note) => {
    const bytes = datagram(rng);
    note('datagram', bytes);
    try {
      decodeAll(bytes, rng);
      decoded += 1;
    } catch (error) {
      assert.ok(error instanceof NetlinkError, `untyped ${String(error)}`);
      assert.equal(error.code, 'NETLINK_BAD_OUTPUT', error.message);
    }
  });
  return decoded;
}

/** Changes, gets and dumps over a socket answering with fuzzed datagrams; each ends with a value or a NetlinkError. */
export async function socketTarget(): Promise<number> {
  await runCases('rtnl-replies/socket', fuzzCases(2000), (rng, note) => {
    const socket = new RtnlSocket(new Fuzzed(rng));
    const op = rng.int(3);
    note('operation', ['change', 'get', 'dump'][op]);
    try {
      if (op === 0) socket.change(setLinkUp(2), 'link set up');
      else if (op === 1) socket.get(getLink('eth0'), 'link show');
      else socket.dump(dumpRoutes(), 'route show');
    } catch (error) {
      assert.ok(error instanceof NetlinkError, `untyped ${String(error)}`);
    }
  });
  return fuzzCases(2000);
}

// Run as a worker (rtnl-replies.test.ts): the target named in workerData, its outcome posted back.
if (!isMainThread && parentPort !== null) {
  const target = workerData === 'decode' ? decodeTarget : socketTarget;
  target().then(
    (count) => parentPort?.postMessage({ count }),
    (error: unknown) => parentPort?.postMessage({ failure: error instanceof Error ? error.message : String(error) }),
  );
}
