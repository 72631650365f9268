// The pool benchmark's machinery: seeded traces, the timed and throttled EC2 port, a replay against ipamd, and the
// adaptive policy selected by configuration.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { isCloudError } from '../../../src/cloud/errors.js';
import { runChurn } from './churn-run.js';
import { churnTrace, NODE_CAPACITY, TRACE_NAMES } from './churn-traces.js';
import { flush } from './fakes.js';
import { TimedEc2 } from './timed-ec2.js';
import { addPods, buildWorld, withIpamd } from './world.js';

describe('churn traces', () => {
  for (const name of TRACE_NAMES) {
    it(`${name}: same seed same trace, sorted, never more than the node capacity at once`, () => {
      const trace = churnTrace(name, { seed: 3, hours: 1 });
      assert.deepEqual(churnTrace(name, { seed: 3, hours: 1 }), trace);
      assert.notDeepEqual(churnTrace(name, { seed: 4, hours: 1 }).pods, trace.pods);
      assert.ok(trace.pods.length > 0);
      assert.ok(trace.pods.every((p, i) => i === 0 || (trace.pods[i - 1]?.arriveAt ?? 0) <= p.arriveAt));
      assert.ok(trace.peakPods <= NODE_CAPACITY && trace.meanPods > 0);
    });
  }
});

describe('TimedEc2', () => {
  it('takes its latency in virtual time and counts mutating calls', async () => {
    const world = buildWorld();
    world.timers.autoSleep = false;
    const ec2 = new TimedEc2(world.ec2, { timers: world.timers, clock: world.clock });
    let done = false;
    void ec2.assignPrivateIps(world.instance.primaryEniId, { count: 2 }).then(() => {
      done = true;
    });
    await world.timers.advance(299);
    assert.equal(done, false);
    await world.timers.advance(1);
    assert.equal(done, true);
    assert.deepEqual(ec2.counts(), { calls: 1, mutating: 1, throttled: 0, byAction: { AssignPrivateIpAddresses: 1 } });
  });

  it("answers RequestLimitExceeded once the action's scaled bucket is empty", async () => {
    const world = buildWorld();
    const ec2 = new TimedEc2(world.ec2, { timers: world.timers, clock: world.clock, throttleScale: 0.02 });
    const eniId = world.instance.primaryEniId;
    await ec2.assignPrivateIps(eniId, { count: 1 });
    await ec2.assignPrivateIps(eniId, { count: 1 });
    // Assign's bucket is 100 × 0.02 = 2 tokens, refilled at 0.1/s; the sleeps above took 0.6 s.
    const third = await ec2.assignPrivateIps(eniId, { count: 1 }).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(isCloudError(third, 'CLOUD_THROTTLED'));
    assert.equal(ec2.counts().throttled, 1);
  });
});

describe('VPC_CNI_POOL_POLICY', () => {
  it('reference keeps an ENI worth of IPs warm (a second ENI for the first pod); adaptive starts with its floor and a batch (6) and stays within its marks', async () => {
    for (const [policy, warm] of [
      ['reference', 17],
      ['adaptive', 5],
    ] as const) {
      const world = buildWorld({ env: { VPC_CNI_POOL_POLICY: policy } });
      await withIpamd(world, async (ipamd) => {
        await addPods(ipamd, 'web', 1);
        await world.timers.advance(5_000);
        await flush();
        await ipamd.idle();
        assert.equal(ipamd.snapshots().get(0)?.stats.availableIPs, warm, policy);
      });
    }
  });
});

describe('runChurn', () => {
  it('replays a trace: every pod gets an address, the measures are consistent', async () => {
    const trace = churnTrace('burst', { seed: 2, hours: 0.5 });
    for (const policy of ['reference', 'adaptive']) {
      const result = await runChurn({ trace, env: { VPC_CNI_POOL_POLICY: policy } });
      assert.equal(result.pods, trace.pods.length);
      assert.equal(result.unserved, 0, policy);
      assert.ok(result.waited <= result.pods);
      assert.ok(result.waitP50Ms <= result.waitP99Ms && result.waitP99Ms <= result.waitMaxMs);
      assert.ok(result.idleAvg >= 0 && result.idleAvg <= result.idlePeak);
      assert.ok(result.ec2.mutating > 0 && result.ec2.mutating <= result.ec2.calls);
      assert.equal(result.virtualMs, trace.durationMs);
    }
  });
});
