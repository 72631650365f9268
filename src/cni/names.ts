/**
 * Interface names the reference derives from the pod (pkg/networkutils/names.go, §7.2): the host veth is
 * `<vethPrefix>` + the first 11 hex digits of SHA-1("<namespace>.<pod>") — `eni` + 11 = 14 characters, under the
 * kernel's 15 — and the result's fake `dummy` interface uses the same hash. Pods with several addresses (multi-NIC)
 * hash "<namespace>.<pod>.<index>" for index > 0 and name their extra container interfaces `mNicIf<index>`.
 */

const rotl = (x: number, n: number): number => ((x << n) | (x >>> (32 - n))) >>> 0;

/**
 * SHA-1 (FIPS 180-4) of the UTF-8 text, in hex. In-process rather than node:crypto: the plugin hashes one short
 * string per call, and loading node:crypto costs the compiled plugin 7 ms on every exec.
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
  const h = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];
  const w = new Array<number>(80).fill(0);
  for (let offset = 0; offset < blocks.length; offset += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(offset + i * 4);
    for (let i = 16; i < 80; i++) w[i] = rotl((w[i - 3] ?? 0) ^ (w[i - 8] ?? 0) ^ (w[i - 14] ?? 0) ^ (w[i - 16] ?? 0), 1);
    let [a, b, c, d, e] = h as [number, number, number, number, number];
    for (let i = 0; i < 80; i++) {
      const [f, k] =
        i < 20 ? [(b & c) | (~b & d), 0x5a827999] : i < 40 ? [b ^ c ^ d, 0x6ed9eba1] : i < 60 ? [(b & c) | (b & d) | (c & d), 0x8f1bbcdc] : [b ^ c ^ d, 0xca62c1d6];
      const t = (rotl(a, 5) + (f >>> 0) + e + k + (w[i] ?? 0)) >>> 0;
      e = d;
      d = c;
      c = rotl(b, 30);
      b = a;
      a = t;
    }
    h[0] = ((h[0] ?? 0) + a) >>> 0;
    h[1] = ((h[1] ?? 0) + b) >>> 0;
    h[2] = ((h[2] ?? 0) + c) >>> 0;
    h[3] = ((h[3] ?? 0) + d) >>> 0;
    h[4] = ((h[4] ?? 0) + e) >>> 0;
  }
  return h.map((word) => word.toString(16).padStart(8, '0')).join('');
}

/** The first 11 hex digits of SHA-1(`<namespace>.<podName>`). */
export function podHash(namespace: string, podName: string): string {
  return sha1Hex(`${namespace}.${podName}`).slice(0, 11);
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
