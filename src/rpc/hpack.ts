/**
 * HPACK (RFC 7541), the header compression of HTTP/2, for the plugin's gRPC client: a complete decoder (static and
 * dynamic table, Huffman-coded strings, table size updates, every literal form) for what ipamd's server sends, and a
 * minimal encoder (literals without indexing, no Huffman) for the few request headers the client sends. Pure.
 *
 * The Huffman code is canonical: codes are assigned in order of (length, symbol), so the table of code lengths below
 * determines every code. The lengths were measured from nghttp2's encoder (node:http2), and hpack.test.ts checks the
 * decoder against it.
 *
 * @example
 * const decoder = new HpackDecoder();
 * decoder.decode(block); // [[':status', '200'], ['content-type', 'application/grpc'], ...]
 * encodeHeaders([[':method', 'POST'], [':path', '/rpc.CNIBackend/AddNetwork']]);
 */
import { RpcError } from './errors.js';

/** RFC 7541 Appendix A: the static table, index 1 first. */
const STATIC_TABLE: readonly (readonly [string, string])[] = [
  [':authority', ''],
  [':method', 'GET'],
  [':method', 'POST'],
  [':path', '/'],
  [':path', '/index.html'],
  [':scheme', 'http'],
  [':scheme', 'https'],
  [':status', '200'],
  [':status', '204'],
  [':status', '206'],
  [':status', '304'],
  [':status', '400'],
  [':status', '404'],
  [':status', '500'],
  ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'],
  ['accept-language', ''],
  ['accept-ranges', ''],
  ['accept', ''],
  ['access-control-allow-origin', ''],
  ['age', ''],
  ['allow', ''],
  ['authorization', ''],
  ['cache-control', ''],
  ['content-disposition', ''],
  ['content-encoding', ''],
  ['content-language', ''],
  ['content-length', ''],
  ['content-location', ''],
  ['content-range', ''],
  ['content-type', ''],
  ['cookie', ''],
  ['date', ''],
  ['etag', ''],
  ['expect', ''],
  ['expires', ''],
  ['from', ''],
  ['host', ''],
  ['if-match', ''],
  ['if-modified-since', ''],
  ['if-none-match', ''],
  ['if-range', ''],
  ['if-unmodified-since', ''],
  ['last-modified', ''],
  ['link', ''],
  ['location', ''],
  ['max-forwards', ''],
  ['proxy-authenticate', ''],
  ['proxy-authorization', ''],
  ['range', ''],
  ['referer', ''],
  ['refresh', ''],
  ['retry-after', ''],
  ['server', ''],
  ['set-cookie', ''],
  ['strict-transport-security', ''],
  ['transfer-encoding', ''],
  ['user-agent', ''],
  ['vary', ''],
  ['via', ''],
  ['www-authenticate', ''],
];

/** Huffman code length of each symbol 0..255 and of EOS (256). */
const CODE_LENGTHS: readonly number[] = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28,
  28, 28, 28, 6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, 15, 5, 6, 5, 6,
  5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28, 20, 22, 20, 20, 22, 22, 22, 23,
  22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, 22, 21, 20, 22, 22,
  23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, 26, 26,
  20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27,
  27, 20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27,
  27, 27, 27, 26, 30,
];
const EOS = 256;
const MAX_CODE_LENGTH = 30;

/** Canonical decoding tables: per length, the first code, how many codes, and where its symbols start. */
interface Canonical {
  readonly first: Int32Array;
  readonly count: Int32Array;
  readonly offset: Int32Array;
  /** The symbols in code order: by code length, then by symbol. */
  readonly symbols: Uint16Array;
}

let canonical: Canonical | undefined;

/**
 * Built on first use by counting sort, with indexed loops only: the plugin decodes one response per process, cold,
 * where Array.prototype.sort/map/fill (JS-implemented builtins, compiled on first call) cost more than the work.
 */
function huffmanTables(): Canonical {
  if (canonical !== undefined) return canonical;
  const count = new Int32Array(MAX_CODE_LENGTH + 1);
  for (let symbol = 0; symbol < CODE_LENGTHS.length; symbol++) {
    const length = CODE_LENGTHS[symbol] as number;
    count[length] = (count[length] as number) + 1;
  }
  const first = new Int32Array(MAX_CODE_LENGTH + 1);
  const offset = new Int32Array(MAX_CODE_LENGTH + 1);
  let code = 0;
  let index = 0;
  for (let length = 1; length <= MAX_CODE_LENGTH; length++) {
    first[length] = code;
    offset[length] = index;
    code = (code + (count[length] as number)) * 2;
    index += count[length] as number;
  }
  const symbols = new Uint16Array(CODE_LENGTHS.length);
  const placed = new Int32Array(MAX_CODE_LENGTH + 1);
  for (let symbol = 0; symbol < CODE_LENGTHS.length; symbol++) {
    const length = CODE_LENGTHS[symbol] as number;
    symbols[(offset[length] as number) + (placed[length] as number)] = symbol;
    placed[length] = (placed[length] as number) + 1;
  }
  canonical = { first, count, offset, symbols };
  return canonical;
}

function hpackError(message: string): RpcError {
  return new RpcError('RPC_PROTOCOL', `HPACK: ${message}`);
}

/** Decodes a Huffman-coded string (latin1). */
export function huffmanDecode(bytes: Uint8Array): string {
  const { first, count, offset, symbols } = huffmanTables();
  let out = '';
  let code = 0;
  let length = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    for (let bit = 7; bit >= 0; bit--) {
      code = code * 2 + ((byte >> bit) & 1);
      length += 1;
      const n = count[length] ?? 0;
      const at = code - (first[length] ?? 0);
      if (n > 0 && at < n) {
        const symbol = symbols[(offset[length] ?? 0) + at] ?? EOS;
        if (symbol === EOS) throw hpackError('EOS inside a Huffman-coded string');
        out += String.fromCharCode(symbol);
        code = 0;
        length = 0;
      } else if (length >= MAX_CODE_LENGTH) {
        throw hpackError('invalid Huffman code');
      }
    }
  }
  // What is left is padding: fewer than 8 bits, all ones (the start of EOS).
  if (length > 7 || code !== 2 ** length - 1) throw hpackError('invalid Huffman padding');
  return out;
}

/** The bytes as latin1 text (a loop: spreading a typed array into fromCharCode goes through its iterator). */
function latin1(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i] as number);
  return text;
}

/** A header list: names lower-case, values as sent. */
export type HeaderList = [string, string][];

/** Reads HPACK's prefixed integers and strings from one header block. */
class BlockReader {
  #at = 0;
  readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  get done(): boolean {
    return this.#at >= this.bytes.length;
  }

  peek(): number {
    const byte = this.bytes[this.#at];
    if (byte === undefined) throw hpackError('truncated header block');
    return byte;
  }

  integer(prefixBits: number): number {
    const max = (1 << prefixBits) - 1;
    let value = this.peek() & max;
    this.#at += 1;
    if (value < max) return value;
    for (let shift = 0; ; shift += 7) {
      if (shift > 28) throw hpackError('integer too large');
      const byte = this.peek();
      this.#at += 1;
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
  }

  string(): string {
    const huffman = (this.peek() & 0x80) !== 0;
    const length = this.integer(7);
    if (this.#at + length > this.bytes.length) throw hpackError('string runs past the header block');
    const raw = this.bytes.subarray(this.#at, this.#at + length);
    this.#at += length;
    return huffman ? huffmanDecode(raw) : latin1(raw);
  }
}

/** One connection's decoder: keeps the dynamic table across header blocks, as HPACK requires. */
export class HpackDecoder {
  #dynamic: [string, string][] = [];
  #size = 0;
  #maxSize: number;
  readonly #limit: number;

  /** @param maxTableSize SETTINGS_HEADER_TABLE_SIZE this side announced (the default, 4096, when it sent none). */
  constructor(maxTableSize = 4096) {
    this.#maxSize = maxTableSize;
    this.#limit = maxTableSize;
  }

  decode(block: Uint8Array): HeaderList {
    const reader = new BlockReader(block);
    const headers: HeaderList = [];
    while (!reader.done) {
      const byte = reader.peek();
      if (byte & 0x80) {
        headers.push(this.#entry(reader.integer(7)));
      } else if (byte & 0x40) {
        const header = this.#literal(reader, 6);
        headers.push(header);
        this.#add(header);
      } else if (byte & 0x20) {
        const size = reader.integer(5);
        if (size > this.#limit) throw hpackError(`table size update to ${size} exceeds ${this.#limit}`);
        this.#maxSize = size;
        this.#evict();
      } else {
        headers.push(this.#literal(reader, 4));
      }
    }
    return headers;
  }

  #literal(reader: BlockReader, prefixBits: number): [string, string] {
    const index = reader.integer(prefixBits);
    const name = index === 0 ? reader.string() : this.#entry(index)[0];
    return [name, reader.string()];
  }

  #entry(index: number): [string, string] {
    if (index === 0) throw hpackError('index 0');
    const entry =
      index <= STATIC_TABLE.length ? STATIC_TABLE[index - 1] : this.#dynamic[index - STATIC_TABLE.length - 1];
    if (entry === undefined) throw hpackError(`no table entry ${index}`);
    return [entry[0], entry[1]];
  }

  #add(header: [string, string]): void {
    this.#dynamic.unshift(header);
    this.#size += header[0].length + header[1].length + 32;
    this.#evict();
  }

  #evict(): void {
    while (this.#size > this.#maxSize) {
      const last = this.#dynamic.pop();
      if (last === undefined) break;
      this.#size -= last[0].length + last[1].length + 32;
    }
  }
}

function encodeInteger(out: number[], value: number, prefixBits: number, flags: number): void {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out.push(flags | value);
    return;
  }
  out.push(flags | max);
  let rest = value - max;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
}

function encodeString(out: number[], text: string): void {
  encodeInteger(out, text.length, 7, 0);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) throw hpackError(`header text is not latin1: ${JSON.stringify(text.slice(0, 40))}`);
    out.push(code);
  }
}

/**
 * A header block of literals without indexing (the decoder's table is never touched), names from the static table
 * where it has them, no Huffman coding.
 */
export function encodeHeaders(headers: readonly (readonly [string, string])[]): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < headers.length; i++) {
    const header = headers[i] as readonly [string, string];
    const name = header[0];
    const value = header[1];
    let full = -1;
    let named = -1;
    for (let at = 0; at < STATIC_TABLE.length && full < 0; at++) {
      const entry = STATIC_TABLE[at] as readonly [string, string];
      if (entry[0] !== name) continue;
      if (named < 0) named = at;
      if (entry[1] === value) full = at;
    }
    if (full >= 0) {
      encodeInteger(out, full + 1, 7, 0x80);
      continue;
    }
    if (named >= 0) encodeInteger(out, named + 1, 4, 0);
    else {
      out.push(0);
      encodeString(out, name);
    }
    encodeString(out, value);
  }
  return new Uint8Array(out);
}
