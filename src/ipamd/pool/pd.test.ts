// The pool executor in prefix-delegation mode ([behaviour §3.5–3.7] PD branches, [behaviour §10.1]) and the mode-switch
// clean-up ([behaviour §2.3] step 12, [behaviour §1.6] DEL step 3) against the embedded VPC.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  addPods,
  assertInSync,
  buildWorld,
  datastoreCidrs,
  delRequest,
  withIpamd,
} from '../../../test/support/virtual/world.js';

describe('pool manager (prefix delegation)', () => {
  it('[behaviour §3.5; behaviour §3.7] WARM_PREFIX_TARGET=1: one free /28 is kept; a second is added when the first is used and released when emptied', async () => {
    const world = buildWorld({ env: { ENABLE_PREFIX_DELEGATION: 'true', WARM_PREFIX_TARGET: '1' }, maxPods: 110 });
    await withIpamd(world, async (ipamd) => {
      assert.deepEqual(datastoreCidrs(ipamd).length, 1);
      await addPods(ipamd, 'web', 1);
      const grow = await ipamd.runPoolTick();
      assert.equal(grow?.plan?.resize.kind, 'assign');
      const prefixes = datastoreCidrs(ipamd);
      assert.equal(prefixes.length, 2);
      assert.ok(prefixes.every((p) => p.endsWith('/28')));
      assertInSync(world, ipamd);
      await ipamd.backend.delNetwork(delRequest('web-0'));
      const shrink = await ipamd.runPoolTick();
      assert.equal(shrink?.plan?.resize.kind, 'release');
      assert.equal(shrink?.released, 1);
      assertInSync(world, ipamd);
    });
  });

  it('[behaviour §3.4] PD with WARM_IP_TARGET: the short IPs are converted to prefixes (20 → 2 /28s)', async () => {
    const world = buildWorld({ env: { ENABLE_PREFIX_DELEGATION: 'true', WARM_IP_TARGET: '20' }, maxPods: 110 });
    await withIpamd(world, (ipamd) => {
      assert.equal(ipamd.snapshots().get(0)?.stats.totalPrefixes, 2);
      assertInSync(world, ipamd);
    });
  });

  it('[behaviour §2.3] step 12: switching PD off on restart gives the unused prefixes back and keeps the one with a pod', async () => {
    const world = buildWorld({ env: { ENABLE_PREFIX_DELEGATION: 'true', WARM_PREFIX_TARGET: '2' }, maxPods: 110 });
    const [address] = await withIpamd(world, (pd) => addPods(pd, 'web', 1));
    world.host.links.add(`eni${(await import('../node/restore.js')).podVethSuffix('default', 'web-0')}`);

    const { config } = (await import('../../config/index.js')).loadConfig({});
    await withIpamd(world, { config }, async (sip) => {
      const cidrs = datastoreCidrs(sip);
      const prefixes = cidrs.filter((c) => c.endsWith('/28'));
      assert.equal(prefixes.length, 1, 'only the prefix holding web-0 stays');
      assert.ok(
        cidrs.some((c) => c.endsWith('/32')),
        'SIP grew secondary IPs',
      );
      assertInSync(world, sip);
      // [behaviour §1.6] DEL step 3: web-0's address came from a prefix; releasing it in SIP mode gives that prefix
      // back.
      const del = await sip.backend.delNetwork(delRequest('web-0'));
      assert.equal(del.ipAllocationMetadata[0]?.ipv4Addr, address);
      await sip.idle();
      assert.deepEqual(
        datastoreCidrs(sip).filter((c) => c.endsWith('/28')),
        [],
      );
      assertInSync(world, sip);
    });
  });

  it('[behaviour §2.3] step 1: PD on a non-Nitro type falls back to secondary IPs with a warning', async () => {
    const world = buildWorld({ env: { ENABLE_PREFIX_DELEGATION: 'true', WARM_PREFIX_TARGET: '1' } });
    // An m4.large (Xen) node in the same VPC.
    const { launchInstance } = await import('../../sim/state/ops-instance.js');
    const xen = launchInstance(world.store, {
      instanceType: 'm4.large',
      subnetId: world.instance.subnetId,
      groups: world.instance.groups,
    });
    const { SimImds } = await import('../../../test/support/virtual/sim-ports.js');
    await withIpamd(world, { imds: new SimImds(world.propagation, xen.id) }, (ipamd) => {
      assert.equal(ipamd.context()?.node.prefixDelegation, false);
      assert.ok(world.lines.some((l) => l.level === 'warn' && /falls back to secondary IPs/.test(l.msg)));
      assert.ok(datastoreCidrs(ipamd).every((c) => c.endsWith('/32')));
    });
  });
});
