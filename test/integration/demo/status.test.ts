// `vpc-cni status`, `vpc-cni get pods` and `vpc-cni demo scale` against a running demo (real ipamd on real node
// namespaces), checked against the raw introspection documents; the errors for an unreachable endpoint, a wrong
// port, an ipamd that is not ready and an unknown node; then Ctrl-C removes everything.
import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { main } from '../../../src/cli/main.js';
import { readDemoState, type DemoState } from '../../../src/demo/run-dir.js';
import { netnsSkipReason } from '../../../src/netlink/netns.test-util.js';
import { assertNothingLeft, startDemo, type DemoProcess } from './demo-process.test-util.js';

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr };
}

async function raw(url: string): Promise<Record<string, unknown>> {
  return (await (await fetch(url)).json()) as Record<string, unknown>;
}

describe('vpc-cni status / get / demo scale against a running demo', { skip: await netnsSkipReason() }, () => {
  let demo: DemoProcess;
  let state: DemoState;
  let node1: string;

  before(async () => {
    demo = startDemo(['--pods', '1']);
    await demo.waitFor('The demo is running');
    const read = await readDemoState(demo.runDir);
    assert.ok(read !== undefined, 'demo.json');
    state = read;
    node1 = state.nodes[0]?.introspection ?? '';
  });

  after(async () => {
    if (demo.child.exitCode === null) demo.child.kill('SIGKILL');
    await demo.exited;
  });

  it('status enis shows the ENIs and addresses of /v1/enis', async () => {
    const doc = await raw(`${node1}/v1/enis`);
    const card = doc['0'] as { ENIs: Record<string, { DeviceNumber: number; SubnetID: string }> };
    const { code, stdout } = await cli('status', 'enis', '--node', 'ip-10-11-16-31', '--run-dir', demo.runDir);
    assert.equal(code, 0);
    assert.match(
      stdout,
      /^ip-10-11-16-31\.ap-northeast-2\.compute\.internal: \d+ ENIs?, \d+ addresses: 1 assigned, 0 cooling down, \d+ free/,
    );
    for (const [id, eni] of Object.entries(card.ENIs))
      assert.match(stdout, new RegExp(`^${eni.DeviceNumber}\\s+${id}\\s+(yes|no)\\s+${eni.SubnetID}\\s`, 'm'));
    const wide = await cli('status', 'enis', '--endpoint', node1, '-o', 'wide');
    assert.match(wide.stdout, /^10\.11\.\d+\.\d+\s+assigned\s+(2048-game|default)\/\S+\s+\d+s$/m);
    const json = await cli('status', 'enis', '--endpoint', node1, '-o', 'json');
    assert.deepEqual(
      Object.keys((JSON.parse(json.stdout) as Record<string, { ENIs: object }>)['0']?.ENIs ?? {}),
      Object.keys(card.ENIs),
    );
  });

  it('status pods, env and pool show what /v1/pods, the settings and /v1/pool say', async () => {
    const pods = await raw(`${node1}/v1/pods`);
    const [key, value] = Object.entries(pods)[0] ?? [];
    const [name, namespace] = (key ?? '').split('_');
    const { stdout } = await cli('status', 'pods', '--endpoint', node1);
    assert.match(
      stdout,
      new RegExp(`^${name}\\s+${namespace}\\s+${(value as { IP: string }).IP.replace(/\./g, '\\.')}\\s+0$`, 'm'),
    );
    const env = await cli('status', 'env', '--node', '1', '--run-dir', demo.runDir);
    assert.match(env.stdout, /^AWS_VPC_ENI_MTU\s+9001$/m);
    assert.match(env.stdout, /^WARM_ENI_TARGET\s+1$/m);
    const pool = await cli('status', 'pool', '--endpoint', node1);
    assert.equal(pool.code, 0, pool.stderr);
    assert.match(pool.stdout, /^Network card 0 \(planned \d+s ago\): (steady|grow|shrink)/m);
    assert.match(pool.stdout, /limits: {7}3 ENIs × 9 secondary IPs, max pods 29/);
  });

  it("get pods lists every node's pods as kubectl does; demo scale adds pods and attaches ENIs", async () => {
    const wide = await cli('get', 'pods', '-o', 'wide', '--run-dir', demo.runDir);
    assert.equal(wide.code, 0, wide.stderr);
    assert.equal(wide.stdout.trim().split('\n').length, 1 + 3);
    const scaled = await cli('demo', 'scale', '10', '--run-dir', demo.runDir);
    assert.equal(scaled.code, 0, scaled.stderr);
    assert.match(scaled.stderr, /✓ scaling to 10 pods per node: 27 to create, 0 to remove: 30 pods running/);
    assert.match(
      scaled.stdout,
      /ip-10-11-16-31\.ap-northeast-2\.compute\.internal: [23] ENIs, \d+ addresses: 10 assigned/,
    );
    const list = await cli('get', 'pods', '--run-dir', demo.runDir);
    assert.equal(list.stdout.trim().split('\n').length, 1 + 30);
    assert.match(list.stdout, /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
    const tooMany = await cli('demo', 'scale', '28', '--run-dir', demo.runDir);
    assert.equal(tooMany.code, 1);
    assert.match(tooMany.stderr, /ask for at most 27 \[DEMO_TOO_MANY_PODS\]/);
  });

  it('says what is wrong: nothing listening, a wrong port, ipamd not ready, an unknown node, no demo', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const free = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await cli('status', 'enis', '--endpoint', `http://127.0.0.1:${free}`);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /cannot reach ipamd's introspection API at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\): is ipamd running\? start the demo with 'vpc-cni demo' \[STATUS_UNREACHABLE\]/,
    );
    const metrics = await cli('status', 'enis', '--endpoint', state.nodes[0]?.metrics ?? '');
    assert.match(metrics.stderr, /not ipamd's introspection JSON: that is ipamd's metrics port.*\[STATUS_NOT_IPAMD\]/);
    const notReady: Server = createServer((_, res) => {
      res
        .writeHead(503, { 'Content-Type': 'application/json' })
        .end('{"error":"no pool report yet: ipamd has not finished its first pool check; retry in a few seconds"}');
    });
    await new Promise<void>((resolve) => notReady.listen(0, '127.0.0.1', resolve));
    const port = (notReady.address() as { port: number }).port;
    const pool = await cli('status', 'pool', '--endpoint', `http://127.0.0.1:${port}`);
    notReady.close();
    assert.match(
      pool.stderr,
      /ipamd at http:\/\/127\.0\.0\.1:\d+ is not ready yet: no pool report yet.*\[STATUS_NOT_READY\]/,
    );
    const unknown = await cli('status', 'enis', '--node', 'ip-1-2-3-4', '--run-dir', demo.runDir);
    assert.match(
      unknown.stderr,
      /the demo has no node 'ip-1-2-3-4'; its nodes: ip-10-11-16-31\.ap-northeast-2\.compute\.internal, .*\[STATUS_UNKNOWN_NODE\]/,
    );
    const none = await cli('get', 'pods', '--run-dir', '/nonexistent/vpc-cni-demo');
    assert.match(
      none.stderr,
      /no demo is running .*: start one with 'vpc-cni demo', or pass --endpoint URL \[DEMO_NOT_RUNNING\]/,
    );
    const usage = await cli('status', 'enis', '--endpoint', 'localhost:61679');
    assert.equal(usage.code, 2);
  });

  it('Ctrl-C removes every pod, ipamd, namespace and file (exit 0)', async () => {
    demo.child.kill('SIGINT');
    const { code, stderr } = await demo.exited;
    assert.equal(code, 0, stderr);
    assert.match(stderr, /✓ removing 30 pods \(aws-cni DEL\): 30 pods removed/);
    assertNothingLeft(demo);
  });
});
