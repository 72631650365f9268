// Start-up's DescribeSubnets answer serves the first subnet discovery (timings.subnetReuseMs): one call fewer per
// node start, which matters when a thousand nodes join at once (bench/cluster-scale.ts).
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { Ipamd } from '../ipamd.js';
import { SUBNET_ROLE_TAG } from './subnet-discovery.js';
import { addPods, buildWorld, fillNodeSubnet, type World, zoneSubnet } from '../../../test/support/virtual/world.js';

/** Starts ipamd, takes one address and runs the tick that attaches the second ENI (WARM_ENI_TARGET=1). */
async function secondEni(
  options: { subnetReuseMs?: number; advanceMs?: number } = {},
): Promise<{ world: World; ipamd: Ipamd }> {
  const world = buildWorld(
    options.subnetReuseMs === undefined ? {} : { timings: { subnetReuseMs: options.subnetReuseMs } },
  );
  const ipamd = world.ipamd();
  await ipamd.start();
  if (options.advanceMs !== undefined) world.clock.advance(options.advanceMs);
  await addPods(ipamd, 'a', 1);
  await ipamd.runPoolTick();
  assert.equal(ipamd.snapshots().get(0)?.enis.length, 2);
  return { world, ipamd };
}

describe('subnet discovery reuses start-up answer', () => {
  it('the first ENI after start-up is placed without a second DescribeSubnets', async () => {
    const reused = await secondEni();
    assert.equal(reused.world.ec2.count('DescribeSubnets'), 1);
    await reused.ipamd.stop();
    const asked = await secondEni({ subnetReuseMs: 0 });
    assert.equal(
      asked.world.ec2.count('DescribeSubnets'),
      2,
      'with subnetReuseMs=0 discovery asks again, as the reference',
    );
    await asked.ipamd.stop();
  });

  it('an answer older than subnetReuseMs is not used', async () => {
    const late = await secondEni({ advanceMs: 10_000 });
    assert.equal(late.world.ec2.count('DescribeSubnets'), 2);
    await late.ipamd.stop();
  });

  it('the answer serves once: the next ENI sees a subnet created since', async () => {
    const { world, ipamd } = await secondEni();
    const extra = zoneSubnet(world, '10.11.128.0/24', { [SUBNET_ROLE_TAG]: '1' });
    fillNodeSubnet(world);
    await addPods(ipamd, 'b', 9);
    await ipamd.runPoolTick();
    const subnets = (ipamd.snapshots().get(0)?.enis ?? []).map((e) => e.subnetId);
    assert.deepEqual(subnets.slice(2), [extra.id]);
    assert.equal(world.ec2.count('DescribeSubnets'), 2);
    await ipamd.stop();
  });
});
