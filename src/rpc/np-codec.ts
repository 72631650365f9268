/**
 * The codecs of the network-policy messages [network-policy §2]: `rpc.NPBackend` (EnforceNpToPod, DeletePodNp: the
 * plugin → the agent) and `rpc.ConfigServerBackend` (GetNetworkPolicyConfigs: the agent → ipamd, whose request is
 * `google.protobuf.Empty`). Built from the field tables of proto.ts by codec.ts's table-driven encoder, like the
 * CNIBackend messages; codec.test.ts checks them against protobufjs. Module load builds six small tables and nothing
 * else, so the plugin pays nothing measurable for them when it never calls the agent.
 *
 * @example
 * const bytes = enforceNpRequestCodec.encode({ k8sPodName: 'web-0', k8sPodNamespace: 'default',
 *   networkPolicyMode: 'strict', interfaceCount: 1 });
 */
import { messageCodec, type Codec } from './codec.js';
import {
  DELETE_NP_REPLY_FIELDS,
  DELETE_NP_REQUEST_FIELDS,
  EMPTY_FIELDS,
  ENFORCE_NP_REPLY_FIELDS,
  ENFORCE_NP_REQUEST_FIELDS,
  NETWORK_POLICY_AGENT_CONFIG_REPLY_FIELDS,
} from './proto.js';
import type {
  DeleteNpReply,
  DeleteNpRequest,
  EnforceNpReply,
  EnforceNpRequest,
  NetworkPolicyAgentConfigReply,
} from './types.js';

/** `google.protobuf.Empty`: encodes to no bytes; decoding skips whatever fields a sender put in. */
export type Empty = Record<string, never>;

export const enforceNpRequestCodec = messageCodec<EnforceNpRequest>('EnforceNpRequest', ENFORCE_NP_REQUEST_FIELDS);
export const enforceNpReplyCodec = messageCodec<EnforceNpReply>('EnforceNpReply', ENFORCE_NP_REPLY_FIELDS);
export const deleteNpRequestCodec = messageCodec<DeleteNpRequest>('DeleteNpRequest', DELETE_NP_REQUEST_FIELDS);
export const deleteNpReplyCodec = messageCodec<DeleteNpReply>('DeleteNpReply', DELETE_NP_REPLY_FIELDS);
export const networkPolicyAgentConfigReplyCodec = messageCodec<NetworkPolicyAgentConfigReply>(
  'NetworkPolicyAgentConfigReply',
  NETWORK_POLICY_AGENT_CONFIG_REPLY_FIELDS,
);
export const emptyCodec: Codec<Empty> = messageCodec<Empty>('google.protobuf.Empty', EMPTY_FIELDS);
