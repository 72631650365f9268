// Ec2Budget's pacing for many nodes on one account: a small share and a part-full start (initialFill), anchored at
// the budget's creation so that a node's buckets keep one phase whatever action is used first.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { Ec2Budget, pacedBudget } from './budget.js';
import { fakeTime, type FakeTime } from '../fake-time.test-util.js';

/** 1/1000 of the account's buckets, a quarter full at first: how one node of a thousand is paced. */
function thousandthQuarterFull(t: FakeTime): Ec2Budget {
  return new Ec2Budget({ clock: t.clock, sleep: t.sleep, share: 0.001, initialFill: 0.25, maxWaitMs: 600_000 });
}

describe('Ec2Budget pacing', () => {
  it('starts full by default (reference behaviour)', async () => {
    const t = fakeTime();
    const budget = new Ec2Budget({ clock: t.clock, sleep: t.sleep, share: 0.001 });
    assert.equal(await budget.take('AttachNetworkInterface'), 0);
    assert.deepEqual(
      budget.state().map((b) => b.capacity),
      [1],
    );
  });

  it('with initialFill, the first token comes when the refill has covered the rest', async () => {
    const t = fakeTime();
    // 1/1000 of AttachNetworkInterface (50, 5/s): one token, 0.005 tokens/s; a quarter full: 150 s to the first.
    const budget = thousandthQuarterFull(t);
    assert.equal(await budget.take('AttachNetworkInterface'), 150_000);
    assert.equal(await budget.take('AttachNetworkInterface'), 200_000, 'then one per 200 s');
  });

  it('a bucket first used later has been filling since the budget was made (one phase per node)', async () => {
    const t = fakeTime();
    const budget = thousandthQuarterFull(t);
    t.clock.advance(100_000);
    assert.equal(
      await budget.take('CreateNetworkInterface'),
      50_000,
      'Create (100, 5/s → 1, 0.005/s) is due at 150 s too',
    );
    assert.equal(t.clock.now(), 150_000);
    assert.equal(await budget.take('AssignPrivateIpAddresses'), 0, 'Assign has been full since 150 s');
  });

  it('refuses an initialFill outside [0, 1]', () => {
    const t = fakeTime();
    assert.throws(() => new Ec2Budget({ clock: t.clock, sleep: t.sleep, initialFill: 1.5 }), RangeError);
    assert.throws(() => new Ec2Budget({ clock: t.clock, sleep: t.sleep, initialFill: -0.1 }), RangeError);
  });

  it('pacedBudget: the share, a phase from the random source, waits of up to three slowest tokens', () => {
    assert.deepEqual(
      pacedBudget(0.9 / 1000, () => 0.25),
      { share: 0.0009, initialFill: 0.25, maxWaitMs: 666_667 },
    );
    assert.equal(pacedBudget(0.8, () => 0.5).maxWaitMs, 60_000);
    assert.throws(() => pacedBudget(0, () => 0.5), RangeError);
  });
});
