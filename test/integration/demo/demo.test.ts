// `vpc-cni demo` end to end, as a user runs it: `--exit` prints the kubectl-style pod table with VPC addresses on all
// three nodes and a successful pod → pod ping across nodes, exits 0 and leaves nothing behind; a Ctrl-C during
// start-up also leaves nothing behind; the machine's own namespace is never touched.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { netnsSkipReason, rootFingerprint } from '../../../src/netlink/netns.test-util.js';
import { assertNothingLeft, podTableRows, startDemo } from './demo-process.test-util.js';

const NODES = [
  'ip-10-11-16-31.ap-northeast-2.compute.internal',
  'ip-10-11-55-30.ap-northeast-2.compute.internal',
  'ip-10-11-90-240.ap-northeast-2.compute.internal',
];

describe('vpc-cni demo', { skip: await netnsSkipReason() }, () => {
  it('--exit --pods 2: six pods with VPC addresses on three nodes, ping across nodes, exit 0, nothing left', async () => {
    const before = await rootFingerprint();
    const demo = startDemo(['--exit', '--pods', '2']);
    const { code, stdout, stderr } = await demo.exited;
    assert.equal(code, 0, `exit code\n${stdout}\n${stderr}`);

    const rows = podTableRows(stdout);
    assert.equal(rows.length, 6, stdout);
    for (const [namespace, name, ready, status, restarts, , ip, node, nominated, gates] of rows) {
      assert.ok(namespace === '2048-game' || namespace === 'default', `namespace ${namespace}`);
      assert.match(name ?? '', /^(2048-deployment-[456789bcdf]{8,10}-[bcdfghjklmnpqrstvwxz2456789]{5}|web-\d+)$/);
      assert.deepEqual([ready, status, restarts, nominated, gates], ['1/1', 'Running', '0', '<none>', '<none>']);
      assert.match(ip ?? '', /^10\.11\.\d{1,3}\.\d{1,3}$/, 'a VPC address');
      assert.ok(NODES.includes(node ?? ''), `node ${node}`);
    }
    assert.deepEqual([...new Set(rows.map((r) => r[7]))].sort(), NODES, 'pods on all three nodes');
    assert.equal(new Set(rows.map((r) => r[6])).size, 6, 'six distinct addresses');

    const probes = stdout.split('\n').filter((line) => /^\s+[✓✗] ping/.test(line));
    assert.equal(probes.length, 3, stdout);
    for (const line of probes) {
      assert.match(line, /^\s+✓ ping( \(TCP\))? \S+ 10\.11\.\S+ \(ip-[\d-]+\) → \S+ 10\.11\.\S+ \(ip-[\d-]+\): reply/);
      const [, from, to] = /\((ip-[\d-]+)\) → .*\((ip-[\d-]+)\)/.exec(line) ?? [];
      assert.notEqual(from, to, 'across nodes');
    }
    assert.match(stdout, /curl -s http:\/\/127\.0\.0\.1:\d+\/v1\/enis/);
    assert.match(stderr, /✓ cleaning up \(ipamd, node and fabric namespaces, run directory\): nothing left behind/);
    assertNothingLeft(demo);
    assert.equal(await rootFingerprint(), before, "the machine's own namespace was not touched");
  });

  it('Ctrl-C during start-up stops it and removes everything it made (exit 130)', async () => {
    const demo = startDemo(['--pods', '3']);
    await demo.waitFor('starting ipamd on each node');
    demo.child.kill('SIGINT');
    const { code, stderr } = await demo.exited;
    assert.equal(code, 130, stderr);
    assert.match(stderr, /stopped before it was ready; everything it made was removed/);
    assertNothingLeft(demo);
  });

  it('refuses what it cannot do before starting anything', async () => {
    const demo = startDemo(['--pods', '28']);
    const { code, stderr } = await demo.exited;
    assert.equal(code, 1);
    assert.match(
      stderr,
      /28 pods per node do not fit: a node of type m5\.large has addresses for 27 pods \(3 ENIs × 9 secondary IPs\); ask for at most 27 \[DEMO_TOO_MANY_PODS\]/,
    );
    assertNothingLeft(demo);
  });
});
