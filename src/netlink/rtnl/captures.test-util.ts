/**
 * The rtnetlink traffic of iproute2 6.1 captured with strace (src/netlink/rtnl/testdata/iproute2.json, written by
 * `npx tsx test/support/rtnl/capture-iproute2.ts`): per command, every datagram sent and received in order, as hex.
 * `ip` also talks on a second socket (name lookups) and probes the kernel first; the helpers pick the message of
 * interest by type.
 *
 * @example
 * const sent = sentOfType(capture('ip -n POD addr replace 10.0.97.30/32 dev eth0'), RTM.NEWADDR);
 */
import { readFileSync } from 'node:fs';

export interface Chunk {
  readonly fd: number;
  readonly dir: 'sent' | 'received';
  readonly hex: string;
}

export interface Capture {
  readonly command: string;
  readonly exitCode: number;
  readonly stderr: string;
  readonly chunks: readonly Chunk[];
}

// This file runs from build/spec/src/netlink/rtnl/.
const FILE = new URL('../../../../../src/netlink/rtnl/testdata/iproute2.json', import.meta.url);

export const CAPTURES: readonly Capture[] = (JSON.parse(readFileSync(FILE, 'utf8')) as { captures: Capture[] })
  .captures;

export const bytesOf = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));
export const hexOf = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** The capture of exactly this command line (the namespaces written as NODE and POD); the nth if repeated. */
export function capture(command: string, nth = 0): Capture {
  const found = CAPTURES.filter((c) => c.command === command)[nth];
  if (found === undefined) throw new Error(`no capture of ${command}`);
  return found;
}

/** The last message of nlmsg_type `type` that `ip` sent. */
export function sentOfType(c: Capture, type: number): Uint8Array {
  const matching = c.chunks.filter((k) => k.dir === 'sent' && Buffer.from(k.hex, 'hex').readUInt16LE(4) === type);
  const last = matching[matching.length - 1];
  if (last === undefined) throw new Error(`${c.command}: no message of type ${type} sent`);
  return bytesOf(last.hex);
}

/** The datagrams received on the socket that sent the message of `type`, after it. */
export function answersTo(c: Capture, type: number): Uint8Array[] {
  const at = c.chunks.findLastIndex((k) => k.dir === 'sent' && Buffer.from(k.hex, 'hex').readUInt16LE(4) === type);
  const fd = c.chunks[at]?.fd;
  const out: Uint8Array[] = [];
  for (const k of c.chunks.slice(at + 1)) {
    if (k.fd !== fd) continue;
    if (k.dir === 'sent') break;
    out.push(bytesOf(k.hex));
  }
  return out;
}

/** The sequence number of a message. */
export const seqOf = (message: Uint8Array): number =>
  new DataView(message.buffer, message.byteOffset, message.byteLength).getUint32(8, true);

/** A copy of `message` with sequence number `seq` (the builders leave it 0). */
export function withSeq(message: Uint8Array, seq: number): Uint8Array {
  const copy = Uint8Array.from(message);
  new DataView(copy.buffer).setUint32(8, seq, true);
  return copy;
}
