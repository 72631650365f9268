/**
 * JSON the way Go's `encoding/json` writes it, so that introspection output is byte-for-byte the reference's:
 * compact, struct fields in declaration order, map keys sorted byte-wise, `<`, `>`, `&`, U+2028 and U+2029
 * escaped, `time.Time` as RFC 3339 with nanoseconds (trailing zeros trimmed) and `[]byte` as base64.
 *
 * Go structs are plain objects (insertion order is declaration order); Go maps are `Map`s. The distinction
 * matters: a JS object puts integer-like keys ("0", "1", "10") first in numeric order, while Go sorts map keys as
 * strings ("0", "1", "10", "2").
 *
 * @example
 * encodeGoJson({ TotalIPs: 16, ENIs: new Map([['eni-b', 1], ['eni-a', 2]]) });
 * // '{"TotalIPs":16,"ENIs":{"eni-a":2,"eni-b":1}}'
 * goTime(undefined); // '0001-01-01T00:00:00Z'
 * goTime(Date.UTC(2024, 0, 2, 3, 4, 5, 120)); // '2024-01-02T03:04:05.12Z'
 * ipMaskBase64('10.0.4.16/28'); // '////8A=='
 */

/** A value the encoder accepts: Go scalars, slices (arrays), structs (plain objects) and maps (`Map`). */
export type GoJson =
  | null
  | boolean
  | number
  | string
  | readonly GoJson[]
  | ReadonlyMap<string, GoJson>
  | { readonly [field: string]: GoJson };

const GO_EXTRA_ESCAPES = /[<>&\u2028\u2029]/g;

/** A JSON string literal as Go writes it (HTML-safe escaping). */
export function goString(text: string): string {
  return JSON.stringify(text).replace(GO_EXTRA_ESCAPES, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Go orders map keys by their UTF-8 bytes; UTF-16 code-unit order differs above U+D7FF. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Encodes `value` as Go's `json.Marshal` would encode the corresponding Go value. Non-finite numbers, which Go
 * refuses to encode, throw a `RangeError` (the server answers 500, as the reference does on marshal failures).
 */
export function encodeGoJson(value: GoJson): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new RangeError(`json: unsupported value: ${value}`);
      return JSON.stringify(value);
    case 'string':
      return goString(value);
    default:
      break;
  }
  if (isArray(value)) return `[${value.map(encodeGoJson).join(',')}]`;
  if (value instanceof Map) {
    const map = value as ReadonlyMap<string, GoJson>;
    const keys = [...map.keys()].sort(byteOrder);
    return `{${keys.map((key) => `${goString(key)}:${encodeGoJson(map.get(key) ?? null)}`).join(',')}}`;
  }
  const struct = value as { readonly [field: string]: GoJson };
  return `{${Object.keys(struct)
    .map((field) => `${goString(field)}:${encodeGoJson(struct[field] ?? null)}`)
    .join(',')}}`;
}

function isArray(value: unknown): value is readonly GoJson[] {
  return Array.isArray(value);
}

/** Go's zero `time.Time`, as `encoding/json` writes it. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/**
 * A time in milliseconds since the epoch as Go's `time.Time` JSON (RFC3339Nano, UTC, trailing fractional zeros
 * trimmed); `undefined` is Go's zero time.
 */
export function goTime(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return GO_ZERO_TIME;
  const iso = new Date(Math.floor(ms)).toISOString();
  // toISOString always writes .sss; RFC3339Nano drops trailing zeros and the dot when nothing is left.
  return iso.replace(/\.(\d*?)0*Z$/, (_match, digits: string) => (digits === '' ? 'Z' : `.${digits}Z`));
}

/**
 * The mask of a CIDR as Go's `net.IPMask` ([]byte) marshals it: base64 of 4 bytes for IPv4, 16 for IPv6.
 * Throws a `RangeError` for a CIDR without a valid prefix length.
 */
export function ipMaskBase64(cidr: string): string {
  const slash = cidr.lastIndexOf('/');
  const bits = cidr.includes(':') ? 128 : 32;
  const length = slash < 0 ? bits : Number(cidr.slice(slash + 1));
  if (!Number.isInteger(length) || length < 0 || length > bits)
    throw new RangeError(`${cidr} has no valid prefix length`);
  const mask = Buffer.alloc(bits / 8);
  for (let i = 0; i < mask.length; i++) {
    const ones = Math.min(8, Math.max(0, length - i * 8));
    mask[i] = (0xff << (8 - ones)) & 0xff;
  }
  return mask.toString('base64');
}
