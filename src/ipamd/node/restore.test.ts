// Checkpoint restore at start-up [behaviour §8] over the embedded VPC: a restart is a new Ipamd over the same VPC
// and checkpoint store.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { Allocation } from '../../ipam/datastore.js';
import { IpamdError } from '../errors.js';
import type { Ipamd } from '../ipamd.js';
import { podVethSuffix } from './restore.js';
import { addPods, addRequest, buildWorld, withIpamd, type World } from '../../../test/support/virtual/world.js';

function vethOf(world: World, pod: string): void {
  world.host.links.add(`eni${podVethSuffix('default', pod)}`);
}

/** A first ipamd over the world that adds pods `web-0` … `web-(n−1)` and stops; their addresses. */
function firstRun(world: World, pods: number): Promise<string[]> {
  return withIpamd(world, (first) => addPods(first, 'web', pods));
}

/** One allocation as the checkpoint file holds it, for a pod without metadata. */
function entry(containerID: string, ipv4: string | undefined, allocationTimestamp = 1714560000000000000): unknown {
  return { networkName: 'aws-cni', containerID, ifName: 'eth0', ipv4, allocationTimestamp, metadata: {} };
}

/** What a restarted ipamd holds: `pick` of each allocation in its datastore. */
function restored(ipamd: Ipamd, pick: (allocation: Allocation) => string): string[] | undefined {
  return ipamd.context()?.node.datastore.allocations().map(pick);
}

describe('checkpoint restore', () => {
  it('[behaviour §8]: a restart keeps pods whose veth exists, drops the others (rules deleted), and never gives one address twice', async () => {
    const world = buildWorld();
    const [a, b, c] = await firstRun(world, 3);
    vethOf(world, 'web-0');
    vethOf(world, 'web-1');

    await withIpamd(world, async (second) => {
      assert.deepEqual(restored(second, (x) => x.address)?.sort(), [a, b].sort());
      assert.deepEqual(world.host.ops('deletePodRules'), [[c]]);
      assert.deepEqual(world.checkpoint.addresses(), [a, b].sort());
      const fresh = await addPods(second, 'api', 8);
      const all = [a, b, ...fresh];
      assert.equal(new Set(all).size, all.length, 'no address handed out twice');
      // A repeated ADD of a restored pod is idempotent.
      const again = await second.backend.addNetwork(addRequest('web-0'));
      assert.equal(again.ipAllocationMetadata[0]?.ipv4Addr, a);
    });
  });

  it('[behaviour §8]: entries without pod metadata are kept; entries outside every CIDR (even per EC2) are dropped', async () => {
    const world = buildWorld();
    const [a] = await firstRun(world, 1);
    const allocations = [entry('old', a), entry('gone', '10.99.0.5')];
    world.checkpoint.text = JSON.stringify({ version: 'vpc-cni-ipam/1', allocations }) + '\n';
    await withIpamd(world, (second) => {
      assert.deepEqual(
        restored(second, (x) => x.key.containerID),
        ['old'],
      );
      assert.deepEqual(world.checkpoint.addresses(), [a]);
    });
  });

  it('ours [pain-points §12]: an address IMDS does not show yet is confirmed with EC2 instead of being dropped', async () => {
    const world = buildWorld({ env: { WARM_IP_TARGET: '1' } });
    world.propagation.configure({ addressLagMs: 3_600_000 });
    const [a] = await firstRun(world, 1);
    vethOf(world, 'web-0');
    await withIpamd(world, (second) => {
      assert.deepEqual(
        restored(second, (x) => x.address),
        [a],
      );
      assert.ok(world.lines.some((l) => /asking EC2 before dropping them/.test(l.msg)));
    });
  });

  it('[behaviour §8] fresh node: no checkpoint → nothing restored, an empty one written', async () => {
    const world = buildWorld();
    await withIpamd(world, () => {
      assert.deepEqual(world.checkpoint.text, '{"version":"vpc-cni-ipam/1","allocations":[]}\n');
    });
  });

  const BAD: readonly { name: string; text: string; why: RegExp }[] = [
    { name: 'not JSON', text: '{"version":', why: /cannot restore/ },
    { name: 'another version', text: '{"version":"vpc-cni-ipam/2","allocations":[]}\n', why: /version/ },
    {
      name: 'two pods on one address',
      text: JSON.stringify({
        version: 'vpc-cni-ipam/1',
        allocations: ['a', 'b'].map((id) => entry(id, '10.11.0.9', 1)),
      }),
      why: /already claimed/,
    },
  ];
  for (const bad of BAD) {
    it(`[behaviour §8]: a checkpoint that cannot be restored (${bad.name}) fails start-up and says how to start over`, async () => {
      const world = buildWorld();
      world.checkpoint.text = bad.text;
      const ipamd = world.ipamd();
      await assert.rejects(ipamd.start(), (error: unknown) => {
        assert.ok(error instanceof IpamdError);
        assert.equal(error.code, 'CHECKPOINT_RESTORE_FAILED');
        assert.match(error.message, bad.why);
        assert.match(error.message, /mv \/var\/run\/aws-node\/ipam\.json \/var\/run\/aws-node\/ipam\.json\.bad/);
        return true;
      });
      assert.equal(world.checkpoint.text, bad.text, 'the file is left as it was');
    });
  }

  it('podVethSuffix is the first 11 hex digits of sha1("<ns>.<name>")', () => {
    // echo -n default.web-0 | sha1sum
    assert.equal(podVethSuffix('default', 'web-0'), '0d7763386da');
    assert.match(podVethSuffix('kube-system', 'coredns-1'), /^[0-9a-f]{11}$/);
  });
});
