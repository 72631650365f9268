/**
 * The CNI plugin's client of ipamd: unary gRPC over HTTP/2 on ipamd's unix socket, on a minimal HTTP/2 connection
 * of our own (src/rpc/h2.ts, HPACK in src/rpc/hpack.ts) instead of @grpc/grpc-js or node:http2, because the plugin
 * cold-starts on every CNI call, and loading either costs more than the whole call (docs/performance.md). The wire
 * format is gRPC's: POST /<service>/<method>, `content-type: application/grpc`, `te: trailers`, a 5-byte frame header
 * (compressed flag, big-endian length) around the protobuf message; the answer is one frame, then
 * `grpc-status`/`grpc-message` in the trailers (or in the headers of a trailers-only response). Messages go through
 * src/rpc/codec.ts, the same codecs ipamd's server uses.
 *
 * Every failure is an {@link RpcError}: nothing listening → RPC_UNAVAILABLE naming the socket, the deadline passed →
 * RPC_TIMEOUT, a non-OK status → the code {@link rpcErrorFromStatus} maps it to, a broken answer → RPC_PROTOCOL.
 * A reply with success=false is not an error here; it is the reply (the plugin reads its errorCode).
 */
import { frameMessage, unframeMessage, type Codec, type HealthStatus } from './codec.js';
import { GRPC_STATUS, isRpcError, RpcError, rpcErrorFromStatus } from './errors.js';
import { defaultConnector, type Connector } from './socket.js';
import { H2Connection, type H2Response } from './h2.js';
import type { HeaderList } from './hpack.js';
import { METHODS, type RpcMethod } from './methods.js';
import type { AddNetworkReply, AddNetworkRequest, DelNetworkReply, DelNetworkRequest } from './types.js';
import { messageOf } from '../errors.js';

export interface RpcClientOptions {
  /** ipamd's socket, e.g. /var/run/aws-node/ipamd.sock */
  readonly socketPath: string;
  /** Deadline of each call, connection included; also sent to ipamd as grpc-timeout. */
  readonly timeoutMs: number;
  /** This plugin's build version; ipamd refuses another (RPC_VERSION_MISMATCH). */
  readonly clientVersion: string;
  /** How to reach the socket; default: Bun's sockets under Bun, node:net under Node. */
  readonly connector?: Connector;
}

export interface RpcClient {
  /** `onSent` is called once the request is written to the socket (not if the call fails before that). */
  addNetwork(request: Omit<AddNetworkRequest, 'clientVersion'>, onSent?: () => void): Promise<AddNetworkReply>;
  delNetwork(request: Omit<DelNetworkRequest, 'clientVersion'>, onSent?: () => void): Promise<DelNetworkReply>;
  /** grpc.health.v1.Health/Check; a service the server does not know reads as SERVICE_UNKNOWN. */
  health(service?: string): Promise<HealthStatus>;
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
 * A client for ipamd's socket; it connects on the first call and reuses the connection.
 *
 * @example
 * const client = createRpcClient({ socketPath: '/var/run/aws-node/ipamd.sock', timeoutMs: 10_000, clientVersion: VERSION });
 * try { const reply = await client.addNetwork(request); } finally { client.close(); }
 */
export function createRpcClient(options: RpcClientOptions): RpcClient {
  const { socketPath, timeoutMs, clientVersion } = options;
  const connector = options.connector ?? defaultConnector();
  let current: H2Connection | undefined;
  let connecting: Promise<H2Connection> | undefined;
  let inFlight = 0;

  async function connection(): Promise<H2Connection> {
    if (current?.usable === true) return current;
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
    const opened = await connecting;
    if (current !== opened) {
      current?.close();
      current = opened;
    }
    return opened;
  }

  function unavailable(method: string, error: unknown): RpcError {
    const errno = errnoOf(error);
    const reason =
      errno === undefined
        ? `the connection to ${socketPath} broke: ${messageOf(error)}`
        : `cannot connect to ${socketPath} (${errno})`;
    return new RpcError(
      'RPC_UNAVAILABLE',
      `ipamd is not running or not ready: ${reason}`,
      { socketPath, method, ...(errno === undefined ? {} : { errno }) },
      error,
    );
  }

  function finish<Rep>(method: string, repCodec: Codec<Rep>, response: H2Response): Rep {
    const details = { socketPath, method };
    const { headers, trailers, error } = response;
    if (headers === undefined)
      throw unavailable(method, error ?? new RpcError('RPC_STREAM_FAILED', 'connection closed before a response'));
    const httpStatus = Number(header(headers, ':status'));
    if (httpStatus !== 200)
      throw new RpcError('RPC_PROTOCOL', `ipamd answered HTTP ${httpStatus} to ${method}`, details);
    const statusText = header(trailers, 'grpc-status') ?? header(headers, 'grpc-status');
    if (statusText === undefined) {
      if (error !== undefined) throw unavailable(method, error);
      throw new RpcError('RPC_PROTOCOL', `ipamd's answer to ${method} has no grpc-status`, details);
    }
    const status = Number(statusText);
    if (statusText.trim() === '' || !Number.isInteger(status))
      throw new RpcError('RPC_PROTOCOL', `invalid grpc-status "${statusText}"`, details);
    if (status !== GRPC_STATUS.OK) {
      const message = percentDecode(header(trailers, 'grpc-message') ?? header(headers, 'grpc-message') ?? '');
      throw rpcErrorFromStatus(status, message, details);
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
          throw new RpcError('RPC_TIMEOUT', `ipamd did not answer ${method} within ${timeoutMs} ms on ${socketPath}`, {
            socketPath,
            method,
            timeoutMs,
          });
        });
        if (stream !== undefined) stream.connection.cancel(stream.id);
      }, timeoutMs);

      connection()
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
    addNetwork: (request, onSent) => call(METHODS.addNetwork, { ...request, clientVersion }, onSent),
    delNetwork: (request, onSent) => call(METHODS.delNetwork, { ...request, clientVersion }, onSent),
    async health(service = '') {
      try {
        return (await call(METHODS.healthCheck, { service })).status;
      } catch (error) {
        if (error instanceof RpcError && error.details.grpcStatus === GRPC_STATUS.NOT_FOUND) return 'SERVICE_UNKNOWN';
        throw error;
      }
    },
    close() {
      current?.close();
      current = undefined;
    },
  };
}
