// The plugin's client of the network-policy agent against the stand-in agent (grpc-js + protobufjs reflection, an
// independent gRPC stack): the fields as the agent decodes them, its three kinds of answer, and the connect timeout
// (the reference's 2 s dial) kept apart from the call's deadline.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startNpAgentStandin, type NpAgentStandin } from '../../test/support/np-agent/np-agent.js';
import { isRpcError } from './errors.js';
import { METHODS } from './methods.js';
import { createNpAgentClient, NP_AGENT_CONNECT_TIMEOUT_MS } from './np-client.js';
import { NP_AGENT_HEALTH_SERVICE_NAME } from './proto.js';
import { withTempDir } from './rpc.test-util.js';
import type { Connector } from './socket.js';
import { createUnaryClient } from './unary.js';

const ENFORCE = { k8sPodName: 'web-5d8f7c9b6-x2kq9', k8sPodNamespace: 'prod', networkPolicyMode: 'strict' };

async function withAgent<T>(run: (agent: NpAgentStandin, dir: string) => Promise<T>): Promise<T> {
  return withTempDir(async (dir) => {
    const agent = await startNpAgentStandin({ socketPath: join(dir, 'npa.sock') });
    try {
      return await run(agent, dir);
    } finally {
      await agent.close();
    }
  });
}

describe('network-policy agent client', () => {
  it('sends EnforceNpToPod and DeletePodNp with the reference fields, as the agent decodes them', async () => {
    await withAgent(async (agent) => {
      const client = createNpAgentClient({ socketPath: agent.socketPath });
      try {
        await client.connect();
        assert.deepEqual(await client.enforceNpToPod({ ...ENFORCE, interfaceCount: 2 }), { success: true });
        assert.deepEqual(await client.deletePodNp({ k8sPodName: 'web-0', k8sPodNamespace: 'prod' }), { success: true });
      } finally {
        client.close();
      }
      assert.deepEqual(agent.calls, [
        {
          method: 'EnforceNpToPod',
          request: {
            K8S_POD_NAME: 'web-5d8f7c9b6-x2kq9',
            K8S_POD_NAMESPACE: 'prod',
            NETWORK_POLICY_MODE: 'strict',
            InterfaceCount: 2,
          },
          grpcStatus: 0,
          success: true,
        },
        {
          method: 'DeletePodNp',
          request: { K8S_POD_NAME: 'web-0', K8S_POD_NAMESPACE: 'prod' },
          grpcStatus: 0,
          success: true,
        },
      ]);
    });
  });

  it('Success=false is a reply, not an error; a gRPC error is an RpcError naming the agent and its message', async () => {
    await withAgent(async (agent) => {
      const client = createNpAgentClient({ socketPath: agent.socketPath });
      try {
        agent.answer('EnforceNpToPod', { kind: 'failure' });
        assert.deepEqual(await client.enforceNpToPod({ ...ENFORCE, interfaceCount: 1 }), { success: false });
        agent.answer('EnforceNpToPod', { kind: 'error', code: 2, message: 'Invalid Network Policy Mode' });
        await assert.rejects(client.enforceNpToPod({ ...ENFORCE, interfaceCount: 1 }), (error) => {
          assert.ok(isRpcError(error, 'RPC_INTERNAL'), String(error));
          assert.match(error.message, /^the network-policy agent failed the call \(gRPC status 2\): Invalid Network/);
          assert.equal(error.details.method, '/rpc.NPBackend/EnforceNpToPod');
          return true;
        });
      } finally {
        client.close();
      }
    });
  });

  it('nobody on the socket: connect fails with the socket named and the errno, not after the connect timeout', async () => {
    await withTempDir(async (dir) => {
      const socketPath = join(dir, 'npa.sock');
      const client = createNpAgentClient({ socketPath });
      await assert.rejects(client.connect(), (error) => {
        assert.ok(isRpcError(error, 'RPC_UNAVAILABLE'), String(error));
        assert.equal(
          error.message,
          `the network-policy agent is not running or not ready: cannot connect to ${socketPath} (ENOENT)`,
        );
        assert.equal(error.details.stage, 'connect');
        return true;
      });
      client.close();
    });
  });

  it('a connection that never completes fails after the connect timeout, with stage connect', async () => {
    const hanging: Connector = () => new Promise(() => undefined);
    const client = createNpAgentClient({ socketPath: '/run/npa.sock', connectTimeoutMs: 50, connector: hanging });
    await assert.rejects(client.enforceNpToPod({ ...ENFORCE, interfaceCount: 1 }), (error) => {
      assert.ok(isRpcError(error, 'RPC_UNAVAILABLE'), String(error));
      assert.match(error.message, /cannot connect to \/run\/npa.sock within 50 ms/);
      assert.equal(error.details.stage, 'connect');
      return true;
    });
    assert.equal(NP_AGENT_CONNECT_TIMEOUT_MS, 2_000, "the reference's npAgentConnTimeout");
  });

  it('the connect timeout does not bound the call; the call deadline does', async () => {
    await withAgent(async (agent) => {
      agent.answer('EnforceNpToPod', { kind: 'success', delayMs: 300 });
      const patient = createNpAgentClient({ socketPath: agent.socketPath, connectTimeoutMs: 50, timeoutMs: 10_000 });
      try {
        assert.deepEqual(await patient.enforceNpToPod({ ...ENFORCE, interfaceCount: 1 }), { success: true });
      } finally {
        patient.close();
      }
      agent.answer('DeletePodNp', { kind: 'success', delayMs: 2_000 });
      const hasty = createNpAgentClient({ socketPath: agent.socketPath, timeoutMs: 100 });
      try {
        await assert.rejects(hasty.deletePodNp({ k8sPodName: 'a', k8sPodNamespace: 'b' }), (error) => {
          assert.ok(isRpcError(error, 'RPC_TIMEOUT'), String(error));
          assert.match(error.message, /^the network-policy agent did not answer \/rpc.NPBackend\/DeletePodNp/);
          return true;
        });
      } finally {
        hasty.close();
      }
    });
  });

  it('the stand-in reports grpc.health.v1.np-agent SERVING', async () => {
    await withAgent(async (agent) => {
      const unary = createUnaryClient({ socketPath: agent.socketPath, timeoutMs: 5_000 });
      try {
        const reply = await unary.call(METHODS.healthCheck, { service: NP_AGENT_HEALTH_SERVICE_NAME });
        assert.deepEqual(reply, { status: 'SERVING' });
      } finally {
        unary.close();
      }
    });
  });
});
