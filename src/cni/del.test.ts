// DEL through runPlugin: idempotent, survives a gone netns and an unreachable ipamd, ignores a bad prevResult.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { NetlinkError } from '../netlink/errors.js';
import { cniEnv, harness, netconf, rpcUnavailable, type Harness } from './cni.test-util.js';
import { runPlugin, type PluginOutput } from './plugin.js';

const HOST_VETH = 'eni0d7763386da';
const DEL = { CNI_COMMAND: 'DEL' };

function run(h: Harness, env: Record<string, string | undefined>, stdin: string): Promise<PluginOutput> {
  return runPlugin({ env, stdin, deps: h.deps });
}

/** ADDs the pod and returns its result, as the runtime caches it for prevResult. */
async function added(h: Harness, version = '1.0.0'): Promise<unknown> {
  const out = await run(h, cniEnv(), netconf({ cniVersion: version }));
  assert.equal(out.exitCode, 0, out.stdout);
  h.ipam.calls.length = 0;
  h.pods.calls.length = 0;
  return JSON.parse(out.stdout) as unknown;
}

function assertSuccess(out: PluginOutput): void {
  assert.deepEqual(out, { stdout: '', stderr: '', exitCode: 0 });
}

describe('DEL', () => {
  it('releases the address, then removes its host routes and rules', async () => {
    const h = harness();
    h.ipam.next = { ipv4Addr: '10.0.97.30', ipv6Addr: '', deviceNumber: 2, routeTableId: 3 };
    await added(h);
    assertSuccess(await run(h, cniEnv(DEL), netconf()));
    const call = h.ipam.calls[0];
    assert.ok(call?.method === 'delNetwork');
    assert.equal(call.request.reason, 'PodDeleted');
    assert.equal(call.request.k8sPodUid, '1b2c3d4e-0000-4000-8000-000000000001');
    assert.equal(call.request.networkName, 'aws-cni');
    assert.deepEqual(h.pods.calls, [
      { method: 'teardownPod', spec: { podIp: '10.0.97.30', routeTableId: 3, hostVethName: HOST_VETH } },
    ]);
    assert.deepEqual([...h.pods.rules], []);
  });

  it('called twice, the second is a no-op success (ipamd no longer knows the pod)', async () => {
    const h = harness();
    await added(h);
    assertSuccess(await run(h, cniEnv(DEL), netconf()));
    assertSuccess(await run(h, cniEnv(DEL), netconf()));
    assert.deepEqual(h.ipam.methods(), ['delNetwork', 'delNetwork']);
    assert.deepEqual(
      h.pods.methods(),
      ['teardownPod'],
      'the second DEL touches no rule: the address may serve another pod',
    );
  });

  it('succeeds without CNI_NETNS (the namespace is gone)', async () => {
    const h = harness();
    await added(h);
    assertSuccess(await run(h, cniEnv({ ...DEL, CNI_NETNS: undefined }), netconf()));
    assert.deepEqual(h.pods.methods(), ['teardownPod']);
  });

  const unknownPod: readonly { name: string; arrange: (h: Harness) => void }[] = [
    {
      name: 'errorCode UNKNOWN_POD',
      arrange: (h) =>
        void (h.ipam.delReply = { success: true, errorCode: 'UNKNOWN_POD', errorMessage: 'pod not found' }),
    },
    {
      name: 'a reference reply saying "datastore: unknown pod"',
      arrange: (h) => void (h.ipam.delReply = { success: false, errorMessage: 'datastore: unknown pod' }),
    },
    {
      name: 'a gRPC error saying "datastore: unknown pod"',
      arrange: (h) => void (h.ipam.delError = new Error('rpc error: code = Unknown desc = datastore: unknown pod')),
    },
  ];
  for (const c of unknownPod) {
    it(`an unknown pod (${c.name}) is success with nothing torn down`, async () => {
      const h = harness();
      const prevResult = await added(h);
      c.arrange(h);
      assertSuccess(await run(h, cniEnv(DEL), netconf({ prevResult })));
      assert.deepEqual(h.pods.calls, []);
    });
  }

  for (const version of ['1.0.0', '0.4.0']) {
    it(`ipamd unreachable: tears down from a ${version} prevResult and succeeds`, async () => {
      const h = harness();
      h.ipam.next = { ipv4Addr: '10.0.97.30', ipv6Addr: '', deviceNumber: 2, routeTableId: 3 };
      const prevResult = await added(h, version);
      h.ipam.delError = rpcUnavailable();
      assertSuccess(await run(h, cniEnv(DEL), netconf({ cniVersion: version, prevResult })));
      assert.deepEqual(h.pods.calls, [
        { method: 'teardownPod', spec: { podIp: '10.0.97.30', routeTableId: 3, hostVethName: HOST_VETH } },
      ]);
      assert.ok(h.records.some((r) => r.level === 'warn' && /tearing down from prevResult/.test(r.msg)));
    });
  }

  it('ipamd not ready: tears down from prevResult too', async () => {
    const h = harness();
    const prevResult = await added(h);
    h.ipam.delReply = { success: false, errorCode: 'IPAMD_NOT_READY', errorCniCode: 11, errorMessage: 'initialising' };
    assertSuccess(await run(h, cniEnv(DEL), netconf({ prevResult })));
    assert.deepEqual(h.pods.methods(), ['teardownPod']);
  });

  it('ipamd unreachable and no prevResult: code 11, the runtime retries', async () => {
    const h = harness();
    h.ipam.delError = rpcUnavailable();
    const out = await run(h, cniEnv(DEL), netconf());
    assert.equal(out.exitCode, 1);
    assert.equal((JSON.parse(out.stdout) as { code: number }).code, 11);
    assert.deepEqual(h.pods.calls, []);
  });

  it('a malformed prevResult is logged and ignored', async () => {
    const h = harness();
    await added(h);
    assertSuccess(await run(h, cniEnv(DEL), netconf({ prevResult: { interfaces: 'nope' } })));
    assert.deepEqual(h.pods.methods(), ['teardownPod']);
    assert.ok(
      h.records.some(
        (r) => r.level === 'warn' && /ignoring prevResult: prevResult: interfaces is not a list/.test(r.msg),
      ),
    );
  });

  it('a config edited since ADD (vethPrefix too long) does not block DEL', async () => {
    const h = harness();
    await added(h);
    assertSuccess(await run(h, cniEnv(DEL), netconf({ vethPrefix: 'toolong' })));
    assert.deepEqual(h.pods.calls, [
      { method: 'teardownPod', spec: { podIp: '10.0.1.23', routeTableId: 254, hostVethName: HOST_VETH } },
    ]);
  });

  it('a malformed CNI_ARGS is ignored: the address is keyed by container id', async () => {
    const h = harness();
    await added(h);
    assertSuccess(await run(h, cniEnv({ ...DEL, CNI_ARGS: 'K8S_POD_NAME=a b;FOO' }), netconf()));
    const call = h.ipam.calls[0];
    assert.ok(call?.method === 'delNetwork');
    assert.deepEqual([call.request.containerId, call.request.k8sPodName], ['c0ffee1234', '']);
    assert.deepEqual(h.pods.calls, [{ method: 'teardownPod', spec: { podIp: '10.0.1.23', routeTableId: 254 } }]);
  });

  it('an undecodable stdin still fails (6)', async () => {
    const h = harness();
    const out = await run(h, cniEnv(DEL), '{');
    assert.equal((JSON.parse(out.stdout) as { code: number }).code, 6);
    assert.equal(h.ipamCreated(), 0);
  });

  it('ipamd refusing the release is an error', async () => {
    const h = harness();
    h.ipam.delReply = {
      success: false,
      errorCode: 'CHECKPOINT_WRITE_FAILED',
      errorCniCode: 5,
      errorMessage: 'disk full',
    };
    const out = await run(h, cniEnv(DEL), netconf());
    assert.match(
      (JSON.parse(out.stdout) as { msg: string }).msg,
      /could not release the address of pod default\/web-0 \(CHECKPOINT_WRITE_FAILED\): disk full/,
    );
  });

  it('a failing teardown is CNI_TEARDOWN_FAILED', async () => {
    const h = harness();
    await added(h);
    h.pods.teardownError = new NetlinkError('NETLINK_COMMAND_FAILED', 'ip rule del failed');
    const body = JSON.parse((await run(h, cniEnv(DEL), netconf())).stdout) as { code: number; details: string };
    assert.equal(body.code, 999);
    assert.match(body.details, /^CNI_TEARDOWN_FAILED; cause=NETLINK_COMMAND_FAILED/);
  });

  it('without pod names, the host veth comes from prevResult', async () => {
    const h = harness();
    const prevResult = await added(h);
    assertSuccess(await run(h, cniEnv({ ...DEL, CNI_ARGS: 'IgnoreUnknown=1' }), netconf({ prevResult })));
    assert.deepEqual(h.pods.calls, [
      { method: 'teardownPod', spec: { podIp: '10.0.1.23', routeTableId: 254, hostVethName: HOST_VETH } },
    ]);
  });
});
