/**
 * ipamd as the aws-cni plugin calls it: the port the plugin's verbs use, implemented by the lean gRPC client over
 * ipamd's unix socket (client.ts); the plugin's tests give a fake.
 */
import type { HealthStatus } from './codec.js';
import type { AddNetworkReply, AddNetworkRequest, DelNetworkReply, DelNetworkRequest } from './types.js';

/** ipamd as the plugin sees it (the fast gRPC client over the unix socket). Failures are typed errors (RPC_*). */
export interface IpamClient {
  /** `onSent` runs once the request is on the socket: the cue for work that can overlap ipamd's. */
  addNetwork(request: AddNetworkRequest, onSent?: () => void): Promise<AddNetworkReply>;
  delNetwork(request: DelNetworkRequest, onSent?: () => void): Promise<DelNetworkReply>;
  /** grpc.health.v1 Check of ipamd (STATUS); a client without it makes STATUS report available. */
  health?(): Promise<HealthStatus>;
  close(): void;
}
