// The reachability probe inside a real namespace, both ways it works: ICMP (when iputils' ping is installed) and
// the TCP fallback. A namespace with only `lo` up reaches itself and nothing else.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { netnsPath } from './commands.js';
import { NetlinkExecutor } from './exec.js';
import { createNamespace, deleteNamespacesWithPrefix, newRunPrefix } from './netns.js';
import { netnsSkipReason } from './netns.test-util.js';
import { findPing, probeFrom } from './probe.js';

describe('probeFrom (real namespace)', { skip: await netnsSkipReason(), timeout: 30_000 }, () => {
  const exec = new NetlinkExecutor({ confined: true });
  const prefix = newRunPrefix();
  const ns = `${prefix}-probe`;

  before(async () => {
    await createNamespace(exec, ns, { 'net.ipv4.ip_forward': 0 });
  });
  after(async () => {
    await deleteNamespacesWithPrefix(exec, prefix);
  });

  it('TCP: the namespace reaches its own loopback; an address without a route fails with the kernel error', async () => {
    const [self, nowhere] = await probeFrom(exec, netnsPath(ns), ['127.0.0.1', '10.255.255.1'], 'tcp');
    assert.deepEqual({ ok: self?.ok, method: self?.method }, { ok: true, method: 'tcp' });
    assert.ok((self?.rttMs ?? -1) >= 0);
    assert.deepEqual({ ok: nowhere?.ok, detail: nowhere?.detail }, { ok: false, detail: 'ENETUNREACH' });
  });

  it('ICMP when ping is installed (the TCP probe otherwise)', async () => {
    const [self, nowhere] = await probeFrom(exec, netnsPath(ns), ['127.0.0.1', '10.255.255.1']);
    const method = (await findPing()) === undefined ? 'tcp' : 'icmp';
    assert.equal(self?.method, method);
    assert.equal(self?.ok, true, self?.detail);
    assert.equal(nowhere?.ok, false);
    if (method === 'icmp') assert.match(nowhere?.detail ?? '', /unreachable/i);
  });

  it('refuses a target that is not an IPv4 address, before running anything', async () => {
    await assert.rejects(probeFrom(exec, netnsPath(ns), ['10.0.0.1; reboot']), /not an IPv4 address/);
  });
});
