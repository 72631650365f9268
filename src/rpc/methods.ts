/**
 * Each gRPC method of the protocol with its path and the codecs of its request and reply, bound once: the clients and
 * the servers dispatch on the same table, so a call cannot pair one method's request with another's reply. ipamd
 * serves CNIBackend, ConfigServerBackend and health; the network-policy agent serves NPBackend and health.
 *
 * @example
 * const bytes = METHODS.addNetwork.request.encode(request); // POSTed to METHODS.addNetwork.path
 */
import {
  addNetworkReplyCodec,
  addNetworkRequestCodec,
  delNetworkReplyCodec,
  delNetworkRequestCodec,
  healthCheckRequestCodec,
  healthCheckResponseCodec,
  type Codec,
} from './codec.js';
import {
  deleteNpReplyCodec,
  deleteNpRequestCodec,
  emptyCodec,
  enforceNpReplyCodec,
  enforceNpRequestCodec,
  networkPolicyAgentConfigReplyCodec,
} from './np-codec.js';
import { RPC_METHODS } from './proto.js';

export interface RpcMethod<Req, Rep> {
  /** `/<package>.<service>/<method>`, the HTTP/2 `:path`. */
  readonly path: string;
  readonly request: Codec<Req>;
  readonly reply: Codec<Rep>;
}

function rpcMethod<Req, Rep>(path: string, request: Codec<Req>, reply: Codec<Rep>): RpcMethod<Req, Rep> {
  return { path, request, reply };
}

export const METHODS = {
  addNetwork: rpcMethod(RPC_METHODS.addNetwork, addNetworkRequestCodec, addNetworkReplyCodec),
  delNetwork: rpcMethod(RPC_METHODS.delNetwork, delNetworkRequestCodec, delNetworkReplyCodec),
  healthCheck: rpcMethod(RPC_METHODS.healthCheck, healthCheckRequestCodec, healthCheckResponseCodec),
  healthWatch: rpcMethod(RPC_METHODS.healthWatch, healthCheckRequestCodec, healthCheckResponseCodec),
  enforceNpToPod: rpcMethod(RPC_METHODS.enforceNpToPod, enforceNpRequestCodec, enforceNpReplyCodec),
  deletePodNp: rpcMethod(RPC_METHODS.deletePodNp, deleteNpRequestCodec, deleteNpReplyCodec),
  getNetworkPolicyConfigs: rpcMethod(
    RPC_METHODS.getNetworkPolicyConfigs,
    emptyCodec,
    networkPolicyAgentConfigReplyCodec,
  ),
} as const;
