// rpc.ConfigServerBackend on ipamd's gRPC server, called the way the network-policy agent calls it: @grpc/grpc-js with
// protobufjs reflection and the agent's service config (waitForReady, 5 attempts retrying UNAVAILABLE, ABORTED and
// UNKNOWN). Before node initialisation it answers UNAVAILABLE, which that client retries until ipamd has an answer.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { CONFIG_NOT_READY } from './config-server.js';
import { GRPC_STATUS } from './errors.js';
import { RPC_METHODS } from './proto.js';
import { echoBackend, reflect, VERSION, withTempDir } from './rpc.test-util.js';
import { startRpcServer } from './server.js';
import type { ConfigServerBackend, NetworkPolicyAgentConfigReply } from './types.js';

const root = reflect();
const replyType = root.lookupType('rpc.NetworkPolicyAgentConfigReply');

/** The agent's service config for rpc.ConfigServerBackend [network-policy §5.1]. */
const AGENT_SERVICE_CONFIG = {
  methodConfig: [
    {
      name: [{ service: 'rpc.ConfigServerBackend' }],
      waitForReady: true,
      retryPolicy: {
        maxAttempts: 5,
        initialBackoff: '0.5s',
        maxBackoff: '10s',
        backoffMultiplier: 1.1,
        retryableStatusCodes: ['UNAVAILABLE', 'ABORTED', 'UNKNOWN'],
      },
    },
  ],
};

const CONFIGS: NetworkPolicyAgentConfigReply = {
  networkPolicyMode: 'strict',
  multiNicEnabled: true,
  nodeIpv4: '10.11.16.31',
  nodeIpv6: '',
  instanceId: 'i-0a1b2c3d4e5f60718',
  region: 'us-west-2',
};

interface Outcome {
  readonly code: number;
  readonly details: string;
  readonly reply?: Record<string, unknown>;
}

/** GetNetworkPolicyConfigs as the agent sends it; `body` replaces the (empty) request bytes. */
function agentCall(socketPath: string, options: { retry?: boolean; body?: Buffer } = {}): Promise<Outcome> {
  const channel = options.retry === true ? { 'grpc.service_config': JSON.stringify(AGENT_SERVICE_CONFIG) } : {};
  const client = new grpc.Client(`unix:${socketPath}`, grpc.credentials.createInsecure(), channel);
  return new Promise<Outcome>((resolve) => {
    client.makeUnaryRequest(
      RPC_METHODS.getNetworkPolicyConfigs,
      () => options.body ?? Buffer.alloc(0),
      (bytes: Buffer) => replyType.toObject(replyType.decode(bytes), { defaults: true }),
      {},
      { deadline: Date.now() + 30_000 },
      (error, reply) => {
        client.close();
        resolve(
          error ? { code: error.code, details: error.details } : { code: 0, details: '', ...(reply && { reply }) },
        );
      },
    );
  });
}

async function withServer<T>(
  configServer: ConfigServerBackend | undefined,
  run: (socketPath: string) => Promise<T>,
): Promise<T> {
  return withTempDir(async (dir) => {
    const server = await startRpcServer({
      socketPath: join(dir, 'ipamd.sock'),
      backend: echoBackend(),
      version: VERSION,
      ...(configServer === undefined ? {} : { configServer }),
    });
    try {
      return await run(server.socketPath);
    } finally {
      await server.close();
    }
  });
}

describe('rpc.ConfigServerBackend', () => {
  it('answers GetNetworkPolicyConfigs with the reference field names', async () => {
    await withServer({ networkPolicyConfigs: () => CONFIGS }, async (socketPath) => {
      assert.deepEqual(await agentCall(socketPath), {
        code: 0,
        details: '',
        reply: {
          NetworkPolicyMode: 'strict',
          MultiNICEnabled: true,
          NodeIPv4: '10.11.16.31',
          NodeIPv6: '',
          InstanceID: 'i-0a1b2c3d4e5f60718',
          Region: 'us-west-2',
        },
      });
    });
  });

  it('before node initialisation: UNAVAILABLE, which the agent retries until ipamd has an answer', async () => {
    let asked = 0;
    const initialising: ConfigServerBackend = { networkPolicyConfigs: () => (++asked <= 2 ? undefined : CONFIGS) };
    await withServer(initialising, async (socketPath) => {
      const plain = await agentCall(socketPath);
      assert.deepEqual(plain, { code: GRPC_STATUS.UNAVAILABLE, details: CONFIG_NOT_READY });
      const retried = await agentCall(socketPath, { retry: true });
      assert.equal(retried.code, 0, retried.details);
      assert.equal(retried.reply?.['InstanceID'], CONFIGS.instanceId);
      assert.equal(asked, 3, 'one refused plain call, one refused and one answered attempt of the retrying client');
    });
  });

  it('a backend that throws is INTERNAL with its message; an undecodable request is INVALID_ARGUMENT', async () => {
    let fail = true;
    const backend: ConfigServerBackend = {
      networkPolicyConfigs: () => {
        if (fail) throw new TypeError('node state is corrupt');
        return CONFIGS;
      },
    };
    await withServer(backend, async (socketPath) => {
      assert.deepEqual(await agentCall(socketPath), { code: GRPC_STATUS.INTERNAL, details: 'node state is corrupt' });
      fail = false;
      const garbage = await agentCall(socketPath, { body: Buffer.from([0x0f]) });
      assert.equal(garbage.code, GRPC_STATUS.INVALID_ARGUMENT);
      assert.match(garbage.details, /cannot decode google.protobuf.Empty/);
      assert.equal((await agentCall(socketPath)).code, 0, 'and it goes on serving');
    });
  });

  it('is not served without a backend (UNIMPLEMENTED)', async () => {
    await withServer(undefined, async (socketPath) => {
      assert.equal((await agentCall(socketPath)).code, GRPC_STATUS.UNIMPLEMENTED);
    });
  });
});
