// AWS_MANAGE_ENIS_NON_SCHEDULABLE [cninode §4]: which taints make the node unschedulable (table), the followed Node
// against the stand-in (cordon, uncordon, deletion, an API server that is gone), and the pool of a whole ipamd:
// no growth while cordoned, growth again once uncordoned, the reason on /v1/pool.
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { createK8sClient, type K8sClient } from '../../k8s/client.js';
import { silentLogger } from '../../obs/logger.js';
import { buildWorld, withIpamd } from '../../../test/support/virtual/world.js';
import { startK8sStandin, type K8sStandin } from '../../../test/support/k8s-standin/standin.js';
import { followSchedulability, isUnschedulable, UNSCHEDULABLE_TAINT } from './schedulable.js';

const CORDON = { key: UNSCHEDULABLE_TAINT, effect: 'NoSchedule', timeAdded: '2024-05-01T12:00:00Z' };

async function until(what: string, check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('isUnschedulable', () => {
  const cases: readonly [string, unknown, boolean][] = [
    ['the cordon taint', { spec: { taints: [CORDON] } }, true],
    ['among others', { spec: { taints: [{ key: 'dedicated', effect: 'NoSchedule' }, CORDON] } }, true],
    ['same key, NoExecute', { spec: { taints: [{ key: UNSCHEDULABLE_TAINT, effect: 'NoExecute' }] } }, false],
    ['spec.unschedulable alone is not read', { spec: { unschedulable: true } }, false],
    ['no taints', { spec: {} }, false],
    ['hostile shapes', { spec: { taints: [null, 7, 'x', { key: 1 }] } }, false],
    ['not an object', undefined, false],
  ];
  for (const [what, node, expected] of cases) it(what, () => assert.equal(isUnschedulable(node), expected));
});

describe('the followed Node and the pool', () => {
  let standin: K8sStandin;
  let client: K8sClient;
  const NODE = 'ip-10-11-16-31.us-west-2.compute.internal';

  before(async () => {
    standin = await startK8sStandin({ nodes: [{ name: NODE, labels: {}, annotations: {}, capacityPods: 29 }] });
    client = await createK8sClient({ kind: 'kubeconfig-text', text: standin.kubeconfig() });
  });
  after(() => standin.close());

  const cordon = (on: boolean): void => {
    standin.state.patchNode(NODE, { spec: { taints: on ? [CORDON] : null } });
  };

  it('cordon blocks, uncordon and deletion unblock; the reason names the taint and the variable', async () => {
    const followed = followSchedulability({ client, nodeName: NODE, log: silentLogger });
    try {
      await followed.synced;
      assert.equal(followed.blockedBy(), undefined);
      cordon(true);
      await until('the cordon', () => followed.blockedBy() !== undefined);
      assert.equal(
        followed.blockedBy(),
        `node ${NODE} is unschedulable (taint ${UNSCHEDULABLE_TAINT}:NoSchedule, e.g. kubectl cordon) and AWS_MANAGE_ENIS_NON_SCHEDULABLE=false`,
      );
      cordon(false);
      await until('the uncordon', () => followed.blockedBy() === undefined);
      cordon(true);
      await until('the cordon again', () => followed.blockedBy() !== undefined);
      standin.state.delete('nodes', NODE);
      await until('the deletion', () => followed.blockedBy() === undefined);
    } finally {
      await followed.close();
      standin.state.putNode({ name: NODE, labels: {}, annotations: {}, capacityPods: 29 });
    }
  });

  it('a Node that cannot be read counts as schedulable', async () => {
    const nowhere = await createK8sClient({ kind: 'server', url: 'http://127.0.0.1:1' });
    const followed = followSchedulability({
      client: nowhere,
      nodeName: NODE,
      log: silentLogger,
      backoff: { initialMs: 10, maxMs: 20 },
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(followed.blockedBy(), undefined);
    await followed.close();
  });

  it('a cordoned node: the pool does not grow (reason on /v1/pool); uncordoned, it does', async () => {
    cordon(true);
    const followed = followSchedulability({ client, nodeName: NODE, log: silentLogger });
    await followed.synced;
    const world = buildWorld();
    try {
      await withIpamd(world, { attachmentBlocked: () => followed.blockedBy() }, async (ipamd) => {
        const grew = (): number =>
          world.ec2.count('AssignPrivateIpAddresses') + world.ec2.count('CreateNetworkInterface');
        await ipamd.runPoolTick();
        assert.equal(grew(), 0, 'no EC2 call grew the pool while cordoned');
        const card = ipamd.pool()?.cards[0];
        assert.match(card?.plan.resize.reason ?? '', /^pool too low but not growing: node .* is unschedulable/);
        assert.match(card?.attachmentBlockedBy ?? '', /AWS_MANAGE_ENIS_NON_SCHEDULABLE=false$/);
        cordon(false);
        await until('the uncordon', () => followed.blockedBy() === undefined);
        await ipamd.runPoolTick();
        assert.ok(grew() > 0, 'the pool grew once the node was schedulable');
      });
    } finally {
      await followed.close();
    }
  });
});
