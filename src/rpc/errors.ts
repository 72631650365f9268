/**
 * Error catalogue of the plugin's RPC (src/rpc/): the gRPC `rpc.CNIBackend` on ipamd's unix socket and `rpc.NPBackend`
 * on the network-policy agent's. The clients turn every transport failure and every non-OK gRPC status into one of
 * these codes, so that the plugin can tell a kubelet "try again later" (ipamd not up yet, slow) from "this will never
 * work" (wrong version, bad request). `details` keep the socket path and, when the server answered, the gRPC status
 * and message.
 * The codes are docs/errors.md's "Plugin ↔ ipamd RPC" table (generated into src/error-codes.generated.ts).
 *
 * @example
 * try { await client.addNetwork(request); }
 * catch (error) { if (isRpcError(error, 'RPC_UNAVAILABLE')) ... }
 */
import { catalogueError, errorGuard } from '../errors.js';
import { RPC_ERRORS } from '../error-codes.generated.js';

export { RPC_ERRORS };

export type RpcErrorCode = keyof typeof RPC_ERRORS;

/**
 * gRPC status codes this module uses by name (the full list is in the gRPC spec; numbers are wire values).
 *
 * @example
 * callback({ code: GRPC_STATUS.FAILED_PRECONDITION, details: 'wrong client version' })
 */
export const GRPC_STATUS = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

export interface RpcErrorDetails {
  /** The unix socket of the peer (ipamd, the network-policy agent). */
  readonly socketPath?: string;
  /** `/rpc.CNIBackend/AddNetwork`, ... */
  readonly method?: string;
  /** The gRPC status the server sent, when it sent one. */
  readonly grpcStatus?: number;
  readonly grpcMessage?: string;
  /** 'connect' when the connection was never made (nothing was sent). */
  readonly stage?: 'connect';
  readonly [key: string]: unknown;
}

export class RpcError extends catalogueError<typeof RPC_ERRORS, RpcErrorDetails>(RPC_ERRORS) {}

/**
 * True when `error` is an {@link RpcError} with one of the given codes (any code when none are given).
 *
 * @example
 * if (isRpcError(error, 'RPC_UNAVAILABLE', 'RPC_TIMEOUT')) return tryAgainLater(error.message);
 */
export const isRpcError = errorGuard(RpcError);

/**
 * The error a client raises for a non-OK gRPC status from `peer` (ipamd unless named). The mapping is the plugin's
 * retry policy: UNAVAILABLE and DEADLINE_EXCEEDED are transient (CNI code 11), a version mismatch and protocol faults
 * are not.
 *
 * @example
 * rpcErrorFromStatus(9, 'wrong client version', { method: '/rpc.CNIBackend/AddNetwork' }).code // 'RPC_VERSION_MISMATCH'
 */
export function rpcErrorFromStatus(
  status: number,
  message: string,
  details: RpcErrorDetails = {},
  peer = 'ipamd',
): RpcError {
  const all: RpcErrorDetails = { ...details, grpcStatus: status, grpcMessage: message };
  const text = message === '' ? `gRPC status ${status}` : message;
  switch (status) {
    case GRPC_STATUS.UNAVAILABLE:
      return new RpcError('RPC_UNAVAILABLE', `${peer} is not running or not ready: ${text}`, all);
    case GRPC_STATUS.DEADLINE_EXCEEDED:
      return new RpcError('RPC_TIMEOUT', `${peer} did not answer in time: ${text}`, all);
    case GRPC_STATUS.FAILED_PRECONDITION:
      return new RpcError('RPC_VERSION_MISMATCH', `plugin and ${peer} versions differ: ${text}`, all);
    case GRPC_STATUS.INVALID_ARGUMENT:
      return new RpcError('RPC_INVALID_REQUEST', `${peer} refused the request: ${text}`, all);
    default:
      return new RpcError('RPC_INTERNAL', `${peer} failed the call (gRPC status ${status}): ${text}`, all);
  }
}
