// The pool executor in secondary-IP mode against the embedded VPC [behaviour §3.2–3.7]: each phase ends with EC2's
// view of the node equal to the datastore's.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { CloudErrorCode } from '../../cloud/errors.js';
import { ENI_DESCRIPTION_PREFIX, ENI_TAG } from '../eni/setup.js';
import { addPods, assertInSync, buildWorld, delRequest, withIpamd } from '../../../test/support/virtual/world.js';

describe('pool manager (secondary IPs)', () => {
  it('[behaviour §3.6] step B: using the warm IPs attaches a second ENI with 9 IPs (WARM_ENI_TARGET=1)', async () => {
    const world = buildWorld();
    await withIpamd(world, async (ipamd) => {
      await addPods(ipamd, 'web', 1);
      assertInSync(world, ipamd);
      const outcome = await ipamd.runPoolTick();
      assert.equal(outcome?.plan?.resize.kind, 'allocate-eni');
      assert.equal(outcome?.added, 9);
      assertInSync(world, ipamd);
      const second = ipamd.snapshots().get(0)?.enis[1];
      assert.ok(second);
      assert.equal(second.deviceNumber, 1);
      assert.equal(second.routeTableId, 2);
      const eni = world.store.eni(second.id);
      assert.equal(eni.description, `${ENI_DESCRIPTION_PREFIX}${world.instance.id}`);
      assert.equal(eni.tags.get(ENI_TAG.instanceId), world.instance.id);
      assert.equal(eni.tags.get(ENI_TAG.createdAt), '2024-05-01T12:00:00Z');
      assert.equal(eni.attachment?.deleteOnTermination, true);
      assert.deepEqual(eni.groups, [...world.instance.groups].sort());
      const [spec] = world.host.ops('setupEni');
      assert.deepEqual(spec?.[0], {
        mac: eni.macAddress,
        deviceNumber: 1,
        primaryIp: eni.privateIpAddress,
        subnetCidr: '10.11.0.0/19',
        routeTableId: 2,
        mtu: 9001,
      });
      // At target now: the next tick is steady.
      assert.equal((await ipamd.runPoolTick())?.plan?.resize.kind, 'steady');
    });
  });

  it('[behaviour §3.4; behaviour §3.7]: WARM_IP_TARGET shrinks after pods leave, at most once per 30 s', async () => {
    const world = buildWorld({ env: { WARM_IP_TARGET: '1' } });
    await withIpamd(world, async (ipamd) => {
      assert.equal(ipamd.snapshots().get(0)?.stats.totalIPs, 1);
      // Five pods: each ADD after the first finds the pool empty and waits for a tick that adds what is short.
      await addPods(ipamd, 'web', 5);
      await ipamd.runPoolTick();
      assert.equal(ipamd.snapshots().get(0)?.stats.totalIPs, 6);
      for (let i = 0; i < 5; i++) assert.equal((await ipamd.backend.delNetwork(delRequest(`web-${i}`))).success, true);
      const release = await ipamd.runPoolTick();
      assert.equal(release?.plan?.resize.kind, 'release');
      assert.equal(release?.released, 5);
      assert.equal(ipamd.snapshots().get(0)?.stats.totalIPs, 1);
      assertInSync(world, ipamd);
      // Grow by one pod and release it again: the pool is over target, but the last decrease is 5 s old.
      world.clock.advance(5_000);
      await addPods(ipamd, 'api', 1);
      await ipamd.runPoolTick();
      await ipamd.backend.delNetwork(delRequest('api-0'));
      const throttled = await ipamd.runPoolTick();
      assert.equal(throttled?.plan?.resize.kind, 'steady');
      assert.match(throttled?.plan?.resize.reason ?? '', /decrease throttled/);
      world.clock.advance(30_000);
      assert.equal((await ipamd.runPoolTick())?.released, 1);
      assertInSync(world, ipamd);
      assert.ok(ipamd.context()?.status.lastDecreaseAt !== undefined);
    });
  });

  it('[behaviour §3.4]: MINIMUM_IP_TARGET keeps a floor when pods leave', async () => {
    const world = buildWorld({ env: { WARM_IP_TARGET: '1', MINIMUM_IP_TARGET: '4' } });
    await withIpamd(world, async (ipamd) => {
      assert.equal(ipamd.snapshots().get(0)?.stats.totalIPs, 4);
      await addPods(ipamd, 'web', 6);
      await ipamd.runPoolTick();
      for (let i = 0; i < 6; i++) await ipamd.backend.delNetwork(delRequest(`web-${i}`));
      await ipamd.runPoolTick();
      assert.equal(ipamd.snapshots().get(0)?.stats.totalIPs, 4);
      assertInSync(world, ipamd);
    });
  });

  it('[behaviour §3.7] tryFreeENI: an empty ENI is freed only once it is older than 60 s', async () => {
    const world = buildWorld();
    await withIpamd(world, async (ipamd) => {
      await addPods(ipamd, 'web', 1);
      await ipamd.runPoolTick();
      const second = ipamd.snapshots().get(0)?.enis[1]?.id;
      assert.ok(second);
      await ipamd.backend.delNetwork(delRequest('web-0'));
      const young = await ipamd.runPoolTick();
      assert.equal(young?.plan?.freeEni.kind, 'keep');
      assert.match(young?.plan?.freeEni.reason ?? '', /young|age|old/);
      world.clock.advance(61_000);
      const freed = await ipamd.runPoolTick();
      assert.equal(freed?.freedEni, second);
      assert.equal(world.store.enis.has(second), false, 'detached and deleted in EC2');
      assertInSync(world, ipamd);
      assert.equal(world.host.ops('teardownEni').length, 1);
      assert.deepEqual(
        world.ec2.calls
          .filter((c) => c.action.endsWith('NetworkInterface'))
          .slice(-2)
          .map((c) => c.action),
        ['DetachNetworkInterface', 'DeleteNetworkInterface'],
      );
    });
  });

  it('[behaviour §3.6]: PrivateIpAddressLimitExceeded re-reads the ENI from EC2 and takes what it has', async () => {
    const world = buildWorld({ env: { WARM_IP_TARGET: '2' } });
    await withIpamd(world, async (ipamd) => {
      // EC2 assigns 3 more addresses behind ipamd's back, then refuses the next assign as if the ENI were full.
      const { assignPrivateIps } = await import('../../sim/state/ops-eni.js');
      assignPrivateIps(world.store, world.instance.primaryEniId, { count: 3 });
      await addPods(ipamd, 'web', 2);
      world.ec2.failNext('AssignPrivateIpAddresses', 'CLOUD_IP_LIMIT', 'PrivateIpAddressLimitExceeded');
      const outcome = await ipamd.runPoolTick();
      assert.equal(outcome?.added, 3);
      assertInSync(world, ipamd);
    });
  });

  it('every EC2 failure is recorded with its code and hint, counted, and the tick survives', async () => {
    const world = buildWorld({ env: { WARM_IP_TARGET: '1' } });
    await withIpamd(world, async (ipamd) => {
      await addPods(ipamd, 'web', 1);
      world.ec2.failNext('AssignPrivateIpAddresses', 'CLOUD_UNAUTHORIZED', 'UnauthorizedOperation');
      const outcome = await ipamd.runPoolTick();
      assert.equal(outcome?.added, 0);
      assert.deepEqual(world.metrics.errors, ['increaseIPPoolAllocIPAddressesFailed']);
      const report = ipamd.pool();
      assert.equal(report?.recentActions[0]?.outcome, 'error');
      assert.equal(report?.recentActions[0]?.errorCode, 'UnauthorizedOperation');
      assert.match(report?.recentErrors[0]?.hint ?? '', /IAM/);
      assert.equal((await ipamd.runPoolTick())?.added, 1);
    });
  });

  // A failure after CreateNetworkInterface: ipamd deletes the ENI it made (nothing leaks) and records the error.
  const UNDONE: readonly { name: string; failure: readonly [action: string, code: CloudErrorCode, awsCode: string] }[] =
    [
      {
        name: '[behaviour §2.6] AttachNetworkInterface failure deletes the new ENI (nothing leaks) and is recorded',
        failure: ['AttachNetworkInterface', 'CLOUD_ENI_LIMIT', 'AttachmentLimitExceeded'],
      },
      {
        name: '[behaviour §2.6] DeleteOnTermination failure frees the new ENI (detach, wait, delete)',
        failure: ['ModifyNetworkInterfaceAttribute', 'CLOUD_UNAVAILABLE', 'InternalError'],
      },
    ];
  for (const c of UNDONE) {
    it(c.name, async () => {
      const world = buildWorld();
      await withIpamd(world, async (ipamd) => {
        await addPods(ipamd, 'web', 1);
        world.ec2.failNext(...c.failure);
        const before = world.store.enis.size;
        assert.equal((await ipamd.runPoolTick())?.added, 0);
        assert.equal(world.store.enis.size, before, 'the created ENI was deleted again');
        assert.deepEqual(world.metrics.errors, ['increaseIPPoolAllocENI']);
        assert.equal(ipamd.pool()?.recentErrors[0]?.code, c.failure[1]);
        assertInSync(world, ipamd);
      });
    });
  }

  it('[behaviour §3.6] waitForENIAndIPsAttached: IMDS never showing the ENI fails the allocation; reconcile adopts the ENI later', async () => {
    const world = buildWorld();
    await withIpamd(world, async (ipamd) => {
      await addPods(ipamd, 'web', 1);
      world.propagation.configure({ frozen: true });
      assert.equal((await ipamd.runPoolTick())?.added, 0);
      assert.ok(world.metrics.errors.includes('increaseIPPoolwaitENIAttachedFailed'));
      assert.equal(world.imds.count('attachedEnis') >= 12, true, 'polled 12 times');
      world.propagation.configure({ frozen: false });
      const adopted = await ipamd.runReconcile();
      assert.equal(adopted?.addedEnis.length, 1);
      assertInSync(world, ipamd);
    });
  });
});
