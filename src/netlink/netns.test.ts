import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isNetlinkError } from './errors.js';
import { NetlinkExecutor } from './exec.js';
import {
  createNamespace,
  createNamespaces,
  deleteNamespacesWithPrefix,
  listNamespaces,
  newRunPrefix,
  ownerPid,
  processAlive,
  removeLeftoverNamespaces,
} from './netns.js';
import { netnsSkipReason } from './netns.test-util.js';

describe('namespace naming', () => {
  it('prefixes carry the pid and a per-process counter', () => {
    const a = newRunPrefix();
    const b = newRunPrefix('vcnit');
    assert.match(a, new RegExp(`^vcni-${process.pid}-\\d+$`));
    assert.match(b, new RegExp(`^vcnit-${process.pid}-\\d+$`));
    assert.notEqual(a.split('-')[2], b.split('-')[2]);
  });

  it('reads the owner pid only from names of the scheme and tag', () => {
    assert.equal(ownerPid('vcni-4242-1-vpc'), 4242);
    assert.equal(ownerPid('vcni-4242-1'), 4242);
    assert.equal(ownerPid('vcnit-4242-1', 'vcnit'), 4242);
    assert.equal(ownerPid('vcnit-4242-1'), undefined);
    assert.equal(ownerPid('vcni-x-1'), undefined);
    assert.equal(ownerPid('cni-1234-5678'), undefined);
  });

  it('knows that this process is alive', () => {
    assert.equal(processAlive(process.pid), true);
  });
});

const skip = await netnsSkipReason();

describe('namespace lifecycle (real namespaces)', { skip, timeout: 30_000 }, () => {
  const exec = new NetlinkExecutor({ confined: true });

  it('removes leftovers of dead runs only, in one batch', async () => {
    // A tag of its own, so that parallel test files and real runs are never touched.
    const dead = `vcnit-999999-${process.pid}`;
    const live = `vcnit-${process.pid}-1-a`;
    await createNamespaces(exec, [dead, live]);
    try {
      const removed = await removeLeftoverNamespaces(exec, { tag: 'vcnit', isAlive: (pid) => pid !== 999999 });
      assert.deepEqual(removed, [dead]);
      const names = await listNamespaces(exec);
      assert.ok(names.includes(live) && !names.includes(dead));
    } finally {
      await deleteNamespacesWithPrefix(exec, dead);
      await deleteNamespacesWithPrefix(exec, `vcnit-${process.pid}-1`);
    }
    const names = await listNamespaces(exec);
    assert.ok(!names.some((n) => n.startsWith('vcnit-')), names.join(' '));
  });

  it('creates a configured namespace, refuses to create it twice, and deletes by prefix without touching longer prefixes', async () => {
    const prefix = newRunPrefix();
    const sibling = `${prefix}0`;
    await createNamespace(exec, `${prefix}-a`, { 'net.ipv4.ip_forward': 1 });
    await createNamespaces(exec, [sibling]);
    try {
      await assert.rejects(createNamespace(exec, `${prefix}-a`, { 'net.ipv4.ip_forward': 1 }), (e: unknown) =>
        isNetlinkError(e, 'NETLINK_EXISTS'),
      );
      const lo = await exec.ipJson<{ operstate: string; flags: string[] }[]>(
        { args: ['link', 'show', 'lo'] },
        { netns: `${prefix}-a` },
      );
      assert.ok(lo[0]?.flags.includes('UP'));
      assert.deepEqual(await deleteNamespacesWithPrefix(exec, prefix), [`${prefix}-a`]);
      assert.ok((await listNamespaces(exec)).includes(sibling));
    } finally {
      await deleteNamespacesWithPrefix(exec, prefix);
      await deleteNamespacesWithPrefix(exec, sibling);
    }
  });

  it('rolls back a namespace whose set-up fails', async () => {
    const name = `${newRunPrefix()}-bad`;
    await assert.rejects(createNamespace(exec, name, { 'net.ipv4.no_such_key': 1 }), (e: unknown) =>
      isNetlinkError(e, 'NETLINK_NOT_FOUND'),
    );
    assert.ok(!(await listNamespaces(exec)).includes(name));
  });
});
