/**
 * ┌──────────────────────────────────────────────────────────────────────────────────────────────────────────────┐
 * │ A STAND-IN FOR THE AWS NETWORK-POLICY NODE AGENT — NOT AN AGENT. It enforces nothing: no eBPF, no policies.  │
 * │ It speaks the agent's side of the contract [network-policy §1; network-policy §2] on a unix socket, so the    │
 * │ plugin's calls can be tested: `rpc.NPBackend` (EnforceNpToPod, DeletePodNp) and `grpc.health.v1.Health`       │
 * │ with `grpc.health.v1.np-agent` (and '') SERVING.                                                             │
 * └──────────────────────────────────────────────────────────────────────────────────────────────────────────────┘
 *
 * It is an independent implementation of the wire: @grpc/grpc-js with protobufjs's reflection of the proto text (as
 * the agent is grpc-go with generated code), not vpc-cni's codecs. Every call is recorded with its request as the
 * proto names it (`K8S_POD_NAME`, `NETWORK_POLICY_MODE`, `InterfaceCount`, ...). What it answers is set per method:
 * `Success=true` (the agent with network policy disabled, the manifest's default), `Success=false`, a gRPC error
 * (status and message, as the agent's "Invalid Network Policy Mode"), each after an optional delay. An optional
 * `attach` hook plays the agent's probe attach on EnforceNpToPod (the agent fails the call when the pod's host veth
 * is not there): a message it returns becomes a gRPC UNKNOWN error. Like the agent it removes a stale socket file at
 * start.
 *
 * @example
 * const agent = await startNpAgentStandin({ socketPath: join(dir, 'npa.sock') });
 * agent.answer('EnforceNpToPod', { kind: 'error', code: 2, message: 'Invalid Network Policy Mode' });
 * // ... run the plugin with npAgentSocket = agent.socketPath ...
 * agent.calls; // [{ method: 'EnforceNpToPod', request: { K8S_POD_NAME: 'web-0', ... }, grpcStatus: 2 }]
 * await agent.close();
 */
import { lstat, unlink } from 'node:fs/promises';
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import {
  EMPTY_PROTO,
  HEALTH_PROTO,
  NP_AGENT_HEALTH_SERVICE_NAME,
  RPC_METHODS,
  RPC_PROTO,
} from '../../../src/rpc/proto.js';

export type NpMethod = 'EnforceNpToPod' | 'DeletePodNp';

/** What the stand-in answers a call with. */
export type NpAnswer =
  | { readonly kind: 'success'; readonly delayMs?: number }
  | { readonly kind: 'failure'; readonly delayMs?: number }
  | { readonly kind: 'error'; readonly code: number; readonly message: string; readonly delayMs?: number };

export interface NpAgentCall {
  readonly method: NpMethod;
  /** The request as protobufjs decoded it, every field present (proto3 defaults filled in), by its proto name. */
  readonly request: Readonly<Record<string, unknown>>;
  /** 0 for a reply (Success true or false), else the gRPC status sent. */
  readonly grpcStatus: number;
  readonly success?: boolean;
}

export interface NpAgentStandinOptions {
  readonly socketPath: string;
  /** The first answers of both methods; default success. */
  readonly answers?: Partial<Record<NpMethod, NpAnswer>>;
  /** EnforceNpToPod's attach step: why attaching fails (→ gRPC UNKNOWN with that message), or undefined. */
  readonly attach?: (request: Readonly<Record<string, unknown>>) => Promise<string | undefined>;
}

export interface NpAgentStandin {
  readonly socketPath: string;
  /** Every call so far, in the order they were answered. */
  readonly calls: NpAgentCall[];
  /** Sets what `method` answers from now on. */
  answer(method: NpMethod, answer: NpAnswer): void;
  /** Calls of one method. */
  callsOf(method: NpMethod): NpAgentCall[];
  /** Stops serving (in-flight calls are cut) and removes the socket file. */
  close(): Promise<void>;
}

const root = (() => {
  const parsed = protobuf.parse(RPC_PROTO, { keepCase: true }).root;
  protobuf.parse(EMPTY_PROTO, parsed, { keepCase: true });
  protobuf.parse(HEALTH_PROTO, parsed, { keepCase: true });
  parsed.resolveAll();
  return parsed;
})();

function definition(path: string, requestType: string, replyType: string): grpc.MethodDefinition<object, object> {
  const req = root.lookupType(requestType);
  const rep = root.lookupType(replyType);
  return {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: (value) => Buffer.from(req.encode(req.fromObject(value)).finish()),
    requestDeserialize: (bytes) => req.toObject(req.decode(bytes), { defaults: true, enums: Number }),
    responseSerialize: (value) => Buffer.from(rep.encode(rep.fromObject(value)).finish()),
    responseDeserialize: (bytes) => rep.toObject(rep.decode(bytes), { defaults: true }),
  };
}

async function removeStaleSocket(path: string): Promise<void> {
  const stat = await lstat(path).catch(() => undefined);
  if (stat?.isSocket() === true) await unlink(path);
}

/** Starts the stand-in on `socketPath` and resolves once it listens. */
export async function startNpAgentStandin(options: NpAgentStandinOptions): Promise<NpAgentStandin> {
  const { socketPath } = options;
  const answers = new Map<NpMethod, NpAnswer>([
    ['EnforceNpToPod', options.answers?.EnforceNpToPod ?? { kind: 'success' }],
    ['DeletePodNp', options.answers?.DeletePodNp ?? { kind: 'success' }],
  ]);
  const calls: NpAgentCall[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const handler =
    (method: NpMethod): grpc.handleUnaryCall<object, object> =>
    (call, callback) => {
      const answer = answers.get(method) ?? { kind: 'success' };
      const request = call.request as Record<string, unknown>;
      const reply = (): void => {
        if (answer.kind === 'error') {
          calls.push({ method, request, grpcStatus: answer.code });
          callback({ code: answer.code, details: answer.message });
          return;
        }
        const success = answer.kind === 'success';
        calls.push({ method, request, grpcStatus: 0, success });
        callback(null, { Success: success });
      };
      const attachThenReply = (): void => {
        if (method !== 'EnforceNpToPod' || options.attach === undefined || answer.kind !== 'success') return reply();
        options.attach(request).then(
          (problem) => {
            if (problem === undefined) return reply();
            calls.push({ method, request, grpcStatus: grpc.status.UNKNOWN });
            callback({ code: grpc.status.UNKNOWN, details: problem });
          },
          (error: unknown) => {
            calls.push({ method, request, grpcStatus: grpc.status.INTERNAL });
            callback({ code: grpc.status.INTERNAL, details: String(error) });
          },
        );
      };
      if ((answer.delayMs ?? 0) <= 0) return attachThenReply();
      const timer = setTimeout(() => {
        timers.delete(timer);
        attachThenReply();
      }, answer.delayMs);
      timers.add(timer);
    };

  const server = new grpc.Server();
  server.addService(
    {
      EnforceNpToPod: definition(RPC_METHODS.enforceNpToPod, 'rpc.EnforceNpRequest', 'rpc.EnforceNpReply'),
      DeletePodNp: definition(RPC_METHODS.deletePodNp, 'rpc.DeleteNpRequest', 'rpc.DeleteNpReply'),
    },
    { EnforceNpToPod: handler('EnforceNpToPod'), DeletePodNp: handler('DeletePodNp') },
  );
  const serving = new Set(['', NP_AGENT_HEALTH_SERVICE_NAME]);
  server.addService(
    {
      Check: definition(
        RPC_METHODS.healthCheck,
        'grpc.health.v1.HealthCheckRequest',
        'grpc.health.v1.HealthCheckResponse',
      ),
    },
    {
      Check: ((call, callback) => {
        const { service } = call.request as { service?: unknown };
        if (typeof service !== 'string' || !serving.has(service))
          return callback({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
        callback(null, { status: 1 });
      }) satisfies grpc.handleUnaryCall<object, object>,
    },
  );

  await removeStaleSocket(socketPath);
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix:${socketPath}`, grpc.ServerCredentials.createInsecure(), (error) =>
      error === null ? resolve() : reject(error),
    ),
  );

  let closed: Promise<void> | undefined;
  return {
    socketPath,
    calls,
    answer: (method, answer) => void answers.set(method, answer),
    callsOf: (method) => calls.filter((c) => c.method === method),
    close() {
      closed ??= (async () => {
        for (const timer of timers) clearTimeout(timer);
        server.forceShutdown();
        await removeStaleSocket(socketPath).catch(() => undefined);
      })();
      return closed;
    },
  };
}
