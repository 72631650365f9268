/**
 * A minimal HTTP/2 client connection (RFC 9113) for the plugin's unary gRPC calls to ipamd over its unix socket:
 * the connection preface and SETTINGS, one HEADERS + DATA per request on its own stream, and the frames a server
 * answers with (HEADERS/CONTINUATION decoded through HPACK, DATA, RST_STREAM, SETTINGS and PING acknowledged,
 * GOAWAY). Flow control, receiving side: the preface opens every window to the maximum (SETTINGS_INITIAL_WINDOW_SIZE
 * and a connection WINDOW_UPDATE), and the connection window is topped up again after each GiB received, so a
 * long-lived client never stalls (with the default 64 KiB window and no WINDOW_UPDATE, a connection used for a few
 * hundred calls stopped receiving). Sending side: requests are a few hundred bytes, far below the server's initial
 * windows. Not node:http2, whose load and first request cost the compiled plugin ~30 ms per exec under Bun.
 *
 * The socket comes from a {@link Connector} (socket.ts): `Bun.connect` under Bun, node:net (loaded on first use)
 * under Node.
 *
 * @example
 * const connection = await H2Connection.open('/var/run/aws-node/ipamd.sock', defaultConnector());
 * const { response } = connection.request([[':method', 'POST'], [':path', '/x'], ...], body);
 * const { headers, trailers, body: reply } = await response;
 */
import { encodeHeaders, HpackDecoder, type HeaderList } from './hpack.js';
import { messageOf } from '../errors.js';
import { RpcError } from './errors.js';
import type { Connector, RpcSocket } from './socket.js';

/** What came back on one stream. */
export interface H2Response {
  /** The first HEADERS block (`:status`, ...); undefined when the stream ended without one. */
  readonly headers?: HeaderList;
  /** The second HEADERS block (gRPC's status), when there was one. */
  readonly trailers?: HeaderList;
  readonly body: Uint8Array;
  /** Why the stream ended abnormally: RST_STREAM, GOAWAY, or the connection closing. */
  readonly error?: Error;
}

/** An abnormal end of a stream, with the HTTP/2 error code when the server sent one (`details.h2Code`). */
function streamError(message: string, h2Code?: number, cause?: unknown): RpcError {
  return new RpcError('RPC_STREAM_FAILED', message, h2Code === undefined ? {} : { h2Code }, cause);
}

const FRAME = {
  DATA: 0,
  HEADERS: 1,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  WINDOW_UPDATE: 8,
  CONTINUATION: 9,
} as const;
const FLAG = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 } as const;
const CANCEL = 0x8;
const PREFACE = new TextEncoder().encode('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
/** The default SETTINGS_MAX_FRAME_SIZE: the largest frame payload either side may send unannounced. */
const MAX_FRAME = 16_384;
/** The largest flow-control window (2^31 - 1), and the default one every window starts at. */
const MAX_WINDOW = 0x7fff_ffff;
const DEFAULT_WINDOW = 65_535;
/** Received DATA bytes after which the connection window is topped up again. */
const WINDOW_REFILL = 0x4000_0000;

function frame(type: number, flags: number, streamId: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(9 + payload.length);
  out[0] = (payload.length >>> 16) & 0xff;
  out[1] = (payload.length >>> 8) & 0xff;
  out[2] = payload.length & 0xff;
  out[3] = type;
  out[4] = flags;
  writeUint32(out, 5, streamId & 0x7fffffff);
  out.set(payload, 9);
  return out;
}

// Byte arithmetic and indexed loops rather than DataView, reduce or for...of here and below: the plugin runs this
// code once per process, cold, where a JS-implemented builtin's first call costs more than the work it does.

function writeUint32(out: Uint8Array, at: number, value: number): void {
  out[at] = value >>> 24;
  out[at + 1] = (value >>> 16) & 0xff;
  out[at + 2] = (value >>> 8) & 0xff;
  out[at + 3] = value & 0xff;
}

function readUint32(bytes: Uint8Array, at: number): number {
  return (
    (((bytes[at] as number) << 24) |
      ((bytes[at + 1] as number) << 16) |
      ((bytes[at + 2] as number) << 8) |
      (bytes[at + 3] as number)) >>>
    0
  );
}

function windowUpdate(streamId: number, increment: number): Uint8Array {
  const payload = new Uint8Array(4);
  writeUint32(payload, 0, increment);
  return frame(FRAME.WINDOW_UPDATE, 0, streamId, payload);
}

/** SETTINGS: no server push (2 = 0), every stream's window at the maximum (4 = 2^31 - 1). */
function clientSettings(): Uint8Array {
  const payload = new Uint8Array(12);
  payload[1] = 2;
  payload[7] = 4;
  writeUint32(payload, 8, MAX_WINDOW);
  return frame(FRAME.SETTINGS, 0, 0, payload);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  let total = 0;
  for (let i = 0; i < parts.length; i++) total += (parts[i] as Uint8Array).length;
  const out = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as Uint8Array;
    out.set(part, at);
    at += part.length;
  }
  return out;
}

interface Stream {
  readonly chunks: Uint8Array[];
  headers?: HeaderList;
  trailers?: HeaderList;
  readonly done: (response: H2Response) => void;
}

/** One HTTP/2 connection; streams are opened by {@link request} and end with their {@link H2Response}. */
export class H2Connection {
  readonly #socket: RpcSocket;
  readonly #decoder = new HpackDecoder();
  readonly #streams = new Map<number, Stream>();
  #buffer: Uint8Array = new Uint8Array(0);
  #nextId = 1;
  #closed = false;
  #goingAway = false;
  /**
   * The preface, SETTINGS and the connection's window opened to the maximum, sent with the first request: one write
   * and one server wake-up fewer per plugin call.
   */
  #preface: Uint8Array | undefined = concat([PREFACE, clientSettings(), windowUpdate(0, MAX_WINDOW - DEFAULT_WINDOW)]);
  /** DATA bytes received since the connection window was last topped up. */
  #received = 0;
  /** A header block split over HEADERS and CONTINUATION frames. */
  #pending: { streamId: number; endStream: boolean; parts: Uint8Array[] } | undefined;

  private constructor(socket: RpcSocket) {
    this.#socket = socket;
  }

  /**
   * Connects; the preface with SETTINGS (no server push) goes out with the first request. Rejects with the
   * connector's error.
   */
  static async open(path: string, connector: Connector): Promise<H2Connection> {
    // Events that arrive before the connection object exists are replayed to it.
    const state: { connection?: H2Connection; early: Uint8Array[]; earlyClose?: { error: Error | undefined } } = {
      early: [],
    };
    const socket = await connector(path, {
      data: (chunk) => (state.connection === undefined ? state.early.push(chunk) : state.connection.#onData(chunk)),
      closed: (error) =>
        state.connection === undefined ? (state.earlyClose = { error }) : state.connection.#onClosed(error),
    });
    const opened = new H2Connection(socket);
    state.connection = opened;
    for (const chunk of state.early) opened.#onData(chunk);
    if (state.earlyClose !== undefined) opened.#onClosed(state.earlyClose.error);
    return opened;
  }

  /** False once the connection closed or the server said GOAWAY: open a new one. */
  get usable(): boolean {
    return !this.#closed && !this.#goingAway;
  }

  /** Sends a request (HEADERS, then the body as DATA ending the stream). */
  request(headers: HeaderList, body: Uint8Array): { readonly id: number; readonly response: Promise<H2Response> } {
    if (!this.usable) throw streamError('the HTTP/2 connection is closed');
    const id = this.#nextId;
    this.#nextId += 2;
    const response = new Promise<H2Response>((resolve) => {
      this.#streams.set(id, { chunks: [], done: resolve });
    });
    const block = encodeHeaders(headers);
    if (block.length > MAX_FRAME) throw streamError(`request headers of ${block.length} bytes do not fit one frame`);
    const frames = [frame(FRAME.HEADERS, FLAG.END_HEADERS | (body.length === 0 ? FLAG.END_STREAM : 0), id, block)];
    for (let at = 0; at < body.length; at += MAX_FRAME) {
      const end = Math.min(body.length, at + MAX_FRAME);
      frames.push(frame(FRAME.DATA, end === body.length ? FLAG.END_STREAM : 0, id, body.subarray(at, end)));
    }
    this.#write(concat(frames));
    return { id, response };
  }

  /** Abandons a stream (RST_STREAM CANCEL); its response resolves with an error. */
  cancel(id: number): void {
    if (!this.#streams.has(id)) return;
    this.#finish(id, streamError('cancelled', CANCEL));
    if (!this.#closed) this.#write(frame(FRAME.RST_STREAM, 0, id, Uint8Array.of(0, 0, 0, CANCEL)));
  }

  ref(): void {
    if (!this.#closed) this.#socket.ref();
  }

  unref(): void {
    if (!this.#closed) this.#socket.unref();
  }

  /** Closes the socket; open streams end with an error. */
  close(): void {
    if (this.#closed) return;
    this.#socket.close();
    this.#onClosed(undefined);
  }

  /**
   * Every write: the preface goes first, with whatever is written first. Usually that is the first request; when the
   * server's SETTINGS (sent as soon as it accepts) reach the connection before it (Bun may deliver data with the
   * connect) it is their acknowledgement — written before the preface, that ACK made the server answer GOAWAY.
   */
  #write(bytes: Uint8Array): void {
    if (this.#preface !== undefined) {
      bytes = concat([this.#preface, bytes]);
      this.#preface = undefined;
    }
    this.#socket.write(bytes);
  }

  #finish(id: number, error?: Error): void {
    const stream = this.#streams.get(id);
    if (stream === undefined) return;
    this.#streams.delete(id);
    stream.done({
      ...(stream.headers === undefined ? {} : { headers: stream.headers }),
      ...(stream.trailers === undefined ? {} : { trailers: stream.trailers }),
      body: concat(stream.chunks),
      ...(error === undefined ? {} : { error }),
    });
  }

  #onClosed(error: Error | undefined): void {
    this.#closed = true;
    if (this.#streams.size === 0) return;
    for (const id of [...this.#streams.keys()])
      this.#finish(
        id,
        streamError(`the connection closed${error === undefined ? '' : `: ${error.message}`}`, undefined, error),
      );
  }

  #fail(message: string): void {
    for (const id of [...this.#streams.keys()]) this.#finish(id, streamError(`HTTP/2 protocol error: ${message}`));
    this.close();
  }

  #onData(chunk: Uint8Array): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : concat([this.#buffer, chunk]);
    while (this.#buffer.length >= 9 && !this.#closed) {
      const b = this.#buffer;
      const length = ((b[0] ?? 0) << 16) | ((b[1] ?? 0) << 8) | (b[2] ?? 0);
      if (b.length < 9 + length) return;
      const type = b[3] ?? 0;
      const flags = b[4] ?? 0;
      const streamId = readUint32(b, 5) & 0x7fffffff;
      const payload = b.subarray(9, 9 + length);
      this.#buffer = b.subarray(9 + length);
      try {
        this.#onFrame(type, flags, streamId, payload);
      } catch (error) {
        this.#fail(messageOf(error));
      }
    }
  }

  #onFrame(type: number, flags: number, streamId: number, payload: Uint8Array): void {
    if (this.#pending !== undefined && type !== FRAME.CONTINUATION)
      throw new RpcError('RPC_PROTOCOL', 'a header block was interrupted');
    switch (type) {
      case FRAME.DATA: {
        this.#received += payload.length;
        if (this.#received >= WINDOW_REFILL) {
          this.#write(windowUpdate(0, this.#received));
          this.#received = 0;
        }
        const stream = this.#streams.get(streamId);
        stream?.chunks.push(unpad(payload, flags));
        if (flags & FLAG.END_STREAM) this.#finish(streamId);
        return;
      }
      case FRAME.HEADERS: {
        let fragment = unpad(payload, flags);
        if (flags & FLAG.PRIORITY) fragment = fragment.subarray(5);
        this.#pending = { streamId, endStream: (flags & FLAG.END_STREAM) !== 0, parts: [fragment] };
        if (flags & FLAG.END_HEADERS) this.#headerBlockDone();
        return;
      }
      case FRAME.CONTINUATION: {
        if (this.#pending?.streamId !== streamId)
          throw new RpcError('RPC_PROTOCOL', 'CONTINUATION without its HEADERS');
        this.#pending.parts.push(payload);
        if (flags & FLAG.END_HEADERS) this.#headerBlockDone();
        return;
      }
      case FRAME.RST_STREAM: {
        const code = payload.length >= 4 ? readUint32(payload, 0) : undefined;
        this.#finish(streamId, streamError(`the server reset the stream (HTTP/2 error ${String(code)})`, code));
        return;
      }
      case FRAME.SETTINGS:
        if ((flags & FLAG.ACK) === 0) this.#write(frame(FRAME.SETTINGS, FLAG.ACK, 0));
        return;
      case FRAME.PING:
        if ((flags & FLAG.ACK) === 0) this.#write(frame(FRAME.PING, FLAG.ACK, 0, payload));
        return;
      case FRAME.GOAWAY: {
        this.#goingAway = true;
        const last = payload.length >= 4 ? readUint32(payload, 0) & 0x7fffffff : 0;
        for (const id of [...this.#streams.keys()])
          if (id > last) this.#finish(id, streamError('the server is going away (GOAWAY)'));
        return;
      }
      default:
        // PRIORITY, WINDOW_UPDATE, PUSH_PROMISE (disabled by our SETTINGS), unknown types: nothing to do.
        return;
    }
  }

  #headerBlockDone(): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    this.#pending = undefined;
    // Decoded even for a stream already given up: the decoder's table must follow every block.
    const headers = this.#decoder.decode(concat(pending.parts));
    const stream = this.#streams.get(pending.streamId);
    if (stream !== undefined) {
      if (stream.headers === undefined) stream.headers = headers;
      else stream.trailers = headers;
    }
    if (pending.endStream) this.#finish(pending.streamId);
  }
}

function unpad(payload: Uint8Array, flags: number): Uint8Array {
  if ((flags & FLAG.PADDED) === 0) return payload;
  const pad = payload[0] ?? 0;
  if (pad >= payload.length) throw new RpcError('RPC_PROTOCOL', 'padding longer than the frame');
  return payload.subarray(1, payload.length - pad);
}
