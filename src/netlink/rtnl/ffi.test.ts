// The transport (ffi.ts: libc through bun:ffi, sockets in other namespaces by setns) against the real kernel, under
// Bun through test/support/rtnl/harness.ts, run inside a node namespace of this test: each socket sees its own
// namespace, the thread is back in its own afterwards, the kernel's refusals come back with iproute2's codes, and a
// path that is missing or not a network namespace is NETNS_NOT_FOUND.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { isNetlinkError } from '../errors.js';
import { NetlinkExecutor } from '../exec.js';
import { createNamespace, createNamespaces, newRunPrefix } from '../netns.js';
import { guardIsolation } from '../netns.test-util.js';
import { loadLibcNetns } from './ffi.js';
import { harness, rtnlSkipReason } from './kernel.test-util.js';

const skip = await rtnlSkipReason();

interface Probe {
  ownLinks: string[];
  podLinks: string[];
  sameNamespaceAfter: boolean;
  added: { ok: boolean };
  again: { ok: boolean; error?: { code: string; message: string } };
  bad: { ok: boolean; error?: { code: string; message: string } }[];
}

describe('rtnl transport off Bun', () => {
  it('is NETLINK_FFI_UNAVAILABLE under Node, where bun:ffi does not exist', async () => {
    await assert.rejects(
      loadLibcNetns(),
      (e) => isNetlinkError(e, 'NETLINK_FFI_UNAVAILABLE') && /bun:ffi/.test(e.message),
    );
  });
});

describe('rtnl transport (real namespaces, under Bun)', { skip, timeout: 60_000 }, () => {
  const exec = new NetlinkExecutor({ confined: true });
  const prefix = newRunPrefix('vcni');
  guardIsolation(exec, prefix);

  it('opens route sockets here and in another namespace, returns home, and maps refusals and bad paths', async () => {
    const node = `${prefix}-n1`;
    const pod = `${prefix}-p1`;
    await createNamespace(exec, node, { 'net.ipv4.conf.all.rp_filter': 2 });
    await createNamespaces(exec, [pod]);
    await exec.batch([{ args: ['link', 'add', 'probe0', 'type', 'veth', 'peer', 'name', 'probe1'] }], { netns: pod });
    const answer = await harness<Probe>(exec, node, 'probe', {
      podNetns: `/var/run/netns/${pod}`,
      bad: [`/var/run/netns/${prefix}-gone`, '/etc/hostname', '/proc/self/ns/mnt'],
    });
    assert.equal(answer.ok, true, JSON.stringify(answer.error));
    const probe = answer.value as Probe;
    assert.deepEqual(probe.ownLinks, ['lo']);
    assert.deepEqual([...probe.podLinks].sort(), ['lo', 'probe0', 'probe1']);
    assert.equal(probe.sameNamespaceAfter, true);
    assert.deepEqual(probe.added, { ok: true, value: null });
    assert.equal(probe.again.error?.code, 'NETLINK_EXISTS');
    assert.equal(probe.again.error?.message, 'rule add: File exists');
    assert.deepEqual(
      probe.bad.map((b) => b.error?.code),
      ['NETNS_NOT_FOUND', 'NETNS_NOT_FOUND', 'NETNS_NOT_FOUND'],
    );
    const rules = await exec.ipJson<{ priority: number; table: string }[]>(
      { args: ['rule', 'show', 'prio', '1536'] },
      { netns: node },
    );
    assert.deepEqual(
      rules.map((r) => `${r.priority} ${r.table}`),
      ['1536 3'],
      'the rule went to the node namespace, once',
    );
  });
});
