/**
 * The plugin's unary gRPC caller over a unix socket: one HTTP/2 connection of our own (src/rpc/h2.ts, HPACK in
 * src/rpc/hpack.ts) instead of @grpc/grpc-js or node:http2, because the plugin cold-starts on every CNI call, and
 * loading either costs more than the whole call (docs/performance.md). The wire format is gRPC's: POST
 * /<service>/<method>, `content-type: application/grpc`, `te: trailers`, a 5-byte frame header (compressed flag,
 * big-endian length) around the protobuf message; the answer is one frame, then `grpc-status`/`grpc-message` in the
 * trailers (or in the headers of a trailers-only response). Messages go through the codecs of src/rpc/methods.ts, the
 * same ones the servers use. Two peers use it: ipamd (client.ts) and the network-policy agent (np-client.ts); the
 * peer's name goes into every message, so that a pod's event says which one failed.
 *
 * Every failure is an {@link RpcError}: nothing listening → RPC_UNAVAILABLE naming the socket (details.stage
 * 'connect' when the connection was never made), the deadline passed → RPC_TIMEOUT, a non-OK status → the code
 * {@link rpcErrorFromStatus} maps it to, a broken answer → RPC_PROTOCOL.
 */
import { frameMessage, unframeMessage, type Codec } from './codec.js';
import { GRPC_STATUS, isRpcError, RpcError, rpcErrorFromStatus } from './errors.js';
import { defaultConnector, type Connector } from './socket.js';
import { H2Connection, type H2Response } from './h2.js';
import type { HeaderList } from './hpack.js';
import type { RpcMethod } from './methods.js';
import { messageOf } from '../errors.js';

export interface UnaryClientOptions {
  /** The peer's socket, e.g. /var/run/aws-node/ipamd.sock */
  readonly socketPath: string;
  /** Deadline of each call, connection included; also sent as grpc-timeout. */
  readonly timeoutMs: number;
  /** How long connecting may take, apart from the call's deadline; unbounded (but for timeoutMs) when absent. */
  readonly connectTimeoutMs?: number;
  /** The peer in messages: "ipamd" (the default), "the network-policy agent". */
  readonly peer?: string;
  /** How to reach the socket; default: Bun's sockets under Bun, node:net under Node. */
  readonly connector?: Connector;
}

export interface UnaryClient {
  /** One call; `onSent` runs once the request is written to the socket (not if the call fails before that). */
  call<Req, Rep>(rpc: RpcMethod<Req, Rep>, request: Req, onSent?: () => void): Promise<Rep>;
  /** Connects now (within connectTimeoutMs); calls reuse the connection. Rejects with RPC_UNAVAILABLE. */
  connect(): Promise<void>;
  /** Closes the connection; pending calls fail. An idle client does not keep the process alive even unclosed. */
  close(): void;
}

/** Connection errors that mean "nobody is serving on that socket (yet)". */
const NOT_LISTENING = new Set(['ENOENT', 'ECONNREFUSED', 'ENOTSOCK', 'EACCES', 'ECONNRESET', 'EPIPE']);

function errnoOf(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== undefined && NOT_LISTENING.has(code)) return code;
  }
  return undefined;
}

function header(headers: HeaderList | undefined, name: string): string | undefined {
  if (headers === undefined) return undefined;
  for (let i = 0; i < headers.length; i++)
    if ((headers[i] as [string, string])[0] === name) return (headers[i] as [string, string])[1];
  return undefined;
}

function percentDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * A caller for one peer's socket; it connects on the first call (or {@link UnaryClient.connect}) and reuses the
 * connection.
 *
 * @example
 * const unary = createUnaryClient({ socketPath: '/var/run/aws-node/npa.sock', timeoutMs: 30_000, connectTimeoutMs: 2_000 });
 * try { const reply = await unary.call(METHODS.enforceNpToPod, request); } finally { unary.close(); }
 */
export function createUnaryClient(options: UnaryClientOptions): UnaryClient {
  const { socketPath, timeoutMs, connectTimeoutMs } = options;
  const peer = options.peer ?? 'ipamd';
  const connector = options.connector ?? defaultConnector();
  let current: H2Connection | undefined;
  let connecting: Promise<H2Connection> | undefined;
  let inFlight = 0;

  function unavailable(method: string, error: unknown, stage?: 'connect'): RpcError {
    const errno = errnoOf(error);
    const reason =
      errno === undefined
        ? `the connection to ${socketPath} broke: ${messageOf(error)}`
        : `cannot connect to ${socketPath} (${errno})`;
    return new RpcError(
      'RPC_UNAVAILABLE',
      `${peer} is not running or not ready: ${reason}`,
      {
        socketPath,
        ...(method === '' ? {} : { method }),
        ...(errno === undefined ? {} : { errno }),
        ...(stage === undefined ? {} : { stage }),
      },
      error,
    );
  }

  function open(): Promise<H2Connection> {
    // then(ok, fail) rather than finally(): one JS-implemented builtin fewer to compile in the plugin's cold start.
    connecting ??= H2Connection.open(socketPath, connector).then(
      (opened) => {
        connecting = undefined;
        return opened;
      },
      (error: unknown) => {
        connecting = undefined;
        throw error;
      },
    );
    return connecting;
  }

  /** The open connection, or a new one within connectTimeoutMs; failures are RPC_UNAVAILABLE with stage 'connect'. */
  function connection(method: string): Promise<H2Connection> {
    if (current?.usable === true) return Promise.resolve(current);
    return new Promise<H2Connection>((resolve, reject) => {
      let done = false;
      const timer =
        connectTimeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              done = true;
              const details = { socketPath, connectTimeoutMs, stage: 'connect' as const };
              const why = `cannot connect to ${socketPath} within ${connectTimeoutMs} ms`;
              reject(new RpcError('RPC_UNAVAILABLE', `${peer} is not running or not ready: ${why}`, details));
            }, connectTimeoutMs);
      open().then(
        (opened) => {
          clearTimeout(timer);
          if (current !== opened) {
            current?.close();
            current = opened;
          }
          // Given up on (connectTimeoutMs): kept for a later call, closed by close(), and never keeping us alive.
          if (done) {
            if (inFlight === 0) opened.unref();
            return;
          }
          done = true;
          resolve(opened);
        },
        (error: unknown) => {
          clearTimeout(timer);
          if (done) return;
          done = true;
          reject(unavailable(method, error, 'connect'));
        },
      );
    });
  }

  function finish<Rep>(method: string, repCodec: Codec<Rep>, response: H2Response): Rep {
    const details = { socketPath, method };
    const { headers, trailers, error } = response;
    if (headers === undefined)
      throw unavailable(method, error ?? new RpcError('RPC_STREAM_FAILED', 'connection closed before a response'));
    const httpStatus = Number(header(headers, ':status'));
    if (httpStatus !== 200)
      throw new RpcError('RPC_PROTOCOL', `${peer} answered HTTP ${httpStatus} to ${method}`, details);
    const statusText = header(trailers, 'grpc-status') ?? header(headers, 'grpc-status');
    if (statusText === undefined) {
      if (error !== undefined) throw unavailable(method, error);
      throw new RpcError('RPC_PROTOCOL', `the answer of ${peer} to ${method} has no grpc-status`, details);
    }
    const status = Number(statusText);
    if (statusText.trim() === '' || !Number.isInteger(status))
      throw new RpcError('RPC_PROTOCOL', `invalid grpc-status "${statusText}"`, details);
    if (status !== GRPC_STATUS.OK) {
      const message = percentDecode(header(trailers, 'grpc-message') ?? header(headers, 'grpc-message') ?? '');
      throw rpcErrorFromStatus(status, message, details, peer);
    }
    if (error !== undefined) throw unavailable(method, error);
    return repCodec.decode(unframeMessage(response.body));
  }

  function call<Req, Rep>(rpc: RpcMethod<Req, Rep>, request: Req, onSent?: () => void): Promise<Rep> {
    const { path: method, request: reqCodec, reply: repCodec } = rpc;
    return new Promise<Rep>((resolve, reject) => {
      let settled = false;
      let stream: { connection: H2Connection; id: number } | undefined;
      inFlight++;
      const settle = (outcome: () => Rep): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (--inFlight === 0) current?.unref();
        try {
          resolve(outcome());
        } catch (error) {
          reject(
            error instanceof RpcError
              ? error
              : new RpcError('RPC_PROTOCOL', String(error), { socketPath, method }, error),
          );
        }
      };
      const timer = setTimeout(() => {
        settle(() => {
          throw new RpcError(
            'RPC_TIMEOUT',
            `${peer} did not answer ${method} within ${timeoutMs} ms on ${socketPath}`,
            { socketPath, method, timeoutMs },
          );
        });
        if (stream !== undefined) stream.connection.cancel(stream.id);
      }, timeoutMs);

      connection(method)
        .then((open) => {
          if (settled) return undefined;
          open.ref();
          const headers: HeaderList = [
            [':method', 'POST'],
            [':scheme', 'http'],
            [':path', method],
            [':authority', 'localhost'],
            ['content-type', 'application/grpc'],
            ['te', 'trailers'],
            ['grpc-timeout', `${Math.max(1, Math.ceil(timeoutMs))}m`],
            ['user-agent', 'vpc-cni-plugin'],
          ];
          const sent = open.request(headers, frameMessage(reqCodec.encode(request)));
          stream = { connection: open, id: sent.id };
          try {
            onSent?.();
          } catch {
            // the caller's side work must not fail the call
          }
          return sent.response.then((response) => settle(() => finish(method, repCodec, response)));
        })
        .catch((error: unknown) =>
          settle(() => {
            throw isRpcError(error) && error.code !== 'RPC_STREAM_FAILED' ? error : unavailable(method, error);
          }),
        );
    });
  }

  return {
    call,
    async connect() {
      const opened = await connection('');
      // Connected but idle: nothing to keep the process alive for until a call is made.
      if (inFlight === 0) opened.unref();
    },
    close() {
      current?.close();
      current = undefined;
    },
  };
}
