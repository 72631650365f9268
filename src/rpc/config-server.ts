/**
 * `rpc.ConfigServerBackend` as a @grpc/grpc-js service (server.ts adds it when given a backend): the one method the
 * network-policy agent calls on ipamd's socket, GetNetworkPolicyConfigs, once at its start [network-policy §5.1]. Its
 * request is `google.protobuf.Empty` and it carries no ClientVersion, so none of CNIBackend's checks apply. Before
 * node initialisation has finished the backend has no answer: the reply is UNAVAILABLE, which the agent retries
 * (its retry policy lists UNAVAILABLE, ABORTED and UNKNOWN); a request that does not decode is INVALID_ARGUMENT.
 *
 * @example
 * const { definition, implementation } = configServerService(backend);
 * server.addService(definition, implementation);
 */
import type * as grpc from '@grpc/grpc-js';
import { GRPC_STATUS, RpcError } from './errors.js';
import { METHODS } from './methods.js';
import type { ConfigServerBackend, NetworkPolicyAgentConfigReply } from './types.js';
import { messageOf } from '../errors.js';

/** The UNAVAILABLE message before node initialisation has finished. */
export const CONFIG_NOT_READY = 'ipamd has not finished initialising the node; try again';

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

type Decoded = { readonly ok: true } | { readonly ok: false; readonly error: string };

/** The service's definition and handler over `backend`. */
export function configServerService(backend: ConfigServerBackend): {
  definition: grpc.ServiceDefinition;
  implementation: grpc.UntypedServiceImplementation;
} {
  const { path, request, reply } = METHODS.getNetworkPolicyConfigs;
  const definition: grpc.ServiceDefinition = {
    GetNetworkPolicyConfigs: {
      path,
      requestStream: false,
      responseStream: false,
      requestSerialize: (_value: Decoded) => toBuffer(request.encode({})),
      requestDeserialize: (bytes: Buffer): Decoded => {
        try {
          request.decode(bytes);
          return { ok: true };
        } catch (error) {
          return { ok: false, error: error instanceof RpcError ? error.message : String(error) };
        }
      },
      responseSerialize: (value: NetworkPolicyAgentConfigReply) => toBuffer(reply.encode(value)),
      responseDeserialize: (bytes: Buffer) => reply.decode(bytes),
    },
  };
  const handler: grpc.handleUnaryCall<Decoded, NetworkPolicyAgentConfigReply> = (call, callback) => {
    if (!call.request.ok) return callback({ code: GRPC_STATUS.INVALID_ARGUMENT, details: call.request.error });
    let configs: NetworkPolicyAgentConfigReply | undefined;
    try {
      configs = backend.networkPolicyConfigs();
    } catch (error) {
      return callback({ code: GRPC_STATUS.INTERNAL, details: messageOf(error) });
    }
    if (configs === undefined) return callback({ code: GRPC_STATUS.UNAVAILABLE, details: CONFIG_NOT_READY });
    callback(null, configs);
  };
  return { definition, implementation: { GetNetworkPolicyConfigs: handler } };
}
