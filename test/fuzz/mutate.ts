/**
 * Input generators and mutators of the fuzz tests, all driven by a seeded {@link Rng}: hostile strings (paths, NUL,
 * newlines, shell syntax, lone surrogates, huge values), random JSON values, structural mutations of a JSON tree
 * (drop a field, flip its type, replace it, add junk), and character/byte mutations of text and binary messages.
 *
 * @example
 * const conf = mutateJson(rng, { cniVersion: '1.0.0', name: 'aws-cni' }, 2); // e.g. { cniVersion: 7, name: '../x' }
 * const text = mutateText(rng, JSON.stringify(conf));                         // e.g. truncated, a byte flipped
 */
import type { Rng } from './prng.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Strings that have broken parsers, shells, paths and loggers before. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '/',
  '.',
  '..',
  '../../etc/passwd',
  '/etc/passwd',
  'a/b',
  'a\u0000b',
  '\u0000',
  'a\nb',
  '\r\n',
  '\t',
  'eth0;reboot',
  '$(reboot)',
  '`id`',
  "' OR 1=1 --",
  '"',
  '\\',
  '\\u0000',
  '#',
  '%s%n%x',
  '{}',
  '[]',
  'null',
  'true',
  '0',
  '-1',
  '1e999',
  'NaN',
  '9001 ',
  ' eni',
  'ETH',
  'eth',
  'lo',
  'vlan',
  'Ünïcödé',
  '日本語',
  '😀',
  '\u202e',
  '\ufeff',
  '\ud800',
  'x'.repeat(16),
  'x'.repeat(257),
  'x'.repeat(5000),
  '__proto__',
  'constructor',
  'toString',
];

/** A random string: hostile, printable, arbitrary code units, or huge. */
export function randomString(rng: Rng): string {
  switch (rng.int(6)) {
    case 0:
    case 1:
      return rng.pick(HOSTILE_STRINGS);
    case 2:
      return Array.from({ length: rng.int(20) }, () => String.fromCharCode(rng.range(0x20, 0x7e))).join('');
    case 3:
      return Array.from({ length: rng.int(12) }, () => String.fromCharCode(rng.int(0x10000))).join('');
    case 4:
      return rng.pick(['a', 'é', '/', '\u0000', '😀']).repeat(rng.pick([64, 1024, 4096, 70_000]));
    default:
      return `${rng.pick(HOSTILE_STRINGS)}${rng.int(1000)}${rng.pick(HOSTILE_STRINGS)}`;
  }
}

const NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.5,
  576,
  575,
  9001,
  9002,
  65535,
  2 ** 31,
  2 ** 32 + 1,
  2 ** 53 + 2,
  -(2 ** 63),
  1e308,
  5e-324,
];

/** A random JSON value (nested up to `depth`). */
export function randomJson(rng: Rng, depth = 2): Json {
  switch (rng.int(depth > 0 ? 7 : 5)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.chance(0.5) ? rng.pick(NUMBERS) : rng.range(-1000, 100_000);
    case 3:
    case 4:
      return randomString(rng);
    case 5:
      return Array.from({ length: rng.int(4) }, () => randomJson(rng, depth - 1));
    default: {
      const out: Record<string, Json> = {};
      for (let i = rng.int(4); i > 0; i--)
        out[
          rng.chance(0.7)
            ? rng.pick(['name', 'type', 'ip', 'mac', 'interface', 'address', 'gateway', 'version', 'cniVersion'])
            : randomString(rng)
        ] = randomJson(rng, depth - 1);
      return out;
    }
  }
}

/** A value of another JSON type than `value`, often a near miss (9001 ↔ "9001", "x" ↔ ["x"]). */
function flipType(rng: Rng, value: Json): Json {
  if (typeof value === 'string')
    return rng.pick<Json>([Number(value), [value], { value }, value === '' ? null : true, null]);
  if (typeof value === 'number') return rng.pick<Json>([String(value), [value], null, value !== 0]);
  if (typeof value === 'boolean') return rng.pick<Json>([String(value), value ? 1 : 0, null]);
  if (Array.isArray(value)) return rng.pick<Json>([value[0] ?? null, JSON.stringify(value), {}]);
  if (value === null) return rng.pick<Json>(['', 0, false, {}, []]);
  return rng.pick<Json>([[value], JSON.stringify(value), Object.keys(value).length, null]);
}

/** Every path (object keys and array indexes) in a JSON tree, the root excluded. */
function paths(value: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  const entries: [string | number, Json][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : value !== null && typeof value === 'object'
      ? Object.entries(value)
      : [];
  for (const [key, child] of entries) {
    out.push([...prefix, key]);
    paths(child, [...prefix, key], out);
  }
  return out;
}

/** One structural mutation of a deep copy of the tree. */
export function mutateJsonOnce(rng: Rng, tree: Json): Json {
  const copy = JSON.parse(JSON.stringify(tree)) as Json;
  const all = paths(copy);
  if (all.length === 0 || rng.chance(0.03)) return rng.chance(0.5) ? randomJson(rng) : flipType(rng, copy);
  const path = rng.pick(all);
  const parent = path
    .slice(0, -1)
    .reduce<Json>((node, key) => (node as Record<string | number, Json>)[key] as Json, copy) as
    Record<string | number, Json> | Json[];
  const key = path[path.length - 1] as string | number;
  const current = (parent as Record<string | number, Json>)[key] as Json;
  const set = (v: Json): void => void ((parent as Record<string | number, Json>)[key] = v);
  switch (rng.int(8)) {
    case 0:
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key as string];
      break;
    case 1:
      set(flipType(rng, current));
      break;
    case 2:
      set(randomString(rng));
      break;
    case 3:
      set(randomJson(rng));
      break;
    case 4:
      if (typeof current === 'string') set(current + randomString(rng));
      else set(flipType(rng, current));
      break;
    case 5:
      if (Array.isArray(parent)) parent.push(randomJson(rng));
      else parent[randomString(rng)] = randomJson(rng);
      break;
    case 6:
      set(rng.pick<Json>([null, '', 0, [], {}]));
      break;
    default:
      if (typeof current === 'string' && current.length > 0) {
        const at = rng.int(current.length);
        set(current.slice(0, at) + rng.pick(['/', '..', '\u0000', '\n', ' ', '😀', ';', '=']) + current.slice(at));
      } else set(randomJson(rng, 1));
  }
  return copy;
}

/** 1..max structural mutations. */
export function mutateJson(rng: Rng, tree: Json, max = 3): Json {
  let out = tree;
  for (let n = rng.range(1, max); n > 0; n--) out = mutateJsonOnce(rng, out);
  return out;
}

/** Character-level damage to a text: truncation, deletion, duplication, insertion, replacement. */
export function mutateText(rng: Rng, text: string): string {
  let out = text;
  for (let n = rng.range(1, 3); n > 0; n--) {
    const at = rng.int(out.length + 1);
    switch (rng.int(6)) {
      case 0:
        out = out.slice(0, at);
        break;
      case 1:
        out = out.slice(0, at) + out.slice(at + rng.range(1, 16));
        break;
      case 2:
        out = out.slice(0, at) + out.slice(at, at + rng.range(1, 40)) + out.slice(at);
        break;
      case 3:
        out =
          out.slice(0, at) +
          rng.pick([
            '"',
            '{',
            '}',
            '[',
            ']',
            ',',
            ':',
            '\\',
            '\u0000',
            '\n',
            '-',
            '0',
            'e',
            '\ud800',
            '---\n',
            '  ',
            '\t',
          ]) +
          out.slice(at);
        break;
      case 4:
        out = out.slice(0, at) + randomString(rng) + out.slice(at);
        break;
      default:
        out = out.slice(0, at) + String.fromCharCode(rng.int(0x80)) + out.slice(at + 1);
    }
  }
  return out;
}

/** Byte-level damage to a binary message: bit flips, insertions, deletions, truncation, splices of random bytes. */
export function mutateBytes(rng: Rng, bytes: Uint8Array): Uint8Array {
  let out = Uint8Array.from(bytes);
  for (let n = rng.range(1, 4); n > 0; n--) {
    const at = rng.int(out.length + 1);
    switch (rng.int(6)) {
      case 0:
        if (out.length > 0) out[at % out.length] = (out[at % out.length] ?? 0) ^ (1 << rng.int(8));
        break;
      case 1:
        out = out.subarray(0, at);
        break;
      case 2:
        out = Uint8Array.from([...out.subarray(0, at), ...out.subarray(at + rng.range(1, 8))]);
        break;
      case 3:
        out = Uint8Array.from([...out.subarray(0, at), ...rng.bytes(rng.range(1, 12)), ...out.subarray(at)]);
        break;
      case 4:
        // A field with a huge or overlong length varint, or an unusual wire type.
        out = Uint8Array.from([
          ...out.subarray(0, at),
          rng.pick([0x0a, 0x12, 0x1a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x00]),
          ...rng.pick([
            [0xff, 0xff, 0xff, 0xff, 0x0f],
            [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
            [0x05],
            [0x7f],
          ]),
          ...out.subarray(at),
        ]);
        break;
      default:
        if (out.length > 0) out[at % out.length] = rng.int(256);
    }
  }
  return out;
}
