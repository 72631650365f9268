/**
 * Interface names the reference derives from the pod (pkg/networkutils/names.go, [behaviour §7.2]): the host veth is
 * `<vethPrefix>` + the first 11 hex digits of SHA-1("<namespace>.<pod>") — `eni` + 11 = 14 characters, under the
 * kernel's 15 — and the result's fake `dummy` interface uses the same hash. Pods with several addresses (multi-NIC)
 * hash "<namespace>.<pod>.<index>" for index > 0 and name their extra container interfaces `mNicIf<index>`.
 */

const rotl = (x: number, n: number): number => ((x << n) | (x >>> (32 - n))) >>> 0;

const HEX = '0123456789abcdef';

/**
 * SHA-1 (FIPS 180-4) of the UTF-8 text, in hex. In-process rather than node:crypto: the plugin hashes one short
 * string per call, and loading node:crypto costs the compiled plugin 7 ms on every exec. Written with indexed loops
 * and no destructuring: the plugin runs it once per process, cold, where each iterator or array built per round
 * costs more than the arithmetic (the round loop with `const [f, k] = ...` took ~0.7 ms per exec).
 */
export function sha1Hex(text: string): string {
  const data = new TextEncoder().encode(text);
  const blocks = new Uint8Array((((data.length + 8) >> 6) + 1) << 6);
  blocks.set(data);
  blocks[data.length] = 0x80;
  const view = new DataView(blocks.buffer);
  const bits = data.length * 8;
  view.setUint32(blocks.length - 8, Math.floor(bits / 0x1_0000_0000));
  view.setUint32(blocks.length - 4, bits >>> 0);
  let h0 = 0x67452301;
  let h1 = 0xefcdab89;
  let h2 = 0x98badcfe;
  let h3 = 0x10325476;
  let h4 = 0xc3d2e1f0;
  const w = new Uint32Array(80);
  for (let offset = 0; offset < blocks.length; offset += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(offset + i * 4);
    for (let i = 16; i < 80; i++)
      w[i] = rotl((w[i - 3] as number) ^ (w[i - 8] as number) ^ (w[i - 14] as number) ^ (w[i - 16] as number), 1);
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    for (let i = 0; i < 80; i++) {
      let f: number;
      let k: number;
      if (i < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (i < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6;
      }
      const t = (rotl(a, 5) + (f >>> 0) + e + k + (w[i] as number)) >>> 0;
      e = d;
      d = c;
      c = rotl(b, 30);
      b = a;
      a = t;
    }
    h0 = (h0 + a) >>> 0;
    h1 = (h1 + b) >>> 0;
    h2 = (h2 + c) >>> 0;
    h3 = (h3 + d) >>> 0;
    h4 = (h4 + e) >>> 0;
  }
  return wordHex(h0) + wordHex(h1) + wordHex(h2) + wordHex(h3) + wordHex(h4);
}

function wordHex(word: number): string {
  let hex = '';
  for (let shift = 28; shift >= 0; shift -= 4) hex += HEX[(word >>> shift) & 0xf] as string;
  return hex;
}

/** The last hash: ADD, DEL and CHECK each name the host veth and the dummy interface of the same pod. */
let lastHash: { readonly text: string; readonly hash: string } | undefined;

/** The first 11 hex digits of SHA-1(`<namespace>.<podName>`). */
export function podHash(namespace: string, podName: string): string {
  const text = `${namespace}.${podName}`;
  if (lastHash?.text !== text) lastHash = { text, hash: sha1Hex(text).slice(0, 11) };
  return lastHash.hash;
}

/**
 * The host-side veth of a pod's address `index`.
 *
 * @example
 * hostVethName('eni', 'default', 'web-0'); // 'eni' + 11 hex digits
 */
export function hostVethName(prefix: string, namespace: string, podName: string, index = 0): string {
  return prefix + podHash(namespace, index === 0 ? podName : `${podName}.${index}`);
}

/** The name of the result's fake interface carrying the device number (or VLAN id) for DEL without ipamd. */
export function dummyInterfaceName(namespace: string, podName: string): string {
  return `dummy${podHash(namespace, podName)}`;
}

/** The container interface of address `index`: CNI_IFNAME for the first, `mNicIf<index>` after. */
export function containerInterfaceName(ifName: string, index: number): string {
  return index === 0 ? ifName : `mNicIf${index}`;
}
