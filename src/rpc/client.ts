/**
 * The CNI plugin's client of ipamd: `rpc.CNIBackend` and health over ipamd's unix socket, on the lean unary gRPC
 * caller of src/rpc/unary.ts (our own HTTP/2, because the plugin cold-starts on every CNI call; see there for the
 * wire format and the error mapping).
 *
 * Every failure is an {@link RpcError}: nothing listening → RPC_UNAVAILABLE naming the socket, the deadline passed →
 * RPC_TIMEOUT, a non-OK status → the code {@link rpcErrorFromStatus} maps it to, a broken answer → RPC_PROTOCOL.
 * A reply with success=false is not an error here; it is the reply (the plugin reads its errorCode).
 */
import type { HealthStatus } from './codec.js';
import { GRPC_STATUS, RpcError } from './errors.js';
import type { Connector } from './socket.js';
import { METHODS } from './methods.js';
import type { AddNetworkReply, AddNetworkRequest, DelNetworkReply, DelNetworkRequest } from './types.js';
import { createUnaryClient } from './unary.js';

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

/**
 * A client for ipamd's socket; it connects on the first call and reuses the connection.
 *
 * @example
 * const client = createRpcClient({ socketPath: '/var/run/aws-node/ipamd.sock', timeoutMs: 10_000, clientVersion: VERSION });
 * try { const reply = await client.addNetwork(request); } finally { client.close(); }
 */
export function createRpcClient(options: RpcClientOptions): RpcClient {
  const { clientVersion, ...transport } = options;
  const unary = createUnaryClient({ ...transport, peer: 'ipamd' });
  return {
    addNetwork: (request, onSent) => unary.call(METHODS.addNetwork, { ...request, clientVersion }, onSent),
    delNetwork: (request, onSent) => unary.call(METHODS.delNetwork, { ...request, clientVersion }, onSent),
    async health(service = '') {
      try {
        return (await unary.call(METHODS.healthCheck, { service })).status;
      } catch (error) {
        if (error instanceof RpcError && error.details.grpcStatus === GRPC_STATUS.NOT_FOUND) return 'SERVICE_UNKNOWN';
        throw error;
      }
    },
    close: () => unary.close(),
  };
}
