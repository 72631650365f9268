// The plugin driven the way a runtime drives it: environment + stdin in, stdout + exit code out, against fake ports.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { NetlinkError } from '../netlink/errors.js';
import { RpcError } from '../rpc/errors.js';
import { cniEnv, harness, netconf, NETNS, rpcUnavailable, type Harness } from './cni.test-util.js';
import { runPlugin, type PluginOutput } from './plugin.js';

const HOST_VETH = 'eni0d7763386da';
const DUMMY = 'dummy0d7763386da';

async function run(h: Harness, env: Record<string, string | undefined>, stdin: string): Promise<PluginOutput> {
  return runPlugin({ env, stdin, deps: h.deps });
}

function json(out: PluginOutput): Record<string, unknown> {
  return JSON.parse(out.stdout) as Record<string, unknown>;
}

function assertError(out: PluginOutput, code: number, message: RegExp): void {
  assert.equal(out.exitCode, 1, out.stdout);
  const body = json(out);
  assert.deepEqual(Object.keys(body), ['cniVersion', 'code', 'msg', 'details']);
  assert.equal(body['code'], code, out.stdout);
  assert.match(String(body['msg']), message);
}

function assertUntouched(h: Harness): void {
  assert.equal(h.ipamCreated(), 0, 'no ipamd client was created');
  assert.deepEqual(h.ipam.calls, []);
  assert.deepEqual(h.pods.calls, []);
}

describe('refused calls change nothing', () => {
  const cases: readonly {
    name: string;
    env?: Record<string, string | undefined>;
    stdin?: string;
    code: number;
    message: RegExp;
  }[] = [
    { name: 'malformed JSON', stdin: '{"cniVersion": "1.0.0",', code: 6, message: /error decoding the network config/ },
    { name: 'empty stdin', stdin: '', code: 6, message: /stdin is empty/ },
    { name: 'a JSON array', stdin: '[]', code: 6, message: /not a JSON object/ },
    {
      name: 'a numeric cniVersion',
      stdin: netconf({ cniVersion: 1 }),
      code: 6,
      message: /cniVersion must be a string/,
    },
    {
      name: 'an unknown cniVersion',
      stdin: netconf({ cniVersion: '2.0.0' }),
      code: 1,
      message: /incompatible CNI versions/,
    },
    {
      name: 'CHECK at 0.3.1',
      env: { CNI_COMMAND: 'CHECK' },
      stdin: netconf({ cniVersion: '0.3.1' }),
      code: 1,
      message: /does not allow CHECK/,
    },
    { name: 'STATUS at 1.0.0', env: { CNI_COMMAND: 'STATUS' }, code: 1, message: /does not allow STATUS/ },
    {
      name: 'GC at 0.4.0',
      env: { CNI_COMMAND: 'GC' },
      stdin: netconf({ cniVersion: '0.4.0' }),
      code: 1,
      message: /does not allow GC/,
    },
    { name: 'an unknown command', env: { CNI_COMMAND: 'UPDATE' }, code: 4, message: /unknown CNI_COMMAND: "UPDATE"/ },
    {
      name: 'no CNI_CONTAINERID',
      env: { CNI_CONTAINERID: undefined },
      code: 4,
      message: /\[CNI_CONTAINERID\] missing/,
    },
    { name: 'no CNI_NETNS', env: { CNI_NETNS: '' }, code: 4, message: /\[CNI_NETNS\] missing/ },
    { name: 'no CNI_IFNAME', env: { CNI_IFNAME: undefined }, code: 4, message: /\[CNI_IFNAME\] missing/ },
    { name: 'no CNI_PATH', env: { CNI_PATH: undefined }, code: 4, message: /\[CNI_PATH\] missing/ },
    {
      name: 'no CNI_* at all',
      env: { CNI_CONTAINERID: undefined, CNI_NETNS: undefined, CNI_IFNAME: undefined, CNI_PATH: undefined },
      code: 4,
      message: /\[CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME,CNI_PATH\]/,
    },
    {
      name: 'missing variables before a bad stdin',
      env: { CNI_IFNAME: undefined },
      stdin: '{',
      code: 4,
      message: /CNI_IFNAME/,
    },
    { name: 'a 16-character CNI_IFNAME', env: { CNI_IFNAME: 'eth0123456789abc' }, code: 4, message: /too long/ },
    { name: 'CNI_IFNAME with a slash', env: { CNI_IFNAME: '../eth0' }, code: 4, message: /contains \// },
    { name: 'CNI_IFNAME with a space', env: { CNI_IFNAME: 'eth 0' }, code: 4, message: /whitespace/ },
    {
      name: 'a hostile container id',
      env: { CNI_CONTAINERID: 'c1;rm -rf' },
      code: 4,
      message: /invalid characters in containerID/,
    },
    { name: 'a relative CNI_NETNS', env: { CNI_NETNS: 'cni-1234' }, code: 4, message: /not an absolute path/ },
    {
      name: 'a hostile pod name',
      env: { CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=../../x' },
      code: 4,
      message: /K8S_POD_NAME/,
    },
    {
      name: 'a pod name with a space',
      env: { CNI_ARGS: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=a b' },
      code: 4,
      message: /K8S_POD_NAME/,
    },
    {
      name: 'an unknown CNI_ARGS key without IgnoreUnknown',
      env: { CNI_ARGS: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0;FOO=1' },
      code: 4,
      message: /unknown keys "FOO"/,
    },
    { name: 'a CNI_ARGS pair without =', env: { CNI_ARGS: 'K8S_POD_NAMESPACE' }, code: 4, message: /invalid pair/ },
    {
      name: 'no pod name in CNI_ARGS',
      env: { CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default' },
      code: 4,
      message: /lacks K8S_POD_NAME/,
    },
    {
      name: 'a missing netns',
      env: { CNI_NETNS: '/proc/4242/ns/net' },
      code: 3,
      message: /netns \/proc\/4242\/ns\/net does not exist/,
    },
    {
      name: 'a five-character vethPrefix',
      stdin: netconf({ vethPrefix: 'abcde' }),
      code: 7,
      message: /vethPrefix "abcde"/,
    },
    { name: 'vethPrefix eth', stdin: netconf({ vethPrefix: 'eth' }), code: 7, message: /reserved/ },
    { name: 'mtu 575', stdin: netconf({ mtu: '575' }), code: 7, message: /mtu "575"/ },
    { name: 'mtu 9002', stdin: netconf({ mtu: 9002 }), code: 7, message: /mtu 9002/ },
    { name: 'mtu abc', stdin: netconf({ mtu: 'abc' }), code: 7, message: /mtu "abc"/ },
    { name: 'no network name', stdin: netconf({ name: undefined }), code: 7, message: /missing network name/ },
  ];
  for (const c of cases) {
    it(`${c.name} → code ${c.code}`, async () => {
      const h = harness();
      const stdin = c.stdin ?? netconf(c.env?.['CNI_COMMAND'] === 'STATUS' ? { cniVersion: '1.0.0' } : {});
      const out = await run(h, cniEnv(c.env), stdin);
      assertError(out, c.code, c.message);
      assertUntouched(h);
    });
  }

  it('the error names the config version, or the latest when that is unknown', async () => {
    const h = harness();
    assert.equal(
      json(await run(h, cniEnv({ CNI_NETNS: '/nope' }), netconf({ cniVersion: '0.4.0' })))['cniVersion'],
      '0.4.0',
    );
    assert.equal(json(await run(h, cniEnv(), netconf({ cniVersion: '9.9.9' })))['cniVersion'], '1.1.0');
  });
});

describe('ADD', () => {
  it('wires a primary-ENI pod (main table: only rule 512) and returns the reference result', async () => {
    const h = harness();
    const out = await run(h, cniEnv(), netconf());
    assert.equal(out.exitCode, 0, out.stdout);
    assert.deepEqual(json(out), {
      cniVersion: '1.0.0',
      interfaces: [
        { name: HOST_VETH, mac: '02:00:00:aa:bb:cc' },
        { name: 'eth0', mac: '254', sandbox: NETNS },
        { name: DUMMY, mac: '0', sandbox: '0' },
      ],
      ips: [{ interface: 1, address: '10.0.1.23/32' }],
      dns: {},
    });
    assert.deepEqual(h.ipam.calls[0], {
      method: 'addNetwork',
      request: {
        clientVersion: 'v-test',
        k8sPodName: 'web-0',
        k8sPodNamespace: 'default',
        k8sPodInfraContainerId: 'c0ffee1234',
        containerId: 'c0ffee1234',
        ifName: 'eth0',
        networkName: 'aws-cni',
        netns: NETNS,
        requiresMultiNicAttachment: false,
      },
    });
    assert.deepEqual(h.pods.calls, [
      {
        method: 'setupPod',
        spec: {
          hostVethName: HOST_VETH,
          containerIfName: 'eth0',
          netnsPath: NETNS,
          podIp: '10.0.1.23',
          mtu: 9001,
          routeTableId: 254,
        },
      },
    ]);
    assert.deepEqual([...h.pods.rules], ['512: to 10.0.1.23 lookup main']);
    assert.equal(h.ipam.closed, 1);
  });

  it('wires a secondary-ENI pod on table 3 (rules 512 and 1536)', async () => {
    const h = harness();
    h.ipam.next = { ipv4Addr: '10.0.97.30', ipv6Addr: '', deviceNumber: 2, routeTableId: 3 };
    const out = await run(h, cniEnv(), netconf({ mtu: 1500 }));
    const body = json(out);
    assert.deepEqual(body['interfaces'], [
      { name: HOST_VETH, mac: '02:00:00:aa:bb:cc' },
      { name: 'eth0', mac: '3', sandbox: NETNS },
      { name: DUMMY, mac: '0', sandbox: '2' },
    ]);
    assert.deepEqual([...h.pods.rules], ['512: to 10.0.97.30 lookup main', '1536: from 10.0.97.30 lookup 3']);
    assert.equal(h.pods.calls[0]?.method === 'setupPod' && h.pods.calls[0].spec.mtu, 1500);
  });

  it('computes the table from the device when ipamd sends none (before v1.20)', async () => {
    const h = harness();
    h.ipam.next = { ipv4Addr: '10.0.97.30', ipv6Addr: '', deviceNumber: 2, routeTableId: 0 };
    assert.equal((json(await run(h, cniEnv(), netconf()))['interfaces'] as { mac?: string }[])[1]?.mac, '3');
  });

  const formats: readonly { version: string; ips: unknown }[] = [
    { version: '1.1.0', ips: [{ interface: 1, address: '10.0.1.23/32' }] },
    { version: '1.0.0', ips: [{ interface: 1, address: '10.0.1.23/32' }] },
    { version: '0.4.0', ips: [{ version: '4', interface: 1, address: '10.0.1.23/32' }] },
    { version: '0.3.1', ips: [{ version: '4', interface: 1, address: '10.0.1.23/32' }] },
    { version: '0.3.0', ips: [{ version: '4', interface: 1, address: '10.0.1.23/32' }] },
  ];
  for (const f of formats) {
    it(`answers in the config's version ${f.version}`, async () => {
      const body = json(await run(harness(), cniEnv(), netconf({ cniVersion: f.version })));
      assert.equal(body['cniVersion'], f.version);
      assert.deepEqual(body['ips'], f.ips);
      assert.equal((body['interfaces'] as unknown[]).length, 3);
    });
  }

  it('answers 0.2.0 configs with ip4', async () => {
    assert.deepEqual(json(await run(harness(), cniEnv(), netconf({ cniVersion: '0.2.0' }))), {
      cniVersion: '0.2.0',
      ip4: { ip: '10.0.1.23/32' },
      dns: {},
    });
  });

  it('takes CNI_ARGS in any order', async () => {
    const orders = [
      'K8S_POD_NAME=web-0;K8S_POD_NAMESPACE=default;IgnoreUnknown=1;K8S_POD_INFRA_CONTAINER_ID=c0ffee1234',
      'IgnoreUnknown=1;K8S_POD_INFRA_CONTAINER_ID=c0ffee1234;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0',
      'K8S_POD_INFRA_CONTAINER_ID=c0ffee1234;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0;IgnoreUnknown=1;K8S_POD_UID=u-1',
    ];
    for (const args of orders) {
      const h = harness();
      const out = await run(h, cniEnv({ CNI_ARGS: args }), netconf());
      assert.equal(out.exitCode, 0, out.stdout);
      const call = h.ipam.calls[0];
      assert.ok(call?.method === 'addNetwork');
      assert.deepEqual(
        [call.request.k8sPodNamespace, call.request.k8sPodName, call.request.k8sPodInfraContainerId],
        ['default', 'web-0', 'c0ffee1234'],
      );
    }
  });

  it('a failed wiring is undone: teardown, then DelNetwork SetupNSFailed; the wiring error is reported', async () => {
    const h = harness();
    h.pods.setupError = new NetlinkError(
      'NETLINK_COMMAND_FAILED',
      'ip link add failed: RTNETLINK answers: File exists',
    );
    const out = await run(h, cniEnv(), netconf());
    assertError(out, 999, /wiring pod default\/web-0 failed: ip link add failed/);
    assert.match(String(json(out)['details']), /^CNI_WIRING_FAILED; cause=NETLINK_COMMAND_FAILED/);
    assert.deepEqual(h.pods.methods(), ['setupPod', 'teardownPod']);
    const undo = h.pods.calls[1];
    assert.ok(undo?.method === 'teardownPod');
    assert.equal(undo.spec.removeVeth, true, 'the undo of a failed ADD removes the veth too (DEL leaves it)');
    assert.deepEqual(h.ipam.methods(), ['addNetwork', 'delNetwork']);
    const del = h.ipam.calls[1];
    assert.ok(del?.method === 'delNetwork');
    assert.equal(del.request.reason, 'SetupNSFailed');
    assert.equal(del.request.k8sPodUid, '1b2c3d4e-0000-4000-8000-000000000001');
    assert.equal(h.ipam.assigned.size, 0, 'the address went back to ipamd');
    assert.equal(h.pods.wired.size, 0, 'the half-done wiring was removed');
  });

  it('a failing undo is logged and the next undo still runs; the original error is reported', async () => {
    const h = harness();
    h.pods.setupError = new Error('veth creation failed');
    h.pods.teardownError = new Error('teardown failed too');
    const out = await run(h, cniEnv(), netconf());
    assertError(out, 999, /veth creation failed/);
    assert.deepEqual(h.ipam.methods(), ['addNetwork', 'delNetwork']);
    assert.ok(h.records.some((r) => r.level === 'error' && /undo failed: tear down .*teardown failed too/.test(r.msg)));
  });

  it('a netns that vanishes during wiring is code 3', async () => {
    const h = harness();
    h.pods.setupError = new NetlinkError('NETNS_NOT_FOUND', 'netns /var/run/netns/cni-1234 is gone');
    assertError(await run(h, cniEnv(), netconf()), 3, /is gone/);
    assert.deepEqual(h.ipam.methods(), ['addNetwork', 'delNetwork']);
  });

  it('a branch-ENI reply is refused and its address released without wiring', async () => {
    const h = harness();
    h.ipam.addReply = { podVlanId: 5 };
    assertError(await run(h, cniEnv(), netconf()), 999, /branch ENI \(VLAN 5\)/);
    assert.deepEqual(h.pods.methods(), []);
    assert.deepEqual(h.ipam.methods(), ['addNetwork', 'delNetwork']);
  });

  const ipamFailures: readonly {
    name: string;
    reply?: Record<string, unknown>;
    error?: Error;
    code: number;
    message: RegExp;
    details: RegExp;
  }[] = [
    {
      name: 'no free address',
      reply: {
        success: false,
        errorCode: 'NO_AVAILABLE_ADDRESS',
        errorCniCode: 11,
        errorMessage: 'no free address: 29 of 29 assigned, the node is at max pods',
      },
      code: 11,
      message:
        /could not assign an address to pod default\/web-0 \(NO_AVAILABLE_ADDRESS\): no free address: 29 of 29 assigned/,
      details: /^CNI_IPAM_FAILED; ipamdErrorCode=NO_AVAILABLE_ADDRESS; ipamdErrorMessage=no free address/,
    },
    {
      name: 'ipamd not ready',
      reply: { success: false, errorCode: 'IPAMD_NOT_READY', errorCniCode: 11, errorMessage: 'initialising' },
      code: 11,
      message: /initialising/,
      details: /CNI_IPAM_FAILED/,
    },
    {
      name: 'a reason the plugin has no list of: ipamd says it is retryable (CNI code 11 in its catalogue)',
      reply: { success: false, errorCode: 'CLOUD_THROTTLED', errorCniCode: 11, errorMessage: 'EC2 throttled' },
      code: 11,
      message: /CLOUD_THROTTLED/,
      details: /CNI_IPAM_FAILED/,
    },
    {
      name: 'a reason ipamd says is not retryable',
      reply: { success: false, errorCode: 'CLOUD_UNAUTHORIZED', errorCniCode: 999, errorMessage: 'no IAM permission' },
      code: 999,
      message: /CLOUD_UNAUTHORIZED/,
      details: /CNI_IPAM_REFUSED/,
    },
    {
      name: 'a reference ipamd giving no reason',
      reply: { success: false },
      code: 11,
      message: /no reason given/,
      details: /CNI_IPAM_FAILED/,
    },
    {
      name: 'an invalid request',
      reply: {
        success: false,
        errorCode: 'RPC_INVALID_REQUEST',
        errorCniCode: 4,
        errorMessage: 'the request has an empty ContainerID',
      },
      code: 999,
      message: /RPC_INVALID_REQUEST/,
      details: /CNI_IPAM_REFUSED/,
    },
    {
      name: 'ipamd not listening',
      error: rpcUnavailable(),
      code: 11,
      message: /ipamd is not running or not ready: cannot connect to \/var\/run\/aws-node\/ipamd.sock/,
      details: /^CNI_IPAMD_UNREACHABLE; rpcCode=RPC_UNAVAILABLE/,
    },
    {
      name: 'a version mismatch',
      error: new RpcError('RPC_VERSION_MISMATCH', 'plugin and ipamd versions differ'),
      code: 999,
      message: /versions differ/,
      details: /^RPC_VERSION_MISMATCH/,
    },
    {
      name: 'a bug in the client',
      error: new TypeError('undefined is not a function'),
      code: 999,
      message: /calling ipamd failed/,
      details: /CNI_INTERNAL/,
    },
  ];
  for (const f of ipamFailures) {
    it(`${f.name} → code ${f.code}, nothing wired, nothing to undo`, async () => {
      const h = harness();
      if (f.reply !== undefined) h.ipam.addReply = f.reply;
      if (f.error !== undefined) h.ipam.addError = f.error;
      const out = await run(h, cniEnv(), netconf());
      assertError(out, f.code, f.message);
      assert.match(String(json(out)['details']), f.details);
      assert.deepEqual(h.ipam.methods(), ['addNetwork']);
      assert.deepEqual(h.pods.calls, []);
    });
  }

  it('logs go through the injected log with the config settings, never to stdout', async () => {
    const h = harness();
    const out = await run(
      h,
      cniEnv(),
      netconf({ pluginLogFile: '/tmp/p.log', pluginLogLevel: 'Info', pluginLogMaxSizeMB: 2, pluginLogMaxBackups: '9' }),
    );
    assert.doesNotThrow(() => JSON.parse(out.stdout));
    assert.deepEqual(h.logSettings, [
      {
        file: '/tmp/p.log',
        level: 'info',
        rotation: { maxBytes: 2 * 1024 * 1024, maxBackups: 9, maxAgeMs: 30 * 24 * 3600 * 1000 },
      },
    ]);
    assert.ok(
      h.records.some(
        (r) => r.msg === 'ADD done' && r.fields['containerId'] === 'c0ffee1234' && r.fields['pod'] === 'default/web-0',
      ),
    );
  });
});
