/**
 * ipamd's gRPC server on its unix socket [behaviour §1.6]: `rpc.CNIBackend` (AddNetwork, DelNetwork) over a
 * {@link CniBackend}, the standard `grpc.health.v1.Health` (Check, Watch) for the whole server ('') and for
 * `grpc.health.v1.aws-node` — `initialHealth` until the owner says otherwise (ipamd starts NOT_SERVING and turns
 * SERVING once the node is initialised, so probes and install-cni see real readiness) — and, when given one,
 * `rpc.ConfigServerBackend` for the network-policy agent (config-server.ts). Built on @grpc/grpc-js (ipamd is
 * long-lived, so its load time does not matter) with the codecs of src/rpc/codec.ts, the same ones the plugin's lean
 * client uses.
 *
 * Before the backend sees a request: a ClientVersion other than ipamd's → FAILED_PRECONDITION "wrong client
 * version" (the reference's check); a request that does not decode or has a field over 4 KiB → INVALID_ARGUMENT; a
 * request validate.ts refuses (an empty ContainerID, IfName or NetworkName, a value too long, control characters) →
 * a reply with Success=false (as the reference answers) and errorCode RPC_INVALID_REQUEST. A backend that throws →
 * INTERNAL with its message; the server keeps serving.
 */
import { chmod, lstat, mkdir, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { Codec, HealthCheckRequest, HealthCheckResponse, HealthStatus } from './codec.js';
import { METHODS, type RpcMethod } from './methods.js';
import { GRPC_STATUS, RPC_ERRORS, RpcError } from './errors.js';
import { configServerService } from './config-server.js';
import { requestProblem, type ValidatedFields } from './validate.js';
import {
  ADD_NETWORK_REQUEST_FIELDS,
  DEL_NETWORK_REQUEST_FIELDS,
  HEALTH_SERVICE_NAME,
  type FieldSpec,
} from './proto.js';
import type {
  AddNetworkReply,
  AddNetworkRequest,
  CniBackend,
  ConfigServerBackend,
  DelNetworkReply,
  DelNetworkRequest,
} from './types.js';
import { messageOf } from '../errors.js';

/**
 * The longest string field (bytes) a request may carry; container ids are 64 hex digits, netns paths ~100 bytes.
 *
 * @example
 * Buffer.byteLength(request.netns) > MAX_FIELD_BYTES // → INVALID_ARGUMENT
 */
export const MAX_FIELD_BYTES = 4096;
/** Whole messages above this are refused by grpc-js (RESOURCE_EXHAUSTED) before they are decoded. */
const MAX_MESSAGE_BYTES = 64 * 1024;
/** How long close() lets in-flight calls finish before it cuts them. */
const SHUTDOWN_GRACE_MS = 2000;

export interface RpcRequestEvent {
  readonly method: 'AddNetwork' | 'DelNetwork';
  /** Undefined when the request did not decode. */
  readonly request?: AddNetworkRequest | DelNetworkRequest;
  /** The gRPC status sent (0 also for a reply with success=false). */
  readonly grpcStatus: number;
  readonly reply?: AddNetworkReply | DelNetworkReply;
  /** The status message for a non-OK status. */
  readonly error?: string;
  readonly durationMs: number;
}

export interface RpcServerOptions {
  /** e.g. /var/run/aws-node/ipamd.sock */
  readonly socketPath: string;
  readonly backend: CniBackend;
  /** ipamd's build version; requests must carry the same ClientVersion. */
  readonly version: string;
  /** What Health reports until {@link RpcServer.setServingStatus} (default SERVING). */
  readonly initialHealth?: HealthStatus;
  /** Called after every CNIBackend call (metrics, logs); must not throw. */
  readonly onRequest?: (event: RpcRequestEvent) => void;
  /** `rpc.ConfigServerBackend` (GetNetworkPolicyConfigs, the network-policy agent's); not served when absent. */
  readonly configServer?: ConfigServerBackend;
}

export interface RpcServer {
  readonly socketPath: string;
  /** Sets what Health/Check and Watch report for `service` ('' is the whole server). */
  setServingStatus(service: string, status: HealthStatus): void;
  /** Stops serving (in-flight calls get a short grace period) and removes the socket file. */
  close(): Promise<void>;
}

/** What the deserializer hands the handler: never a throw, so a bad request gets our status, not grpc-js's. */
type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: RpcError };
type Outcome<R> = { readonly reply: R } | { readonly status: number; readonly details: string };

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function method<Req, Rep>({ path, request: req, reply: rep }: RpcMethod<Req, Rep>, responseStream = false) {
  return {
    path,
    requestStream: false,
    responseStream,
    requestSerialize: (value: Decoded<Req>) => toBuffer(value.ok ? req.encode(value.value) : new Uint8Array()),
    requestDeserialize: (bytes: Buffer): Decoded<Req> => {
      try {
        return { ok: true, value: req.decode(bytes) };
      } catch (error) {
        return { ok: false, error: error instanceof RpcError ? error : new RpcError('RPC_PROTOCOL', String(error)) };
      }
    },
    responseSerialize: (value: Rep) => toBuffer(rep.encode(value)),
    responseDeserialize: (bytes: Buffer) => rep.decode(bytes),
  };
}

interface CommonRequest extends ValidatedFields {
  readonly clientVersion: string;
}

/** The checks every CNIBackend call gets before the backend (see the module comment), in the reference's order. */
function precheck<R>(
  request: CommonRequest,
  fields: readonly FieldSpec[],
  version: string,
  invalid: (why: string) => R,
): Outcome<R> | undefined {
  if (request.clientVersion !== version) {
    return {
      status: GRPC_STATUS.FAILED_PRECONDITION,
      details: `wrong client version: plugin "${request.clientVersion}", ipamd "${version}"`,
    };
  }
  for (const f of fields) {
    const value = (request as unknown as Record<string, unknown>)[f.key];
    if (typeof value === 'string' && Buffer.byteLength(value) > MAX_FIELD_BYTES) {
      return {
        status: GRPC_STATUS.INVALID_ARGUMENT,
        details: `field ${f.protoName} is ${Buffer.byteLength(value)} bytes; at most ${MAX_FIELD_BYTES} are accepted`,
      };
    }
  }
  const problem = requestProblem(request);
  return problem === undefined ? undefined : { reply: invalid(problem) };
}

/** A Success=false reply with errorCode RPC_INVALID_REQUEST, as the reference answers a request it cannot serve. */
function invalidReply<R extends AddNetworkReply | DelNetworkReply>(codec: Codec<R>): (why: string) => R {
  const errorCniCode = RPC_ERRORS.RPC_INVALID_REQUEST.cniCode;
  return (why) =>
    codec.create({ success: false, errorCode: 'RPC_INVALID_REQUEST', errorMessage: why, errorCniCode } as Partial<R>);
}

/**
 * Listens on `socketPath` (parent directory created 0755, a stale socket replaced, the socket made 0660).
 *
 * @example
 * const server = await startRpcServer({ socketPath: '/var/run/aws-node/ipamd.sock', backend, version: '1.0.0' });
 * process.on('SIGTERM', () => void server.close());
 * @throws RpcError RPC_SOCKET_PATH when the path is a non-socket file or cannot be bound.
 */
export async function startRpcServer(options: RpcServerOptions): Promise<RpcServer> {
  const { socketPath, backend, version, onRequest, initialHealth = 'SERVING' } = options;
  await prepareSocketPath(socketPath);

  const notify = (event: RpcRequestEvent): void => {
    try {
      onRequest?.(event);
    } catch {
      // An observer's bug must not become an unhandled rejection in ipamd.
    }
  };

  function unary<Req extends AddNetworkRequest | DelNetworkRequest, Rep extends AddNetworkReply | DelNetworkReply>(
    name: RpcRequestEvent['method'],
    fields: readonly FieldSpec[],
    invalid: (why: string) => Rep,
    call: (request: Req) => Promise<Rep>,
  ): grpc.handleUnaryCall<Decoded<Req>, Rep> {
    return (serverCall, callback) => {
      const started = performance.now();
      const decoded = serverCall.request;
      const run = async (): Promise<Outcome<Rep>> => {
        if (!decoded.ok) return { status: GRPC_STATUS.INVALID_ARGUMENT, details: decoded.error.message };
        const early = precheck(decoded.value, fields, version, invalid);
        if (early !== undefined) return early;
        try {
          return { reply: await call(decoded.value) };
        } catch (error) {
          return { status: GRPC_STATUS.INTERNAL, details: messageOf(error) };
        }
      };
      void run().then((outcome) => {
        if ('reply' in outcome) callback(null, outcome.reply);
        else callback({ code: outcome.status, details: outcome.details });
        notify({
          method: name,
          ...(decoded.ok ? { request: decoded.value } : {}),
          grpcStatus: 'reply' in outcome ? GRPC_STATUS.OK : outcome.status,
          ...('reply' in outcome ? { reply: outcome.reply } : { error: outcome.details }),
          durationMs: performance.now() - started,
        });
      });
    };
  }

  const health = new Map<string, HealthStatus>([
    ['', initialHealth],
    [HEALTH_SERVICE_NAME, initialHealth],
  ]);
  const watchers = new Set<{
    service: string;
    stream: grpc.ServerWritableStream<Decoded<HealthCheckRequest>, HealthCheckResponse>;
  }>();

  // No channelz: nothing here serves its API, and its bookkeeping would be paid on every plugin call.
  const server = new grpc.Server({ 'grpc.max_receive_message_length': MAX_MESSAGE_BYTES, 'grpc.enable_channelz': 0 });
  server.addService(
    { AddNetwork: method(METHODS.addNetwork), DelNetwork: method(METHODS.delNetwork) },
    {
      AddNetwork: unary<AddNetworkRequest, AddNetworkReply>(
        'AddNetwork',
        ADD_NETWORK_REQUEST_FIELDS,
        invalidReply(METHODS.addNetwork.reply),
        (r) => backend.addNetwork(r),
      ),
      DelNetwork: unary<DelNetworkRequest, DelNetworkReply>(
        'DelNetwork',
        DEL_NETWORK_REQUEST_FIELDS,
        invalidReply(METHODS.delNetwork.reply),
        (r) => backend.delNetwork(r),
      ),
    },
  );
  server.addService(
    { Check: method(METHODS.healthCheck), Watch: method(METHODS.healthWatch, true) },
    {
      Check: ((call, callback) => {
        if (!call.request.ok)
          return callback({ code: GRPC_STATUS.INVALID_ARGUMENT, details: call.request.error.message });
        const status = health.get(call.request.value.service);
        // grpc-go's health server answers NOT_FOUND for a service it was never told about.
        if (status === undefined) return callback({ code: GRPC_STATUS.NOT_FOUND, details: 'unknown service' });
        callback(null, { status });
      }) satisfies grpc.handleUnaryCall<Decoded<HealthCheckRequest>, HealthCheckResponse>,
      Watch: ((stream) => {
        if (!stream.request.ok) {
          stream.emit('error', { code: GRPC_STATUS.INVALID_ARGUMENT, details: stream.request.error.message });
          return;
        }
        const watcher = { service: stream.request.value.service, stream };
        watchers.add(watcher);
        stream.on('cancelled', () => watchers.delete(watcher));
        stream.write({ status: health.get(watcher.service) ?? 'SERVICE_UNKNOWN' });
      }) satisfies grpc.handleServerStreamingCall<Decoded<HealthCheckRequest>, HealthCheckResponse>,
    },
  );

  if (options.configServer !== undefined) {
    const { definition, implementation } = configServerService(options.configServer);
    server.addService(definition, implementation);
  }

  await new Promise<void>((resolve, reject) => {
    server.bindAsync(`unix:${socketPath}`, grpc.ServerCredentials.createInsecure(), (error) => {
      if (error === null) resolve();
      else
        reject(
          new RpcError('RPC_SOCKET_PATH', `cannot listen on ${socketPath}: ${error.message}`, { socketPath }, error),
        );
    });
  });
  await chmod(socketPath, 0o660);

  let closed: Promise<void> | undefined;
  return {
    socketPath,
    setServingStatus(service, status) {
      health.set(service, status);
      for (const watcher of watchers) if (watcher.service === service) watcher.stream.write({ status });
    },
    close() {
      closed ??= (async () => {
        for (const watcher of watchers) watcher.stream.end();
        watchers.clear();
        await new Promise<void>((resolve) => {
          const force = setTimeout(() => server.forceShutdown(), SHUTDOWN_GRACE_MS);
          server.tryShutdown(() => {
            clearTimeout(force);
            resolve();
          });
        });
        await removeSocket(socketPath);
      })();
      return closed;
    },
  };
}

/** mkdir -p the parent (0755), then remove a stale socket; a regular file or directory there is left alone. */
async function prepareSocketPath(socketPath: string): Promise<void> {
  try {
    await mkdir(dirname(socketPath), { recursive: true, mode: 0o755 });
    const stat = await lstat(socketPath).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (stat === undefined) return;
    if (!stat.isSocket()) {
      throw new RpcError('RPC_SOCKET_PATH', `${socketPath} exists and is not a socket; refusing to remove it`, {
        socketPath,
      });
    }
    await unlink(socketPath);
  } catch (error) {
    if (error instanceof RpcError) throw error;
    const reason = messageOf(error);
    throw new RpcError('RPC_SOCKET_PATH', `cannot prepare ${socketPath}: ${reason}`, { socketPath }, error);
  }
}

async function removeSocket(socketPath: string): Promise<void> {
  const stat = await lstat(socketPath).catch(() => undefined);
  if (stat?.isSocket() === true) await unlink(socketPath).catch(() => undefined);
}
