// CHECK, VERSION, STATUS and GC through runPlugin.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { cniEnv, harness, netconf, rpcUnavailable, type Harness } from './cni.test-util.js';
import { runPlugin, type PluginOutput } from './plugin.js';

function run(h: Harness, env: Record<string, string | undefined>, stdin: string): Promise<PluginOutput> {
  return runPlugin({ env, stdin, deps: h.deps });
}

function body(out: PluginOutput): { code?: number; msg?: string; details?: string } {
  return JSON.parse(out.stdout) as { code?: number; msg?: string; details?: string };
}

async function added(h: Harness): Promise<unknown> {
  const out = await run(h, cniEnv(), netconf({ cniVersion: '0.4.0' }));
  assert.equal(out.exitCode, 0, out.stdout);
  return JSON.parse(out.stdout) as unknown;
}

const CHECK = { CNI_COMMAND: 'CHECK' };

describe('CHECK', () => {
  it('passes when the pod is as ADD left it', async () => {
    const h = harness();
    const prevResult = await added(h);
    assert.deepEqual(await run(h, cniEnv(CHECK), netconf({ cniVersion: '0.4.0', prevResult })), {
      stdout: '',
      stderr: '',
      exitCode: 0,
    });
    assert.equal(h.pods.calls.at(-1)?.method, 'checkPod');
  });

  it('lists every difference', async () => {
    const h = harness();
    const prevResult = await added(h);
    h.pods.rules.clear();
    const out = await run(h, cniEnv(CHECK), netconf({ cniVersion: '0.4.0', mtu: 1500, prevResult }));
    assert.equal(out.exitCode, 1);
    assert.equal(body(out).code, 999);
    assert.match(
      body(out).msg ?? '',
      /differs from its ADD result: rule "512: to 10.0.1.23 lookup main" is missing; mtu is 9001, expected 1500/,
    );
    assert.match(body(out).details ?? '', /^CNI_CHECK_FAILED; differences=/);
  });

  it('compares prevResult with the call: another netns is a difference', async () => {
    const h = harness();
    const prevResult = await added(h);
    h.netnses.add('/var/run/netns/other');
    const out = await run(
      h,
      cniEnv({ ...CHECK, CNI_NETNS: '/var/run/netns/other' }),
      netconf({ cniVersion: '0.4.0', prevResult }),
    );
    assert.match(
      body(out).msg ?? '',
      /prevResult puts eth0 in \/var\/run\/netns\/cni-1234, CNI_NETNS is \/var\/run\/netns\/other/,
    );
  });

  it('needs a prevResult (7) and the netns (3)', async () => {
    const h = harness();
    assert.equal(body(await run(h, cniEnv(CHECK), netconf({ cniVersion: '0.4.0' }))).code, 7);
    const prevResult = await added(h);
    h.netnses.clear();
    assert.equal(body(await run(h, cniEnv(CHECK), netconf({ cniVersion: '0.4.0', prevResult }))).code, 3);
  });

  it('a prevResult of another plugin (no dummy interface) is invalid config (7)', async () => {
    const prevResult = {
      cniVersion: '1.0.0',
      interfaces: [{ name: 'eth0', sandbox: '/x' }],
      ips: [{ interface: 0, address: '10.0.1.23/32' }],
    };
    assert.equal(body(await run(harness(), cniEnv(CHECK), netconf({ prevResult }))).code, 7);
  });
});

describe('VERSION', () => {
  it('answers without reading stdin or creating a client', async () => {
    const h = harness();
    const out = await run(h, { CNI_COMMAND: 'VERSION' }, 'not json');
    assert.equal(out.exitCode, 0);
    assert.deepEqual(JSON.parse(out.stdout), {
      cniVersion: '1.1.0',
      supportedVersions: ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'],
    });
    assert.equal(h.ipamCreated(), 0);
    assert.deepEqual(h.logSettings, []);
  });

  it('without CNI_COMMAND prints the about text on stderr and exits 0, as libcni', async () => {
    const out = await run(harness(), {}, '');
    assert.equal(out.exitCode, 0);
    assert.equal(out.stdout, '');
    assert.match(out.stderr, /^AWS CNI v-test\nCNI protocol versions supported: 0\.1\.0, .*1\.1\.0\n$/);
  });
});

describe('STATUS', () => {
  const STATUS = { CNI_COMMAND: 'STATUS' };
  const conf = netconf({ cniVersion: '1.1.0' });

  it('is available while ipamd is SERVING', async () => {
    const h = harness();
    assert.deepEqual(await run(h, STATUS, conf), { stdout: '', stderr: '', exitCode: 0 });
    assert.equal(h.ipam.closed, 1);
  });

  const down: readonly [string, (h: Harness) => void, RegExp][] = [
    [
      'NOT_SERVING',
      (h) => void (h.ipam.healthState = 'NOT_SERVING'),
      /plugin not available: ipamd reports NOT_SERVING/,
    ],
    [
      'unreachable',
      (h) => void (h.ipam.healthError = rpcUnavailable()),
      /plugin not available: ipamd is not running or not ready/,
    ],
  ];
  for (const [name, arrange, message] of down) {
    it(`ipamd ${name} → 50`, async () => {
      const h = harness();
      arrange(h);
      const out = await run(h, STATUS, conf);
      assert.equal(out.exitCode, 1);
      assert.equal(body(out).code, 50);
      assert.match(body(out).msg ?? '', message);
    });
  }

  it('a client without a health check reports available', async () => {
    const h = harness();
    const client = {
      addNetwork: h.ipam.addNetwork.bind(h.ipam),
      delNetwork: h.ipam.delNetwork.bind(h.ipam),
      close: () => undefined,
    };
    const out = await runPlugin({ env: STATUS, stdin: conf, deps: { ...h.deps, ipam: () => client } });
    assert.equal(out.exitCode, 0);
  });
});

describe('GC', () => {
  it('is a no-op success at 1.1.0, as the reference (no GC function registered)', async () => {
    const h = harness();
    const out = await run(h, { CNI_COMMAND: 'GC' }, netconf({ cniVersion: '1.1.0' }));
    assert.deepEqual(out, { stdout: '', stderr: '', exitCode: 0 });
    assert.equal(h.ipamCreated(), 0);
  });
});
