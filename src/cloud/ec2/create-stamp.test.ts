// CreateNetworkInterface's createdAt stamp is the time the attempt that succeeded was sent, not the time ipamd
// decided to create: a create that waited in retries (or the client budget) must not look old to another node's
// leaked-ENI clean-up, which deletes detached ENIs stamped more than 5 minutes ago (found by bench/cluster-scale).
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { startCloudFixture } from './sim-fixture.test-util.js';
import { suiteFixture } from '../../suite-fixture.test-util.js';

const STAMP = 'node.k8s.amazonaws.com/createdAt';

describe('CreateNetworkInterface stampTag', () => {
  const fx = suiteFixture(() => startCloudFixture());

  it('is set when the successful attempt leaves, after the back-off of the failed ones', async () => {
    fx.sim.gate.faults.set('CreateNetworkInterface', { code: 'RequestLimitExceeded', probability: 1, count: 3 });
    const decided = fx.clock.now();
    const ec2 = fx.ec2({
      retry: { baseMs: { transient: 10, throttling: 60_000 }, capMs: 600_000 },
      random: () => 0.99,
    });
    const eni = await ec2.createNetworkInterface(
      fx.eniRequest('aws-K8S-i-test', { tags: { owner: 'test' }, stampTag: STAMP, secondaryIpCount: 1 }),
    );
    const stamped = Date.parse(eni.tags[STAMP] ?? '');
    assert.equal(eni.tags['owner'], 'test');
    assert.ok(
      stamped - decided >= 60_000,
      `stamped ${eni.tags[STAMP] ?? '(none)'}, decided ${new Date(decided).toISOString()}`,
    );
    assert.ok(Math.abs(stamped - fx.clock.now()) < 1000, 'the stamp is the time of the last attempt');
    await ec2.deleteNetworkInterface(eni.id);
  });

  it('without stampTag the tags are sent as given', async () => {
    const eni = await fx
      .ec2()
      .createNetworkInterface(fx.eniRequest('aws-K8S-i-test', { tags: { a: 'b' }, secondaryIpCount: 1 }));
    assert.deepEqual(eni.tags, { a: 'b' });
    await fx.ec2().deleteNetworkInterface(eni.id);
  });
});
