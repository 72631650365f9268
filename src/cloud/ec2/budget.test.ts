import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { isCloudError } from '../errors.js';
import { Ec2Budget, documentedBucket } from './budget.js';
import { fakeTime } from '../fake-time.test-util.js';
import { startCloudFixture } from './sim-fixture.test-util.js';
import { suiteFixture } from '../../suite-fixture.test-util.js';

describe('Ec2Budget', () => {
  it('knows EC2 documented buckets per action and request shape', () => {
    assert.deepEqual(documentedBucket('AssignPrivateIpAddresses'), {
      key: 'AssignPrivateIpAddresses',
      spec: { capacity: 100, refillPerSecond: 5 },
    });
    assert.deepEqual(documentedBucket('AttachNetworkInterface').spec, { capacity: 50, refillPerSecond: 5 });
    assert.deepEqual(documentedBucket('CreateTags').spec, { capacity: 100, refillPerSecond: 10 });
    assert.deepEqual(documentedBucket('DescribeNetworkInterfaces', 'filtered'), {
      key: 'DescribeNetworkInterfaces',
      spec: { capacity: 100, refillPerSecond: 20 },
    });
    assert.deepEqual(documentedBucket('DescribeNetworkInterfaces', 'unfiltered'), {
      key: 'DescribeNetworkInterfaces:unfiltered',
      spec: { capacity: 50, refillPerSecond: 10 },
    });
    assert.deepEqual(documentedBucket('DescribeSubnets', 'unfiltered').spec, { capacity: 100, refillPerSecond: 20 });
  });

  it('takes 80 % of each bucket by default, then makes callers wait for the refill instead of failing', async () => {
    const t = fakeTime();
    const budget = new Ec2Budget({ clock: t.clock, sleep: t.sleep });
    for (let i = 0; i < 40; i++) assert.equal(await budget.take('AttachNetworkInterface'), 0);
    assert.deepEqual(t.sleeps, []);
    // 40 × 0.8 = 4 per second: the 41st waits 250 ms, the 42nd (after that refill) another 250 ms.
    assert.equal(await budget.take('AttachNetworkInterface'), 250);
    assert.equal(await budget.take('AttachNetworkInterface'), 250);
    assert.deepEqual(t.sleeps, [250, 250]);
    assert.equal(t.clock.now(), 500);
  });

  it('serves concurrent waiters in order with reservations', async () => {
    const t = fakeTime();
    const budget = new Ec2Budget({
      clock: t.clock,
      sleep: async (ms) => {
        t.sleeps.push(ms);
        await Promise.resolve();
      },
      overrides: { CreateTags: { capacity: 1, refillPerSecond: 10 } },
    });
    const waits = await Promise.all([budget.take('CreateTags'), budget.take('CreateTags'), budget.take('CreateTags')]);
    assert.deepEqual(waits, [0, 100, 200]);
  });

  it('refuses a wait longer than maxWaitMs with CLOUD_THROTTLED and gives the token back', async () => {
    const t = fakeTime();
    const budget = new Ec2Budget({
      clock: t.clock,
      sleep: t.sleep,
      maxWaitMs: 50,
      overrides: { CreateTags: { capacity: 1, refillPerSecond: 10 } },
    });
    await budget.take('CreateTags');
    await assert.rejects(
      budget.take('CreateTags'),
      (e: unknown) => isCloudError(e, 'CLOUD_THROTTLED') && /client-side budget/.test(e.message),
    );
    assert.equal(budget.state()[0]?.tokens, 0);
    assert.deepEqual(t.sleeps, []);
    t.clock.advance(100);
    assert.equal(await budget.take('CreateTags'), 0);
  });

  it('drain() empties a bucket after EC2 throttled us', async () => {
    const t = fakeTime();
    const budget = new Ec2Budget({ clock: t.clock, sleep: t.sleep });
    budget.drain('AssignPrivateIpAddresses');
    assert.equal(await budget.take('AssignPrivateIpAddresses'), 250);
  });

  it('validates its settings', () => {
    const t = fakeTime();
    assert.throws(() => new Ec2Budget({ clock: t.clock, sleep: t.sleep, share: 0 }), RangeError);
    assert.throws(
      () => new Ec2Budget({ clock: t.clock, sleep: t.sleep, overrides: { X: { capacity: 0, refillPerSecond: 1 } } }),
      RangeError,
    );
  });
});

describe('client-side budget against the embedded VPC with throttling on', () => {
  // A tenth of EC2's buckets: AssignPrivateIpAddresses holds 10 tokens and refills 0.5 per second.
  const fx = suiteFixture(() => startCloudFixture({ throttle: true, throttleScale: 0.1 }));

  it('without a budget a burst of 30 assigns provokes RequestLimitExceeded', async () => {
    const ec2 = fx.ec2({ retry: { maxAttempts: 1 } });
    const eni = await ec2.createNetworkInterface(fx.eniRequest('burst'));
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, () => ec2.assignPrivateIps(eni.id, { count: 1 })),
    );
    const throttled = results.filter((r) => r.status === 'rejected' && isCloudError(r.reason, 'CLOUD_THROTTLED'));
    assert.ok(throttled.length >= 15, `${throttled.length} throttled`);
  });

  it('with a budget at 80 % of the sim buckets the same burst waits for tokens and EC2 never throttles', async () => {
    fx.clock.advance(120_000); // refill the sim buckets after the control burst
    const share = {
      AssignPrivateIpAddresses: { capacity: 8, refillPerSecond: 0.4 },
      CreateNetworkInterface: { capacity: 8, refillPerSecond: 0.4 },
    };
    const ec2 = fx.ec2({ budget: { overrides: share }, retry: { maxAttempts: 1 } });
    const eni = await ec2.createNetworkInterface(fx.eniRequest('paced'));
    const start = fx.records.length;
    const sleeps = fx.sleeps.length;
    for (let i = 0; i < 30; i++) await ec2.assignPrivateIps(eni.id, { count: 1 });
    const records = fx.records.slice(start);
    assert.equal(records.length, 30);
    assert.ok(records.every((r) => r.error === undefined && r.attempts === 1));
    const waited = fx.sleeps.slice(sleeps).reduce((a, b) => a + b, 0);
    // 30 calls, 8 from the burst, 22 at 0.4 per second ≈ 55 s of (virtual) waiting.
    assert.ok(waited >= 54_000 && waited <= 56_000, `waited ${waited} ms`);
  });
});
