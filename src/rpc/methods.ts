/**
 * Each gRPC method ipamd serves with its path and the codecs of its request and reply, bound once: the plugin's client
 * and ipamd's server dispatch on the same table, so a call cannot pair one method's request with another's reply.
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
} as const;
