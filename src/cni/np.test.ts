// The plugin's network-policy agent calls through runPlugin, against fakes, case by case of the outcome table
// [network-policy §6]: no mode → no call; a mode → EnforceNpToPod after the wiring with the exact fields and DeletePodNp
// after the teardown; the agent failing or absent → ADD fails with the reference's text, nothing undone; DEL fails
// once when the agent cannot be dialled; and the DEL paths that never call the agent [network-policy §4.2].
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { RpcError } from '../rpc/errors.js';
import { cniEnv, harness, netconf, rpcUnavailable, type Harness } from './cni.test-util.js';
import { runPlugin, type PluginOutput } from './plugin.js';

const DEL = { CNI_COMMAND: 'DEL' };
const NPA = '/var/run/aws-node/npa.sock';

function run(h: Harness, env: Record<string, string | undefined>, stdin = netconf()): Promise<PluginOutput> {
  return runPlugin({ env, stdin, deps: h.deps });
}

function body(out: PluginOutput): { code: number; msg: string; details: string } {
  return JSON.parse(out.stdout) as { code: number; msg: string; details: string };
}

function agentAbsent(): RpcError {
  return new RpcError(
    'RPC_UNAVAILABLE',
    `the network-policy agent is not running or not ready: cannot connect to ${NPA} (ENOENT)`,
    { socketPath: NPA, errno: 'ENOENT', stage: 'connect' },
  );
}

/** A harness whose ipamd replies carry `mode`, after an ADD of web-0 (its result returned, the calls forgotten). */
async function added(mode: string): Promise<{ h: Harness; result: Record<string, unknown> }> {
  const h = harness();
  h.ipam.networkPolicyMode = mode;
  const out = await run(h, cniEnv());
  assert.equal(out.exitCode, 0, out.stdout);
  h.ipam.calls.length = 0;
  h.pods.calls.length = 0;
  h.agent.calls.length = 0;
  h.agentSockets.length = 0;
  return { h, result: JSON.parse(out.stdout) as Record<string, unknown> };
}

describe('network-policy agent: ADD', () => {
  it('mode unset: no agent client, no call', async () => {
    const h = harness();
    assert.equal((await run(h, cniEnv())).exitCode, 0);
    assert.deepEqual(h.agentSockets, []);
    assert.deepEqual(h.agent.calls, []);
  });

  for (const mode of ['standard', 'strict', 'none', 'Strict']) {
    it(`mode "${mode}": EnforceNpToPod after the wiring, with the pod, the mode verbatim and 1 interface`, async () => {
      const h = harness();
      h.ipam.networkPolicyMode = mode;
      const wiredWhenCalled: number[] = [];
      const enforce = h.agent.enforceNpToPod.bind(h.agent);
      h.agent.enforceNpToPod = (request) => {
        wiredWhenCalled.push(h.pods.wired.size);
        return enforce(request);
      };
      const out = await run(h, cniEnv());
      assert.equal(out.exitCode, 0, out.stdout);
      assert.equal((JSON.parse(out.stdout) as { ips: unknown[] }).ips.length, 1, 'the result is printed');
      assert.deepEqual(h.agentSockets, [NPA]);
      assert.deepEqual(h.agent.calls, [
        { method: 'connect' },
        {
          method: 'enforceNpToPod',
          request: { k8sPodName: 'web-0', k8sPodNamespace: 'default', networkPolicyMode: mode, interfaceCount: 1 },
        },
      ]);
      assert.deepEqual(wiredWhenCalled, [1], 'the pod was wired before the agent was asked');
      assert.equal(h.agent.closed, 1);
    });
  }

  it('the client goes to the config npAgentSocket', async () => {
    const h = harness();
    h.ipam.networkPolicyMode = 'standard';
    assert.equal((await run(h, cniEnv(), netconf({ npAgentSocket: '/run/n1/npa.sock' }))).exitCode, 0);
    assert.deepEqual(h.agentSockets, ['/run/n1/npa.sock']);
  });

  const failures: readonly {
    name: string;
    arrange: (h: Harness) => void;
    code: number;
    stable: string;
    message: RegExp;
  }[] = [
    {
      name: 'Success=false',
      arrange: (h) => void (h.agent.enforceReply = { success: false }),
      code: 999,
      stable: 'CNI_NP_ENFORCE_FAILED',
      message: /^add cmd: failed to setup network policy for pod default\/web-0: .*Success=false/,
    },
    {
      name: 'a gRPC error',
      arrange: (h) =>
        void (h.agent.enforceError = new RpcError(
          'RPC_INTERNAL',
          'the network-policy agent failed the call (gRPC status 2): Invalid Network Policy Mode',
          { grpcStatus: 2, grpcMessage: 'Invalid Network Policy Mode' },
        )),
      code: 999,
      stable: 'CNI_NP_ENFORCE_FAILED',
      message: /^add cmd: failed to setup network policy for pod default\/web-0: .*Invalid Network Policy Mode$/,
    },
    {
      name: 'the agent absent (nothing on its socket)',
      arrange: (h) => void (h.agent.connectError = agentAbsent()),
      code: 11,
      stable: 'CNI_NP_AGENT_UNREACHABLE',
      message:
        /^add cmd: failed to setup network policy for pod default\/web-0: .*cannot connect to \/var\/run\/aws-node\/npa.sock \(ENOENT\) \(network policy mode "strict" from NETWORK_POLICY_ENFORCING_MODE on aws-node; a node without the network-policy agent must leave it unset\)$/,
    },
    {
      name: 'the agent not answering in time',
      arrange: (h) =>
        void (h.agent.enforceError = new RpcError('RPC_TIMEOUT', 'the network-policy agent did not answer')),
      code: 11,
      stable: 'CNI_NP_AGENT_UNREACHABLE',
      message: /did not answer/,
    },
  ];
  for (const f of failures) {
    it(`${f.name}: ADD fails (code ${f.code}); wiring and address stay for the DEL, which succeeds`, async () => {
      const h = harness();
      h.ipam.networkPolicyMode = 'strict';
      f.arrange(h);
      const out = await run(h, cniEnv());
      assert.equal(out.exitCode, 1);
      const error = body(out);
      assert.equal(error.code, f.code, out.stdout);
      assert.match(error.msg, f.message);
      assert.match(error.details, new RegExp(`^${f.stable}; npAgentSocket=${NPA}; mode=strict; interfaceCount=1`));
      assert.deepEqual(h.pods.methods(), ['setupPod'], 'the wiring is not undone');
      assert.deepEqual(h.ipam.methods(), ['addNetwork'], 'the address is not released');
      assert.equal(h.ipam.assigned.size, 1);

      h.agent.connectError = undefined;
      assert.equal((await run(h, cniEnv(DEL))).exitCode, 0, "the runtime's DEL cleans up");
      assert.equal(h.ipam.assigned.size, 0);
      assert.deepEqual(h.pods.wired.size, 0);
    });
  }
});

describe('network-policy agent: DEL', () => {
  it('mode set: DeletePodNp with the pod after DelNetwork and the teardown', async () => {
    const { h } = await added('standard');
    assert.equal((await run(h, cniEnv(DEL))).exitCode, 0);
    assert.deepEqual(h.ipam.methods(), ['delNetwork']);
    assert.deepEqual(h.pods.methods(), ['teardownPod']);
    assert.deepEqual(h.agent.calls, [
      { method: 'connect' },
      { method: 'deletePodNp', request: { k8sPodName: 'web-0', k8sPodNamespace: 'default' } },
    ]);
    assert.deepEqual([...h.agent.enforced.keys()], []);
  });

  it('mode unset: no agent client', async () => {
    const { h } = await added('');
    assert.equal((await run(h, cniEnv(DEL))).exitCode, 0);
    assert.deepEqual(h.agentSockets, []);
  });

  for (const [name, arrange] of [
    ['Success=false', (h: Harness) => void (h.agent.deleteReply = { success: false })],
    ['a gRPC error', (h: Harness) => void (h.agent.deleteError = new RpcError('RPC_INTERNAL', 'no such pod'))],
  ] as const) {
    it(`DeletePodNp answering ${name} is logged; DEL succeeds`, async () => {
      const { h } = await added('strict');
      arrange(h);
      assert.deepEqual(await run(h, cniEnv(DEL)), { stdout: '', stderr: '', exitCode: 0 });
      assert.ok(h.records.some((r) => r.level === 'warn' && /DeletePodNp/.test(r.msg)));
    });
  }

  it('the agent absent: DEL fails once after the release and teardown; the retry succeeds without it', async () => {
    const { h } = await added('standard');
    h.agent.connectError = agentAbsent();
    const out = await run(h, cniEnv(DEL));
    assert.equal(out.exitCode, 1);
    const error = body(out);
    assert.equal(error.code, 11);
    assert.match(error.msg, /^del cmd: failed to connect to network policy agent: .*npa.sock \(ENOENT\)/);
    assert.match(error.details, /^CNI_NP_AGENT_UNREACHABLE/);
    assert.equal(h.ipam.assigned.size, 0, 'the address was released');
    assert.deepEqual(h.pods.methods(), ['teardownPod']);
    h.agent.calls.length = 0;
    assert.equal((await run(h, cniEnv(DEL))).exitCode, 0, 'the retry: ipamd no longer knows the pod');
    assert.deepEqual(h.agent.calls, []);
  });

  const noCall: readonly { name: string; arrange: (h: Harness, prev: Record<string, unknown>) => unknown }[] = [
    { name: 'ipamd does not know the pod', arrange: (h) => h.ipam.assigned.clear() },
    { name: 'ipamd unreachable (teardown from prevResult)', arrange: (h) => void (h.ipam.delError = rpcUnavailable()) },
    {
      name: 'ipamd not ready (teardown from prevResult)',
      arrange: (h) =>
        void (h.ipam.delReply = { success: false, errorCode: 'IPAMD_NOT_READY', errorCniCode: 11, errorMessage: '' }),
    },
    {
      name: 'DelNetwork failing with another gRPC error (teardown from prevResult)',
      arrange: (h) => void (h.ipam.delError = new RpcError('RPC_INTERNAL', 'ipamd failed the call')),
    },
    {
      name: 'ipamd refusing the release (DEL fails)',
      arrange: (h) => void (h.ipam.delReply = { success: false, errorCode: 'X', errorCniCode: 999, errorMessage: '' }),
    },
    {
      name: 'a branch-ENI prevResult',
      arrange: (_h, prev) => {
        const interfaces = prev['interfaces'] as { name: string; mac?: string }[];
        const dummy = interfaces.find((i) => i.name.startsWith('dummy'));
        if (dummy !== undefined) dummy.mac = '7';
      },
    },
    { name: 'no pod name in CNI_ARGS', arrange: () => undefined },
  ];
  for (const c of noCall) {
    it(`no agent call: ${c.name}`, async () => {
      const { h, result } = await added('strict');
      c.arrange(h, result);
      const env = c.name.startsWith('no pod name') ? { ...DEL, CNI_ARGS: 'IgnoreUnknown=1' } : DEL;
      await run(h, cniEnv(env), netconf({ prevResult: result }));
      assert.deepEqual(h.agent.calls, []);
      assert.deepEqual(h.agentSockets, []);
    });
  }
});
