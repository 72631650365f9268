/**
 * The plugin's peers as its verbs call them: ipamd ({@link IpamClient}) and the network-policy agent
 * ({@link NpAgentClient}), implemented by the lean gRPC clients over their unix sockets (client.ts, np-client.ts);
 * the plugin's tests give fakes.
 */
import type { HealthStatus } from './codec.js';
import type {
  AddNetworkReply,
  AddNetworkRequest,
  DeleteNpReply,
  DeleteNpRequest,
  DelNetworkReply,
  DelNetworkRequest,
  EnforceNpReply,
  EnforceNpRequest,
} from './types.js';

/** ipamd as the plugin sees it (the fast gRPC client over the unix socket). Failures are typed errors (RPC_*). */
export interface IpamClient {
  /** `onSent` runs once the request is on the socket: the cue for work that can overlap ipamd's. */
  addNetwork(request: AddNetworkRequest, onSent?: () => void): Promise<AddNetworkReply>;
  delNetwork(request: DelNetworkRequest, onSent?: () => void): Promise<DelNetworkReply>;
  /** grpc.health.v1 Check of ipamd (STATUS); a client without it makes STATUS report available. */
  health?(): Promise<HealthStatus>;
  close(): void;
}

/** The network-policy agent as the plugin sees it. Failures are typed errors (RPC_*). */
export interface NpAgentClient {
  /** The agent's socket, for messages. */
  readonly socketPath: string;
  /** Dials the socket (bounded, 2 s); rejects with RPC_UNAVAILABLE (details.stage 'connect') when nobody answers. */
  connect(): Promise<void>;
  enforceNpToPod(request: EnforceNpRequest): Promise<EnforceNpReply>;
  deletePodNp(request: DeleteNpRequest): Promise<DeleteNpReply>;
  close(): void;
}
