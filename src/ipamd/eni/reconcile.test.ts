// The reconciler [behaviour §3.10] against the embedded VPC: changes made behind ipamd's back are adopted or
// force-removed; IMDS is a hint and EC2 decides.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { assignPrivateIps, attachEni, createEni, deleteEni, detachEni, unassignPrivateIps } from '../../sim/index.js';
import { ENI_TAG } from './setup.js';
import type { Imds } from '../../cloud/imds/port.js';
import { podVethSuffix } from '../node/restore.js';
import {
  addPods,
  assertInSync,
  buildWorld,
  delRequest,
  withIpamd,
  type World,
} from '../../../test/support/virtual/world.js';

function freeCidrOnPrimary(world: World, taken: readonly string[]): string {
  const eni = world.store.eni(world.instance.primaryEniId);
  const ip = eni.secondaryIps.find((x) => !taken.includes(x));
  assert.ok(ip);
  return ip;
}

describe('reconcile', () => {
  it("[behaviour §3.10]: an IP unassigned behind ipamd's back is force-removed and counted; the pod on it is reported and the checkpoint rewritten", async () => {
    const world = buildWorld();
    await withIpamd(world, async (ipamd) => {
      const [pod] = await addPods(ipamd, 'web', 1);
      assert.ok(pod);
      const free = freeCidrOnPrimary(world, [pod]);
      unassignPrivateIps(world.store, world.instance.primaryEniId, { ips: [free, pod] });
      const outcome = await ipamd.runReconcile();
      assert.equal(outcome?.removedCidrs, 2);
      assert.equal(outcome?.podsLost, 1);
      assert.equal(world.metrics.forcedIps, 1);
      assert.deepEqual(world.metrics.reconciles.filter((r) => r === 'eniIPPoolReconcileDel').length, 2);
      assert.deepEqual(world.checkpoint.addresses(), []);
      assertInSync(world, ipamd);
      assert.ok(world.lines.some((l) => l.level === 'error' && /pod lost its address/.test(l.msg)));
    });
  });

  it("[behaviour §3.10]: an IP assigned behind ipamd's back is added", async () => {
    const world = buildWorld({ env: { WARM_IP_TARGET: '1' } });
    await withIpamd(world, async (ipamd) => {
      assignPrivateIps(world.store, world.instance.primaryEniId, { count: 1 });
      assert.equal((await ipamd.runReconcile())?.addedCidrs, 1);
      assertInSync(world, ipamd);
    });
  });

  it('[behaviour §3.10] ipReconcileCooldown: released IPs that IMDS and a lagging EC2 still show are not re-added for 60 s', async () => {
    const world = buildWorld({ env: { WARM_IP_TARGET: '1' } });
    let stale: string[] = [];
    // EC2 is eventually consistent too: its describe answers still list the released addresses.
    const ec2 = new Proxy(world.ec2, {
      get(target, prop, receiver) {
        if (prop === 'describeNetworkInterfaces') {
          return async (ids: readonly string[]) => {
            const answer = await target.describeNetworkInterfaces(ids);
            return {
              ...answer,
              enis: answer.enis.map((e) =>
                e.id === world.instance.primaryEniId ? { ...e, secondaryIps: [...e.secondaryIps, ...stale] } : e,
              ),
            };
          };
        }
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    await withIpamd(world, { ec2 }, async (ipamd) => {
      await addPods(ipamd, 'web', 3);
      await ipamd.runPoolTick();
      for (let i = 0; i < 3; i++) await ipamd.backend.delNetwork(delRequest(`web-${i}`));
      world.propagation.configure({ addressLagMs: 90_000 });
      const before = new Set(world.store.eni(world.instance.primaryEniId).secondaryIps);
      assert.ok(((await ipamd.runPoolTick())?.released ?? 0) > 0);
      stale = [...before].filter((ip) => !world.store.eni(world.instance.primaryEniId).secondaryIps.includes(ip));
      assert.ok(stale.length > 0);
      world.clock.advance(20_000);
      await ipamd.runReconcile();
      assertInSync(world, ipamd, 'the released IPs stayed out');
      stale = [];
      world.clock.advance(120_000);
      const describes = world.ec2.count('DescribeNetworkInterfaces');
      await ipamd.runReconcile();
      assert.equal(world.ec2.count('DescribeNetworkInterfaces'), describes, 'IMDS caught up: no EC2 call');
    });
  });

  it("[behaviour §3.10] steps 3-4: an ENI attached behind ipamd's back is tagged and set up; detached, it is force-removed", async () => {
    const world = buildWorld();
    await withIpamd(world, async (ipamd) => {
      const eni = createEni(world.store, { subnetId: world.instance.subnetId, secondaryIpCount: 3 });
      const attachment = attachEni(world.store, { eniId: eni.id, instanceId: world.instance.id, deviceIndex: 1 });
      const adopted = await ipamd.runReconcile();
      assert.deepEqual(adopted?.addedEnis, [eni.id]);
      assert.equal(eni.tags.get(ENI_TAG.instanceId), world.instance.id);
      assert.equal(world.host.ops('setupEni').length, 1);
      assertInSync(world, ipamd);
      // Ten pods: nine on the primary ENI, the tenth on the adopted one.
      await addPods(ipamd, 'web', 10);
      world.host.links.add(`eni${podVethSuffix('default', 'web-9')}`);
      detachEni(world.store, attachment.id);
      world.clock.advance(1_000);
      const removed = await ipamd.runReconcile();
      assert.deepEqual(removed?.removedEnis, [eni.id]);
      assert.equal(world.metrics.forcedEnis, 1);
      assert.equal(world.metrics.forcedIps, 1);
      assert.equal(world.checkpoint.addresses().length, 9);
      assertInSync(world, ipamd);
    });
  });

  it('ours [pain-points §13]: an ENI that IMDS still lists but EC2 has deleted is ignored', async () => {
    const world = buildWorld();
    await withIpamd(world, async (ipamd) => {
      const eni = createEni(world.store, { subnetId: world.instance.subnetId, secondaryIpCount: 2 });
      const attachment = attachEni(world.store, { eniId: eni.id, instanceId: world.instance.id, deviceIndex: 1 });
      world.propagation.interfaces(world.instance.id);
      world.propagation.configure({ frozen: true });
      detachEni(world.store, attachment.id);
      world.clock.advance(1_000);
      deleteEni(world.store, eni.id);
      const outcome = await ipamd.runReconcile();
      assert.deepEqual(outcome?.addedEnis, []);
      assert.ok(world.lines.some((l) => /EC2 does not know it/.test(l.msg)));
    });
  });

  it('ours [pain-points §13]: an ENI IMDS stops listing but EC2 still has attached is kept', async () => {
    const world = buildWorld();
    const hidden: { id: string | undefined } = { id: undefined };
    const imds: Imds = {
      identity: () => world.imds.identity(),
      macs: () => world.imds.macs(),
      eni: (mac, options) => world.imds.eni(mac, options),
      attachedEnis: async (mac) => (await world.imds.attachedEnis(mac)).filter((e) => e.eniId !== hidden.id),
      vpcIpv4Cidrs: (mac) => world.imds.vpcIpv4Cidrs(mac),
      securityGroupIds: (mac) => world.imds.securityGroupIds(mac),
    };
    await withIpamd(world, { imds }, async (ipamd) => {
      await addPods(ipamd, 'web', 1);
      await ipamd.runPoolTick();
      hidden.id = ipamd.snapshots().get(0)?.enis[1]?.id;
      assert.ok(hidden.id);
      const outcome = await ipamd.runReconcile();
      assert.deepEqual(outcome?.removedEnis, []);
      assert.equal(ipamd.snapshots().get(0)?.enis.length, 2);
    });
  });

  it('[behaviour §3.2]: reconcile is due 60 s after the last pool action', async () => {
    const world = buildWorld();
    await withIpamd(world, async (ipamd) => {
      const { Reconciler } = await import('./reconcile.js');
      const ctx = ipamd.context();
      assert.ok(ctx);
      const reconciler = new Reconciler(ctx);
      assert.equal(reconciler.due(), false);
      world.clock.advance(60_000);
      assert.equal(reconciler.due(), true);
    });
  });
});
