// The cluster simulation: the token-bucket floor, the shared account (RequestLimitExceeded retried by the production
// call path), and small clusters run end to end in virtual time (deterministic: seeded, no wall-clock decisions).
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { manualClock } from '../../../src/ipam/clock.js';
import { clusterScenario, VpcStore } from '../../../src/sim/index.js';
import { bucketFloorMs, clusterFloor } from './cluster-floor.js';
import { seededRandom } from '../../../src/ipam/random.js';
import { runCluster } from './cluster.js';
import { VirtualScheduler } from './scheduler.js';
import { SharedEc2, ThrottledEc2 } from './throttled-ec2.js';

describe('token-bucket floor', () => {
  it('is (calls − capacity) / refill of the slowest bucket, counting calls up to the end time', () => {
    assert.equal(bucketFloorMs(40, 50, 5), 0);
    assert.equal(bucketFloorMs(2000, 50, 5), 390_000);
    const floor = clusterFloor(
      [
        {
          key: 'AttachNetworkInterface',
          capacity: 50,
          refillPerSecond: 5,
          acceptedAt: [...Array(2000).keys()],
          throttledAt: [],
          throttled: 0,
        },
        {
          key: 'DescribeSubnets',
          capacity: 100,
          refillPerSecond: 20,
          acceptedAt: [...Array(3000).keys()],
          throttledAt: [],
          throttled: 3,
        },
        {
          key: 'CreateTags',
          capacity: 100,
          refillPerSecond: 10,
          acceptedAt: [10, 20_000],
          throttledAt: [],
          throttled: 0,
        },
      ],
      1999,
    );
    assert.equal(floor.floorMs, 390_000);
    assert.equal(floor.bottleneck, 'AttachNetworkInterface');
    const subnets = floor.buckets.find((b) => b.key === 'DescribeSubnets');
    assert.deepEqual([subnets?.calls, subnets?.callsTotal, subnets?.throttled], [2000, 3000, 3]);
    assert.equal(floor.buckets.find((b) => b.key === 'CreateTags')?.calls, 1);
  });
});

describe('shared EC2 account', () => {
  it('answers RequestLimitExceeded from the account bucket; the production call path backs off and retries', async () => {
    const clock = manualClock(0);
    const scenario = clusterScenario({ nodes: 2 });
    const store = new VpcStore({ region: scenario.region, clock });
    scenario.build(store);
    const timers = new VirtualScheduler(clock);
    const account = new SharedEc2({
      store,
      timers,
      random: seededRandom(1),
      throttle: { overrides: { AssignPrivateIpAddresses: { capacity: 1, refillPerSecond: 1 } } },
    });
    const enis = [...store.instances.values()].map((i) => i.primaryEniId);
    const nodes = enis.map(
      (_, i) =>
        new ThrottledEc2(account, {
          clock,
          sleep: (ms) => timers.sleep(ms),
          random: seededRandom(i + 10),
          budget: false,
        }),
    );
    const answers: string[][] = [];
    nodes.forEach((ec2, i) => void ec2.assignPrivateIps(enis[i] ?? '', { count: 2 }).then((a) => answers.push(a.ips)));
    await timers.run({ until: 60_000 });
    assert.equal(answers.length, 2);
    assert.ok(answers.every((ips) => ips.length === 2));
    const tally = account.tallies.get('AssignPrivateIpAddresses');
    assert.equal(tally?.acceptedAt.length, 2);
    assert.ok((tally?.throttled ?? 0) >= 1, 'the second node was throttled at least once');
    assert.ok((tally?.acceptedAt[1] ?? 0) >= 1000, 'and got in once the bucket had refilled');
  });
});

describe('runCluster', () => {
  it('gives every pod of a small cluster an address without throttling; N = 1 is the serial chain alone', async () => {
    const lone = await runCluster({ nodes: 1, podsPerNode: 20 });
    assert.equal(lone.podsWithAddress, 20);
    assert.equal(lone.bucketFloorMs, 0);
    const small = await runCluster({ nodes: 10, podsPerNode: 20 });
    assert.equal(small.podsWithAddress, 200);
    assert.equal(small.throttled, 0);
    const attach = small.buckets.find((b) => b.key === 'AttachNetworkInterface');
    assert.equal(attach?.calls, 20, 'two ENIs per node for 20 pods on an m5.large');
  });

  it('100 nodes at once: the defaults are throttled; paced to the account they are not, and finish no later', async () => {
    const reference = await runCluster({ nodes: 100, podsPerNode: 20 });
    const paced = await runCluster({ nodes: 100, podsPerNode: 20, pacing: { share: 0.9 / 100 } });
    for (const run of [reference, paced]) assert.equal(run.podsWithAddress, 2000);
    assert.ok(reference.throttled > 0, `reference: ${reference.throttled} RequestLimitExceeded`);
    assert.equal(paced.throttled, 0);
    assert.ok(
      (paced.doneMs ?? Infinity) <= (reference.doneMs ?? 0),
      `paced ${paced.doneMs} ms vs reference ${reference.doneMs} ms`,
    );
    assert.equal(paced.initFailures, 0);
  });

  it("counts the region's ENI quota answers and says why the nodes are stuck", async () => {
    const run = await runCluster({ nodes: 10, podsPerNode: 20, eniQuota: 15, limitMs: 120_000 });
    assert.equal(run.doneMs, undefined);
    assert.ok(run.eniQuota > 0);
    assert.equal(run.podsWithAddress, 10 * 18 - 5 * 9, 'five nodes got their second ENI, five only the primary');
    assert.ok(
      run.stuck.every((s) => /CLOUD_ENI_LIMIT/.test(s.why)),
      JSON.stringify(run.stuck),
    );
  });
});
