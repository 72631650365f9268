/**
 * The one protobuf and gRPC-framing code path of the RPC: the server (through @grpc/grpc-js's serialize/deserialize
 * hooks) and the plugin's lean client use these codecs, so both sides agree on the bytes by construction.
 *
 * Encoding is driven by the field tables of src/rpc/proto.ts over the small varint Writer/Reader below (the wire
 * types these messages use: varints and length-delimited fields): no reflection, no `.proto` parsing and no protobuf
 * library at run time, because the plugin cold-starts per CNI call (even protobufjs/minimal costs the compiled plugin
 * 3.5 ms per exec); codec.test.ts cross-checks every message against protobufjs. proto3 rules apply: defaults ('' / 0
 * / false / []) are not written and are filled in when absent; fields are written in field-number order, as Go's and
 * protobufjs's encoders do; unknown fields (and fields with an unexpected wire type) are skipped on decode.
 */
import { RpcError } from './errors.js';
import {
  ADD_NETWORK_REPLY_FIELDS,
  ADD_NETWORK_REQUEST_FIELDS,
  DEL_NETWORK_REPLY_FIELDS,
  DEL_NETWORK_REQUEST_FIELDS,
  HEALTH_CHECK_REQUEST_FIELDS,
  HEALTH_CHECK_RESPONSE_FIELDS,
  type FieldSpec,
} from './proto.js';
import type { AddNetworkReply, AddNetworkRequest, DelNetworkReply, DelNetworkRequest } from './types.js';
import { messageOf } from '../errors.js';

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Appends protobuf wire values to a growing byte buffer. Indexed writes into a Uint8Array rather than a number[] and
 * Uint8Array.from: the plugin encodes one request per process, cold, where a JS-implemented builtin's first call
 * (Uint8Array.from: ~0.25 ms) costs more than the encoding.
 */
class Writer {
  #buf = new Uint8Array(256);
  #pos = 0;

  #reserve(count: number): void {
    if (this.#pos + count <= this.#buf.length) return;
    const grown = new Uint8Array(Math.max(this.#buf.length * 2, this.#pos + count));
    grown.set(this.#buf.subarray(0, this.#pos));
    this.#buf = grown;
  }

  varint(value: number): this {
    this.#reserve(10);
    const buf = this.#buf;
    // Negative int32s are sign-extended to 64 bits: ten bytes, as every protobuf encoder writes them.
    if (value < 0) {
      let low = value >>> 0;
      for (let i = 0; i < 4; i++) {
        buf[this.#pos++] = (low & 0x7f) | 0x80;
        low >>>= 7;
      }
      buf[this.#pos++] = (low & 0x0f) | 0x70 | 0x80;
      for (let i = 0; i < 4; i++) buf[this.#pos++] = 0xff;
      buf[this.#pos++] = 0x01;
      return this;
    }
    let rest = value >>> 0;
    while (rest >= 0x80) {
      buf[this.#pos++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    buf[this.#pos++] = rest;
    return this;
  }

  bytes(data: Uint8Array): this {
    this.varint(data.length);
    this.#reserve(data.length);
    this.#buf.set(data, this.#pos);
    this.#pos += data.length;
    return this;
  }

  string(text: string): this {
    return this.bytes(utf8Encoder.encode(text));
  }

  finish(): Uint8Array {
    return this.#buf.slice(0, this.#pos);
  }
}

/** Reads protobuf wire values; every read past the end throws a RangeError. */
class Reader {
  pos = 0;
  readonly len: number;
  readonly #buf: Uint8Array;

  constructor(buf: Uint8Array) {
    this.#buf = buf;
    this.len = buf.length;
  }

  #byte(): number {
    const byte = this.#buf[this.pos];
    if (byte === undefined || this.pos >= this.len)
      throw new RangeError(`index out of range: ${this.pos + 1} > ${this.len}`);
    this.pos += 1;
    return byte;
  }

  /** A varint of up to ten bytes, as its low 32 bits (unsigned). */
  uint32(): number {
    let value = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      const byte = this.#byte();
      if (shift < 32) value = (value | ((byte & 0x7f) << shift)) >>> 0;
      if ((byte & 0x80) === 0) return value;
    }
    throw new RangeError('invalid varint encoding');
  }

  int32(): number {
    return this.uint32() | 0;
  }

  bool(): boolean {
    return this.uint32() !== 0;
  }

  string(): string {
    const length = this.uint32();
    const end = this.pos + length;
    if (end > this.len) throw new RangeError(`index out of range: ${end} > ${this.len}`);
    const text = utf8Decoder.decode(this.#buf.subarray(this.pos, end));
    this.pos = end;
    return text;
  }

  /** Skips a field of this wire type (varint, fixed64, length-delimited, group, fixed32). */
  skipType(wireType: number): void {
    switch (wireType) {
      case 0:
        this.uint32();
        return;
      case 1:
        this.#skip(8);
        return;
      case 2:
        this.#skip(this.uint32());
        return;
      case 3:
        for (;;) {
          const tag = this.uint32();
          if ((tag & 7) === 4) return;
          this.skipType(tag & 7);
        }
      case 5:
        this.#skip(4);
        return;
      default:
        throw new RangeError(`invalid wire type ${wireType} at offset ${this.pos}`);
    }
  }

  #skip(count: number): void {
    if (this.pos + count > this.len) throw new RangeError(`index out of range: ${this.pos + count} > ${this.len}`);
    this.pos += count;
  }
}

/**
 * Encodes, decodes and default-fills one message type.
 *
 * @example
 * const reply = addNetworkReplyCodec.create({ success: true, vpcV4Cidrs: ['10.0.0.0/16'] }); // other fields at defaults
 * addNetworkReplyCodec.decode(addNetworkReplyCodec.encode(reply)) // deep-equals reply
 */
export interface Codec<T> {
  encode(message: T): Uint8Array;
  /** @throws RpcError RPC_PROTOCOL when the bytes are not a valid protobuf message. */
  decode(bytes: Uint8Array): T;
  /** A message with every absent field at its proto3 default. */
  create(fields?: Partial<T>): T;
}

type Fields = Record<string, unknown>;
const WIRE_VARINT = 0;
const WIRE_BYTES = 2;

/** A message's fields in field-number order (the order they are written in), nested messages' too. */
interface Ordered {
  readonly fields: readonly FieldSpec[];
  readonly nested: ReadonlyMap<FieldSpec, Ordered>;
}

/** Orders once per codec, when the module loads, by insertion sort: the tables have a dozen fields at most. */
function order(fields: readonly FieldSpec[]): Ordered {
  const sorted: FieldSpec[] = [];
  const nested = new Map<FieldSpec, Ordered>();
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] as FieldSpec;
    let at = sorted.length;
    while (at > 0 && (sorted[at - 1] as FieldSpec).no > f.no) at--;
    sorted.splice(at, 0, f);
    if (f.kind === 'message') nested.set(f, order(f.message ?? []));
  }
  return { fields: sorted, nested };
}

function defaults(fields: readonly FieldSpec[]): Fields {
  const out: Fields = {};
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] as FieldSpec;
    out[f.key] = f.repeated === true ? [] : f.kind === 'string' ? '' : f.kind === 'bool' ? false : 0;
  }
  return out;
}

function writeValue(writer: Writer, f: FieldSpec, nested: Ordered | undefined, value: unknown, always: boolean): void {
  switch (f.kind) {
    case 'string':
      if (typeof value === 'string' && (always || value !== '')) writer.varint((f.no << 3) | WIRE_BYTES).string(value);
      return;
    case 'bool':
      if (value === true || (always && value === false)) writer.varint((f.no << 3) | WIRE_VARINT).varint(value ? 1 : 0);
      return;
    case 'int32':
      if (typeof value === 'number' && (always || value !== 0))
        writer.varint((f.no << 3) | WIRE_VARINT).varint(value | 0);
      return;
    case 'message': {
      const inner = new Writer();
      writeFields(inner, nested ?? order(f.message ?? []), (value ?? {}) as Fields);
      writer.varint((f.no << 3) | WIRE_BYTES).bytes(inner.finish());
      return;
    }
  }
}

function writeFields(writer: Writer, ordered: Ordered, message: Fields): void {
  const fields = ordered.fields;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] as FieldSpec;
    const value = message[f.key];
    const nested = f.kind === 'message' ? ordered.nested.get(f) : undefined;
    if (f.repeated !== true) writeValue(writer, f, nested, value, false);
    else if (Array.isArray(value)) for (let j = 0; j < value.length; j++) writeValue(writer, f, nested, value[j], true);
  }
}

function fieldNumbered(fields: readonly FieldSpec[], no: number): FieldSpec | undefined {
  for (let i = 0; i < fields.length; i++) if ((fields[i] as FieldSpec).no === no) return fields[i];
  return undefined;
}

function wireType(f: FieldSpec): number {
  return f.kind === 'string' || f.kind === 'message' ? WIRE_BYTES : WIRE_VARINT;
}

function readFields(reader: Reader, end: number, fields: readonly FieldSpec[]): Fields {
  const out = defaults(fields);
  while (reader.pos < end) {
    const tag = reader.uint32();
    const no = tag >>> 3;
    if (no === 0) throw new RangeError('field number 0');
    const f = fieldNumbered(fields, no);
    if (f === undefined || (tag & 7) !== wireType(f)) {
      reader.skipType(tag & 7);
      continue;
    }
    let value: unknown;
    if (f.kind === 'string') value = reader.string();
    else if (f.kind === 'bool') value = reader.bool();
    else if (f.kind === 'int32') value = reader.int32();
    else {
      const length = reader.uint32();
      const subEnd = reader.pos + length;
      if (subEnd > end) throw new RangeError(`embedded message of ${length} bytes overruns its parent`);
      value = readFields(reader, subEnd, f.message ?? []);
    }
    if (f.repeated === true) (out[f.key] as unknown[]).push(value);
    else out[f.key] = value;
  }
  if (reader.pos !== end) throw new RangeError('message overruns its length');
  return out;
}

/** The codec of one message type from its field table (np-codec.ts builds the network-policy messages with it). */
export function messageCodec<T extends object>(name: string, fields: readonly FieldSpec[]): Codec<T> {
  const ordered = order(fields);
  return {
    encode(message) {
      const writer = new Writer();
      writeFields(writer, ordered, message as unknown as Fields);
      return writer.finish();
    },
    decode(bytes) {
      try {
        const reader = new Reader(bytes);
        return readFields(reader, reader.len, fields) as T;
      } catch (error) {
        const reason = messageOf(error);
        throw new RpcError('RPC_PROTOCOL', `cannot decode ${name}: ${reason}`, { message: name }, error);
      }
    },
    create(partial) {
      return { ...defaults(fields), ...partial } as T;
    },
  };
}

/**
 * The codecs of `rpc.CNIBackend`'s four messages.
 *
 * @example
 * const bytes = addNetworkRequestCodec.encode(request); // what goes inside the gRPC frame
 */
export const addNetworkRequestCodec = messageCodec<AddNetworkRequest>('AddNetworkRequest', ADD_NETWORK_REQUEST_FIELDS);
export const addNetworkReplyCodec = messageCodec<AddNetworkReply>('AddNetworkReply', ADD_NETWORK_REPLY_FIELDS);
export const delNetworkRequestCodec = messageCodec<DelNetworkRequest>('DelNetworkRequest', DEL_NETWORK_REQUEST_FIELDS);
export const delNetworkReplyCodec = messageCodec<DelNetworkReply>('DelNetworkReply', DEL_NETWORK_REPLY_FIELDS);

/**
 * The standard health messages.
 *
 * @example
 * healthCheckResponseCodec.encode({ status: 'SERVING' }) // bytes 08 01
 */
export interface HealthCheckRequest {
  readonly service: string;
}
export const HEALTH_STATUSES = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const;
/** `grpc.health.v1.HealthCheckResponse.ServingStatus`, by name; the wire value is the index in HEALTH_STATUSES. */
export type HealthStatus = (typeof HEALTH_STATUSES)[number];
export interface HealthCheckResponse {
  readonly status: HealthStatus;
}

export const healthCheckRequestCodec = messageCodec<HealthCheckRequest>(
  'HealthCheckRequest',
  HEALTH_CHECK_REQUEST_FIELDS,
);

const rawHealthResponse = messageCodec<{ status: number }>('HealthCheckResponse', HEALTH_CHECK_RESPONSE_FIELDS);
export const healthCheckResponseCodec: Codec<HealthCheckResponse> = {
  encode: (message) => rawHealthResponse.encode({ status: HEALTH_STATUSES.indexOf(message.status) }),
  // An enum value this build does not know reads as UNKNOWN, as proto3 open enums allow.
  decode: (bytes) => ({ status: HEALTH_STATUSES[rawHealthResponse.decode(bytes).status] ?? 'UNKNOWN' }),
  create: (partial) => ({ status: 'UNKNOWN', ...partial }),
};

/** Bytes of the gRPC length-prefixed message header: compressed flag (1) + big-endian length (4). */
export const GRPC_FRAME_HEADER = 5;

/**
 * Wraps one message in a gRPC frame (uncompressed).
 *
 * @example
 * frameMessage(addNetworkRequestCodec.encode(request)) // Uint8Array [0, 0, 0, 0, n, ...message]
 */
export function frameMessage(message: Uint8Array): Uint8Array {
  const framed = new Uint8Array(GRPC_FRAME_HEADER + message.length);
  const length = message.length;
  framed[1] = length >>> 24;
  framed[2] = (length >>> 16) & 0xff;
  framed[3] = (length >>> 8) & 0xff;
  framed[4] = length & 0xff;
  framed.set(message, GRPC_FRAME_HEADER);
  return framed;
}

/**
 * The single message of a unary gRPC response body. A unary call carries exactly one frame; compression is never
 * negotiated (the client sends no grpc-accept-encoding), so a compressed frame is a protocol fault.
 *
 * @example
 * addNetworkReplyCodec.decode(unframeMessage(body))
 * @throws RpcError RPC_PROTOCOL for a short, compressed, or trailing-garbage body.
 */
export function unframeMessage(body: Uint8Array): Uint8Array {
  if (body.length < GRPC_FRAME_HEADER) {
    throw new RpcError('RPC_PROTOCOL', `gRPC response body of ${body.length} bytes is shorter than a frame header`);
  }
  if (body[0] !== 0) throw new RpcError('RPC_PROTOCOL', 'gRPC response message is compressed; none was negotiated');
  const length =
    (((body[1] as number) << 24) | ((body[2] as number) << 16) | ((body[3] as number) << 8) | (body[4] as number)) >>>
    0;
  if (body.length !== GRPC_FRAME_HEADER + length) {
    throw new RpcError(
      'RPC_PROTOCOL',
      `gRPC frame says ${length} bytes but the body has ${body.length - GRPC_FRAME_HEADER}`,
    );
  }
  return body.subarray(GRPC_FRAME_HEADER);
}
