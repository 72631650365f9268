/**
 * The CNI plugin's client of the network-policy agent: `rpc.NPBackend` (EnforceNpToPod, DeletePodNp) on the agent's
 * unix socket (/var/run/aws-node/npa.sock) [network-policy §4], on the same lean unary gRPC caller as the ipamd
 * client (src/rpc/unary.ts): the plugin loads nothing more for it, and creates it only when ipamd's reply carries a
 * network-policy mode.
 *
 * Connecting is bounded by its own timeout, the reference's 2 s blocking dial; a socket nobody listens on
 * (ENOENT, ECONNREFUSED) fails at once rather than after 2 s, since waiting cannot make the agent appear for this call
 * and the runtime retries. The reference calls the agent without a deadline; this client gives each call
 * NP_AGENT_CALL_TIMEOUT_MS, so that a hung agent fails the ADD with a message instead of holding it until the kubelet
 * gives up.
 *
 * @example
 * const agent = createNpAgentClient({ socketPath: DEFAULT_NP_AGENT_SOCKET });
 * try { await agent.connect(); const { success } = await agent.enforceNpToPod(request); } finally { agent.close(); }
 */
import { METHODS } from './methods.js';
import type { NpAgentClient } from './port.js';
import type { Connector } from './socket.js';
import { createUnaryClient } from './unary.js';

/** The reference's `npAgentConnTimeout`. */
export const NP_AGENT_CONNECT_TIMEOUT_MS = 2_000;
/** Ours (the reference has none): far above an agent's attach time, far below the kubelet's sandbox timeout. */
export const NP_AGENT_CALL_TIMEOUT_MS = 30_000;
/** The peer's name in messages. */
export const NP_AGENT = 'the network-policy agent';

export interface NpAgentClientOptions {
  /** The agent's socket, e.g. /var/run/aws-node/npa.sock */
  readonly socketPath: string;
  /** Default NP_AGENT_CONNECT_TIMEOUT_MS. */
  readonly connectTimeoutMs?: number;
  /** Deadline of each call; default NP_AGENT_CALL_TIMEOUT_MS. */
  readonly timeoutMs?: number;
  readonly connector?: Connector;
}

/** A client for the agent's socket; {@link NpAgentClient.connect} dials, the calls reuse the connection. */
export function createNpAgentClient(options: NpAgentClientOptions): NpAgentClient {
  const unary = createUnaryClient({
    socketPath: options.socketPath,
    timeoutMs: options.timeoutMs ?? NP_AGENT_CALL_TIMEOUT_MS,
    connectTimeoutMs: options.connectTimeoutMs ?? NP_AGENT_CONNECT_TIMEOUT_MS,
    peer: NP_AGENT,
    ...(options.connector === undefined ? {} : { connector: options.connector }),
  });
  return {
    socketPath: options.socketPath,
    connect: () => unary.connect(),
    enforceNpToPod: (request) => unary.call(METHODS.enforceNpToPod, request),
    deletePodNp: (request) => unary.call(METHODS.deletePodNp, request),
    close: () => unary.close(),
  };
}
