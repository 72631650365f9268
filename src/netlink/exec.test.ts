import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addrReplace, linkDelete, linkSetUp, netnsPath, routeAdd, routeDelete } from './commands.js';
import { isNetlinkError } from './errors.js';
import { classifyFailure, NetlinkExecutor, parseBatchErrors, serializeBatch } from './exec.js';
import { createNamespaces, deleteNamespaces, newRunPrefix } from './netns.js';
import { netnsSkipReason } from './netns.test-util.js';

describe('classifyFailure', () => {
  const cases: [string, string][] = [
    ['RTNETLINK answers: File exists', 'exists'],
    ['Error: ipv4: Address already assigned.', 'exists'],
    ['Cannot create namespace file "/run/netns/x": File exists', 'exists'],
    ['Cannot find device "eth9"', 'no-device'],
    ['RTNETLINK answers: No such process', 'not-found'],
    ['RTNETLINK answers: No such file or directory', 'not-found'],
    ['Error: ipv4: Address not found.', 'not-found'],
    ['Error: FIB table does not exist.', 'not-found'],
    ['Cannot remove namespace file "/run/netns/x": No such file or directory', 'not-found'],
    ['Cannot open network namespace "x": No such file or directory', 'no-netns'],
    ['nsenter: cannot open /var/run/netns/x: No such file or directory', 'no-netns'],
    ['RTNETLINK answers: Transport endpoint is not connected', 'other'],
  ];
  for (const [stderr, kind] of cases) it(`${stderr} → ${kind}`, () => assert.equal(classifyFailure(stderr), kind));
});

describe('ip -batch plumbing', () => {
  it('serialises one command per line and refuses words the batch parser would split, quote or cut', () => {
    assert.equal(
      serializeBatch([linkSetUp('lo'), addrReplace('10.0.0.1/32', 'lo')]),
      'link set dev lo up\naddr replace 10.0.0.1/32 dev lo\n',
    );
    for (const word of ['a b', '"x"', "it's", 'x#y', 'x\\', '']) {
      assert.throws(
        () => serializeBatch([{ args: ['link', 'set', word] }]),
        (e: unknown) => isNetlinkError(e, 'NETLINK_INVALID_ARGUMENT'),
      );
    }
    assert.throws(() => serializeBatch([{ args: [] }]));
  });

  it('reads failed lines from stderr', () => {
    const stderr = 'RTNETLINK answers: File exists\nCommand failed -:2\nCannot find device "x"\nCommand failed -:5\n';
    assert.deepEqual(
      [...parseBatchErrors(stderr)],
      [
        [2, 'RTNETLINK answers: File exists'],
        [5, 'Cannot find device "x"'],
      ],
    );
  });

  it('a confined executor refuses to run outside a namespace, before spawning', async () => {
    const exec = new NetlinkExecutor({ confined: true });
    await assert.rejects(exec.ip(linkSetUp('lo')), (e: unknown) => isNetlinkError(e, 'NETLINK_INVALID_ARGUMENT'));
    await assert.rejects(exec.batch([linkSetUp('lo')]), (e: unknown) => isNetlinkError(e, 'NETLINK_INVALID_ARGUMENT'));
    assert.equal(exec.spawnCount, 0);
  });

  it('kills a command that runs over its timeout, and reports a program that cannot start', async () => {
    const exec = new NetlinkExecutor();
    await assert.rejects(exec.run({ file: 'sleep', args: ['5'] }, { timeoutMs: 100 }), (e: unknown) =>
      isNetlinkError(e, 'NETLINK_TIMEOUT'),
    );
    await assert.rejects(exec.run({ file: '/nonexistent/ip', args: [] }), (e: unknown) =>
      isNetlinkError(e, 'NETLINK_SPAWN_FAILED'),
    );
  });
});

const skip = await netnsSkipReason();

describe('NetlinkExecutor in a throwaway namespace', { skip, timeout: 30_000 }, () => {
  const exec = new NetlinkExecutor({ confined: true });
  const ns = `${newRunPrefix()}-x`;

  before(async () => {
    await createNamespaces(exec, [ns]);
    await exec.batch([linkSetUp('lo')], { netns: ns });
  });
  after(async () => {
    await deleteNamespaces(exec, [ns]);
  });

  it('classifies a failing ip call and keeps the command, exit code and stderr', async () => {
    await assert.rejects(exec.ip(linkSetUp('eth9'), { netns: ns }), (error: unknown) => {
      assert.ok(isNetlinkError(error, 'LINK_NOT_FOUND'));
      assert.match(String(error.details['command']), /^ip -n vcni-\d+-\d+-x link set dev eth9 up$/);
      assert.equal(error.details['exitCode'], 1);
      assert.match(String(error.details['stderr']), /Cannot find device "eth9"/);
      return true;
    });
    const route = { dst: '10.9.0.0/24', dev: 'lo' };
    await exec.ip(routeAdd(route), { netns: ns });
    await assert.rejects(exec.ip(routeAdd(route), { netns: ns }), (e: unknown) => isNetlinkError(e, 'NETLINK_EXISTS'));
    await exec.ip(routeDelete(route), { netns: ns });
    assert.equal(await exec.ip(routeDelete(route), { netns: ns }), '', 'deleting twice is success');
    assert.equal(await exec.ip(linkDelete('eth9'), { netns: ns }), '');
  });

  it('runs a batch to the end, tolerating what its commands tolerate, and names the first real failure', async () => {
    const result = await exec.batch(
      [linkDelete('nope0'), addrReplace('10.9.1.1/32', 'lo'), routeDelete({ dst: '10.9.2.0/24' })],
      { netns: ns },
    );
    assert.deepEqual(
      result.tolerated.map((f) => [f.line, f.kind]),
      [
        [1, 'no-device'],
        [3, 'not-found'],
      ],
    );
    await assert.rejects(
      exec.batch([linkSetUp('nope1'), addrReplace('10.9.1.2/32', 'lo')], { netns: ns }),
      (error: unknown) => {
        assert.ok(isNetlinkError(error, 'LINK_NOT_FOUND'));
        assert.equal(error.details['line'], 1);
        return true;
      },
    );
    const addresses = await exec.ipJson<{ addr_info: { local: string }[] }[]>(
      { args: ['addr', 'show', 'dev', 'lo'] },
      { netns: ns },
    );
    const locals = addresses.flatMap((l) => l.addr_info.map((a) => a.local));
    assert.ok(locals.includes('10.9.1.1') && locals.includes('10.9.1.2'), 'lines after a failure still ran');
  });

  it('enters a namespace by path through nsenter, and writes sysctls there', async () => {
    const path = netnsPath(ns);
    await exec.sysctl(path, { 'net.ipv4.ip_forward': 1 });
    const out = await exec.run({
      file: 'nsenter',
      args: [`--net=${path}`, '--', 'sysctl', '-n', 'net.ipv4.ip_forward'],
    });
    assert.equal(out.stdout.trim(), '1');
    const links = await exec.ipJson<{ ifname: string }[]>({ args: ['link', 'show'] }, { netns: path });
    assert.deepEqual(
      links.map((l) => l.ifname),
      ['lo'],
    );
  });

  it('reports a missing namespace by name and by path', async () => {
    const missing = `${ns}-gone`;
    await assert.rejects(exec.ip(linkSetUp('lo'), { netns: missing }), (e: unknown) =>
      isNetlinkError(e, 'NETNS_NOT_FOUND'),
    );
    await assert.rejects(exec.batch([linkSetUp('lo')], { netns: netnsPath(missing) }), (e: unknown) =>
      isNetlinkError(e, 'NETNS_NOT_FOUND'),
    );
    await assert.rejects(exec.sysctl(missing, { 'net.ipv4.ip_forward': 1 }), (e: unknown) =>
      isNetlinkError(e, 'NETNS_NOT_FOUND'),
    );
  });
});
