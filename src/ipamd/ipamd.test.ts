// The ipamd loop [behaviour §3.2]: pool tick every 5 s (2.5 s + 2.5 s), reconcile when due, the VPC CIDR refresh,
// and an orderly stop — all on fake timers.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { associateVpcCidrBlock } from '../sim/index.js';
import { flush } from '../../test/support/virtual/fakes.js';
import {
  addPods,
  assertCountsOverTime,
  assertInSync,
  buildWorld,
  withIpamd,
} from '../../test/support/virtual/world.js';

describe('ipamd loop', () => {
  it('[behaviour §3.2]: the pool tick runs 2.5 s into each 5 s period and grows the pool without being asked', async () => {
    const world = buildWorld();
    await withIpamd(world, async (ipamd) => {
      await addPods(ipamd, 'web', 1);
      assert.equal(ipamd.snapshots().get(0)?.enis.length, 1);
      await world.timers.advance(2_499);
      assert.equal(ipamd.snapshots().get(0)?.enis.length, 1);
      await world.timers.advance(1);
      await ipamd.idle();
      assert.equal(ipamd.snapshots().get(0)?.enis.length, 2);
      assertInSync(world, ipamd);
    });
  });

  it('[behaviour §3.2]: reconcile runs only 60 s after the last pool action', async () => {
    const world = buildWorld();
    await withIpamd(world, async () => {
      const reconciles = (): number => world.lines.filter((l) => /^reconciled:/.test(l.msg)).length;
      await assertCountsOverTime(world, reconciles, [
        [55_000, 0],
        [10_000, 1],
        [30_000, 1],
        [35_000, 2],
      ]);
    });
  });

  it('[behaviour §2.3] step 14: a new VPC CIDR block is picked up within 30 s and SNAT re-programmed', async () => {
    const world = buildWorld();
    await withIpamd(world, async (ipamd) => {
      associateVpcCidrBlock(world.store, world.instance.vpcId, '100.64.0.0/16');
      world.clock.advance(60_000);
      await world.timers.advance(40_000);
      const snats = world.host.ops('setupSnat');
      assert.equal(snats.length, 2);
      assert.deepEqual((snats[1]?.[0] as { vpcCidrs: string[] }).vpcCidrs, ['10.11.0.0/16', '100.64.0.0/16']);
      assert.deepEqual(ipamd.context()?.node.vpcCidrs, ['10.11.0.0/16', '100.64.0.0/16']);
    });
  });

  it('publishes the datastore gauges at start-up, before any pool action, ADD or DEL', async () => {
    const world = buildWorld({ env: { DISABLE_NETWORK_RESOURCE_PROVISIONING: 'true' } });
    await withIpamd(world, (ipamd) => {
      assert.deepEqual(world.metrics.lastSnapshot, ipamd.snapshots().get(0));
      assert.equal(world.metrics.lastSnapshot?.enis.length, 1);
    });
  });

  it('a tick whose EC2 calls all fail leaves the loop running', async () => {
    const world = buildWorld({ env: { WARM_IP_TARGET: '1' } });
    await withIpamd(world, async (ipamd) => {
      await addPods(ipamd, 'web', 1);
      world.ec2.failNext('AssignPrivateIpAddresses', 'CLOUD_UNAVAILABLE', 'InternalError', 3);
      await world.timers.advance(20_000);
      await ipamd.idle();
      assert.equal(ipamd.snapshots().get(0)?.stats.totalIPs, 2, 'grew once EC2 answered again');
      assert.equal(world.metrics.errors.filter((e) => e === 'increaseIPPoolAllocIPAddressesFailed').length, 3);
    });
  });

  it('stop() waits for the tick in flight, cancels the timers and nothing runs afterwards', async () => {
    const world = buildWorld();
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    // CreateNetworkInterface hangs until the test opens the gate: the tick is in flight meanwhile.
    const ec2 = new Proxy(world.ec2, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        const bound = (value as (...args: unknown[]) => unknown).bind(target);
        return prop === 'createNetworkInterface'
          ? async (...args: unknown[]) => gate.then(() => bound(...args))
          : bound;
      },
    });
    const ipamd = world.ipamd({ ec2 });
    await ipamd.start();
    await addPods(ipamd, 'web', 1);
    const tick = ipamd.runPoolTick();
    await flush();
    let stopped = false;
    const stopping = ipamd.stop().then(() => {
      stopped = true;
    });
    await flush();
    assert.equal(stopped, false, 'stop waits for the tick');
    open();
    await stopping;
    assert.equal((await tick)?.added, 9, 'the tick in flight finished its ENI');
    assert.equal(ipamd.phase, 'stopped');
    const calls = world.ec2.calls.length;
    await world.timers.advance(600_000);
    assert.equal(world.ec2.calls.length, calls);
    assert.equal((await ipamd.runPoolTick())?.plan, undefined, 'a tick after stop does nothing');
  });
});
