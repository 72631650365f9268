// Leaked-ENI clean-up [behaviour §2.8] against the embedded VPC.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { attachEni, createEni } from '../../sim/index.js';
import { ENI_TAG } from './setup.js';
import { leakedEniFilters, leakedEniVerdict } from './leaked.js';
import type { Ec2Eni } from '../../cloud/ec2/port.js';
import { rfc3339 } from '../../ipam/clock.js';
import { assertCountsOverTime, buildWorld, START, withIpamd, type World } from '../../../test/support/virtual/world.js';

function leak(world: World, description: string, tags: Record<string, string>): string {
  const eni = createEni(world.store, {
    subnetId: world.instance.subnetId,
    description,
    tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
  });
  return eni.id;
}

describe('leaked-ENI clean-up', () => {
  it('[behaviour §2.8]: deletes only detached aws-K8S-* ENIs older than 5 min; stamps those without createdAt; leaves the rest', async () => {
    const world = buildWorld({ env: { CLUSTER_NAME: 'eksworkshop' } });
    const cluster = { [ENI_TAG.clusterName]: 'eksworkshop' };
    const old = leak(world, 'aws-K8S-i-0other', {
      [ENI_TAG.instanceId]: 'i-0other',
      [ENI_TAG.createdAt]: rfc3339(START - 600_000),
      ...cluster,
    });
    const unstamped = leak(world, 'aws-K8S-i-0other', { [ENI_TAG.instanceId]: 'i-0other', ...cluster });
    const young = leak(world, 'aws-K8S-i-0other', {
      [ENI_TAG.instanceId]: 'i-0other',
      [ENI_TAG.createdAt]: rfc3339(START - 60_000),
      ...cluster,
    });
    const user = leak(world, 'my database ENI', {
      [ENI_TAG.instanceId]: 'i-0other',
      [ENI_TAG.createdAt]: rfc3339(START - 600_000),
      ...cluster,
    });
    const untagged = leak(world, 'aws-K8S-i-0other', {});
    const otherCluster = leak(world, 'aws-K8S-i-0other', {
      [ENI_TAG.instanceId]: 'i-0other',
      [ENI_TAG.createdAt]: rfc3339(START - 600_000),
      [ENI_TAG.clusterName]: 'prod',
    });
    const attached = leak(world, 'aws-K8S-i-0other', {
      [ENI_TAG.instanceId]: world.instance.id,
      [ENI_TAG.createdAt]: rfc3339(START - 600_000),
      ...cluster,
    });
    attachEni(world.store, { eniId: attached, instanceId: world.instance.id, deviceIndex: 2 });

    await withIpamd(world, async (ipamd) => {
      const result = await ipamd.runLeakedEniCleanup();
      assert.deepEqual(result?.deleted, [old]);
      assert.deepEqual(result?.tagged, [unstamped]);
      assert.deepEqual(result?.kept.map((k) => k.eniId).sort(), [young, user].sort());
      for (const id of [unstamped, young, user, untagged, otherCluster, attached])
        assert.ok(world.store.enis.has(id), id);
      assert.equal(world.store.enis.has(old), false);
      assert.equal(world.store.eni(unstamped).tags.get(ENI_TAG.createdAt), rfc3339(START));

      world.clock.advance(5 * 60_000);
      const later = await ipamd.runLeakedEniCleanup();
      assert.deepEqual([...(later?.deleted ?? [])].sort(), [unstamped, young].sort());
    });
  });

  it('[behaviour §2.8]: the first run comes after a random 0–299 s delay (150 s with random 0.5), then hourly', async () => {
    const world = buildWorld();
    await withIpamd(world, async () => {
      const searches = (): number =>
        world.ec2.calls.filter(
          (c) =>
            c.action === 'DescribeNetworkInterfaces' &&
            Array.isArray(c.args[0]) &&
            (c.args[0] as { name?: string }[])[0]?.name === 'tag-key',
        ).length;
      await assertCountsOverTime(world, searches, [
        [149_000, 0],
        [2_000, 1],
        [3_600_000, 2],
      ]);
    });
  });

  const OFF: readonly [string, Record<string, string>][] = [
    ['DISABLE_LEAKED_ENI_CLEANUP', { DISABLE_LEAKED_ENI_CLEANUP: 'true' }],
    ['DISABLE_NETWORK_RESOURCE_PROVISIONING', { DISABLE_NETWORK_RESOURCE_PROVISIONING: 'true' }],
  ];
  for (const [name, env] of OFF) {
    it(`[behaviour §2.8]: off with ${name}`, async () => {
      const world = buildWorld({ env });
      await withIpamd(world, () => {
        assert.ok(world.lines.some((l) => new RegExp(`leaked-ENI clean-up is off: ${name}`).test(l.msg)));
      });
    });
  }

  it('filters and verdicts', () => {
    assert.deepEqual(
      leakedEniFilters('vpc-1', undefined).map((f) => f.name),
      ['tag-key', 'status', 'vpc-id'],
    );
    assert.deepEqual(leakedEniFilters('vpc-1', 'c1').at(-1), { name: `tag:${ENI_TAG.clusterName}`, values: ['c1'] });
    const base = { description: 'aws-K8S-i-1', tags: {} } as unknown as Ec2Eni;
    assert.equal(
      leakedEniVerdict({ ...base, tags: { [ENI_TAG.createdAt]: 'yesterday' } }, START, 300_000).action,
      'tag',
    );
  });
});
