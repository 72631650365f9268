// The adaptive warm-pool policy: sizing from demand, growth, held and single-ENI releases, ENI keeping, cron bursts.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  adaptiveSizing,
  burstStarts,
  nextPeriodicBurst,
  planAdaptive,
  ADAPTIVE_DEFAULTS,
  type AdaptiveInput,
  type DemandHistory,
} from './policy-adaptive.js';
import { eni, inputOf, ips, prefixes, snapshotOf, type EniBuild } from './policy.test-util.js';
import type { PoolLimits } from './policy-types.js';

const NOW = 10_000_000;
const M5_XLARGE: PoolLimits = { maxEnis: 4, maxIpsPerEni: 14, maxPods: 58 };

function adaptive(
  builds: readonly EniBuild[],
  demand: DemandHistory,
  over: Partial<AdaptiveInput> = {},
  pd = false,
): AdaptiveInput {
  return { ...inputOf(snapshotOf(builds, { now: NOW, prefixDelegation: pd }), { limits: M5_XLARGE }), demand, ...over };
}

/** `n` arrivals spread evenly over the `spanMs` before `end`. */
const arrivals = (n: number, end: number, spanMs: number): number[] =>
  Array.from({ length: n }, (_, i) => end - spanMs + ((i + 1) * spanMs) / n);

describe('adaptive sizing', () => {
  const cases: readonly { name: string; input: AdaptiveInput; low: number; high: number; inBurst?: boolean }[] = [
    {
      name: 'no demand: the floor and a batch',
      input: adaptive([eni(0, { cidrs: ips(0, 4, { assigned: 2 }) })], { arrivals: [] }),
      low: 2,
      high: 6,
    },
    {
      name: 'steady churn: rate × twice the lead time',
      // 30 arrivals in the last minute: 0.5/s × 20 s = 10; batch = max(4, ceil(10 / 4)) = 4.
      input: adaptive([eni(0)], { arrivals: arrivals(30, NOW - 2_000, 58_000) }),
      low: 10,
      high: 14,
    },
    {
      name: 'a burst under way: the rest of the largest remembered burst',
      // A 30-pod burst 10 min ago; 4 of a new one in the last second: rest 30 − 4 = 26, batch 7.
      input: adaptive([eni(0)], { arrivals: [...arrivals(30, NOW - 600_000, 3_000), ...arrivals(4, NOW, 900)] }),
      low: 26,
      high: 33,
      inBurst: true,
    },
    {
      name: 'between bursts nothing of the burst is kept by default (burstShare 0)',
      input: adaptive([eni(0)], { arrivals: arrivals(30, NOW - 600_000, 3_000) }),
      low: 2,
      high: 6,
    },
    {
      name: 'burstShare keeps a share of it ready',
      input: adaptive([eni(0)], { arrivals: arrivals(30, NOW - 600_000, 3_000) }, { knobs: { burstShare: 0.5 } }),
      low: 15,
      high: 19,
    },
    {
      name: 'WARM_IP_TARGET raises the floor, MINIMUM_IP_TARGET asks for what is missing',
      input: adaptive(
        [eni(0, { cidrs: ips(0, 10, { assigned: 10 }) })],
        { arrivals: [] },
        { targets: { warmEniTarget: 1, warmIpTarget: 5, minimumIpTarget: 30, warmPrefixTarget: 0 } },
      ),
      low: 20,
      high: 25,
    },
    {
      name: 'maxPods caps both marks',
      input: adaptive(
        [eni(0, { cidrs: ips(0, 14, { assigned: 14 }) }), eni(1, { cidrs: ips(1, 14, { assigned: 14 }) })],
        { arrivals: arrivals(4, NOW, 900) },
        { limits: { ...M5_XLARGE, maxPods: 30 } },
      ),
      low: 2,
      high: 2,
      inBurst: true,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const sizing = adaptiveSizing(c.input);
      assert.deepEqual([sizing.low, sizing.high, sizing.inBurst], [c.low, c.high, c.inBurst ?? false], sizing.reason);
    });
  }

  it('cooling addresses are not usable', () => {
    const sizing = adaptiveSizing(
      adaptive([eni(0, { cidrs: ips(0, 8, { assigned: 2, cooldown: 5 }) })], { arrivals: [] }),
    );
    assert.equal(sizing.usable, 1);
  });
});

describe('cron bursts', () => {
  const k = ADAPTIVE_DEFAULTS;
  it('finds one start per burst and predicts the next from three regular ones', () => {
    const waves = [0, 300_000, 600_000].flatMap((t) => arrivals(15, NOW - 900_000 + t + 2_000, 2_000));
    const starts = burstStarts(waves, k);
    assert.equal(starts.length, 3);
    assert.equal(nextPeriodicBurst(starts), (starts[2] ?? 0) + 300_000);
  });

  it('no prediction from irregular bursts or from fewer than three', () => {
    assert.equal(nextPeriodicBurst([0, 300_000, 700_000]), undefined);
    assert.equal(nextPeriodicBurst([0, 300_000]), undefined);
    assert.deepEqual(burstStarts(arrivals(20, NOW, 600_000), k), [], 'one arrival per 30 s is no burst');
  });

  it('grows for a due burst before it starts', () => {
    // Waves at NOW − 885 s, − 585 s, − 285 s: the next is due at NOW + 15 s, inside the 20 s pre-warm.
    const waves = [0, 300_000, 600_000].flatMap((t) => arrivals(15, NOW - 900_000 + t + 15_000, 1_500));
    const plan = planAdaptive(adaptive([eni(0, { cidrs: ips(0, 4, { assigned: 2 }) })], { arrivals: waves }));
    assert.equal(plan.resize.kind, 'assign');
    assert.match(plan.resize.reason, /burst of 15 due/);
  });
});

describe('planAdaptive', () => {
  it('grows to the high-water mark in one call, on the ENI that can take the most', () => {
    const plan = planAdaptive(
      adaptive([eni(0, { cidrs: ips(0, 12, { assigned: 12 }) }), eni(1, { cidrs: ips(1, 2, { assigned: 2 }) })], {
        arrivals: [],
      }),
    );
    assert.equal(plan.resize.kind, 'assign');
    if (plan.resize.kind !== 'assign') return;
    assert.deepEqual(
      plan.resize.candidates.map((c) => [c.eniId, c.count]),
      [
        ['eni-1', 6],
        ['eni-0', 2],
      ],
    );
  });

  it('attaches a new ENI when every ENI is full', () => {
    const plan = planAdaptive(adaptive([eni(0, { cidrs: ips(0, 14, { assigned: 14 }) })], { arrivals: [] }));
    assert.deepEqual(plan.resize.kind === 'allocate-eni' ? [plan.resize.unit, plan.resize.count] : plan.resize, [
      'ip',
      6,
    ]);
  });

  it('grows in /28 prefixes in PD mode', () => {
    // 20 arrivals within the last second: a burst; high 25, 1 usable → 24 addresses → 2 prefixes.
    const plan = planAdaptive(
      adaptive([eni(0, { cidrs: prefixes(0, [15]) })], { arrivals: arrivals(20, NOW, 900) }, {}, true),
    );
    assert.deepEqual(
      plan.resize.kind === 'assign' ? [plan.resize.unit, plan.resize.candidates[0].count] : plan.resize,
      ['prefix', 2],
    );
  });

  it('pods waiting for an address are demand: it grows though the datastore still shows free addresses', () => {
    // 9 free, 10 ADDs waiting on this tick: usable −1, high 6 → 7 more, on eni-1 (eni-0 is full).
    const builds = [eni(0, { cidrs: ips(0, 14, { assigned: 7 }) }), eni(1, { cidrs: ips(1, 2) })];
    assert.equal(planAdaptive(adaptive(builds, { arrivals: [] })).resize.kind, 'steady');
    const plan = planAdaptive(adaptive(builds, { arrivals: [], waiting: 10 }));
    assert.deepEqual(
      plan.resize.kind === 'assign' ? [plan.resize.wanted, plan.resize.candidates[0].eniId] : plan.resize,
      [7, 'eni-1'],
    );
  });

  it('stays steady within the marks', () => {
    assert.equal(
      planAdaptive(adaptive([eni(0, { cidrs: ips(0, 8, { assigned: 3 }) })], { arrivals: [] })).resize.kind,
      'steady',
    );
  });

  const overfull = [eni(0, { cidrs: ips(0, 14, { assigned: 2 }) }), eni(1, { cidrs: ips(1, 6, { cooldown: 2 }) })];
  it('releases above high + batch from one ENI, never an address in cooldown', () => {
    // 16 usable, high 6: 10 over; eni-0 has 12 free, eni-1 only 4 (2 cool) → 10 from eni-0, highest first.
    const plan = planAdaptive(adaptive(overfull, { arrivals: [], lastGrowthAt: NOW - 600_000 }));
    assert.equal(plan.resize.kind, 'release');
    if (plan.resize.kind !== 'release') return;
    assert.equal(plan.resize.cidrs.length, 10);
    assert.deepEqual(new Set(plan.resize.cidrs.map((c) => c.eniId)), new Set(['eni-0']));
    assert.equal(plan.resize.cidrs[0]?.cidr, '10.0.0.23/32');
  });

  it('holds a release shortly after a growth or a release', () => {
    for (const timing of [{ lastGrowthAt: NOW - 10_000 }, { lastDecreaseAt: NOW - 10_000 }]) {
      const input = adaptive(overfull, { arrivals: [], ...('lastGrowthAt' in timing ? timing : {}) });
      const plan = planAdaptive({
        ...input,
        timing: { ...input.timing, ...('lastDecreaseAt' in timing ? timing : {}) },
      });
      assert.equal(plan.resize.kind, 'steady');
      assert.match(plan.resize.reason, /release held until/);
    }
  });

  const withEmpty = [
    eni(0, { cidrs: ips(0, 14, { assigned: 10 }) }),
    eni(1, { cidrs: ips(1, 6, { assigned: 1 }) }),
    eni(2, { createTime: NOW - 600_000 }),
  ];
  const freeCases: readonly [string, DemandHistory, string][] = [
    ['keeps an empty ENI without history', { arrivals: [] }, 'keep'],
    ['keeps an empty ENI the pool wanted within the hour', { arrivals: [], peakWanted: 40 }, 'keep'],
    ['frees an empty ENI the pool has not needed', { arrivals: [], peakWanted: 20 }, 'free-eni'],
  ];
  for (const [name, demand, kind] of freeCases) {
    it(name, () => {
      const plan = planAdaptive(adaptive(withEmpty, demand));
      assert.equal(plan.freeEni.kind, kind, plan.freeEni.reason);
      if (plan.freeEni.kind === 'free-eni') assert.equal(plan.freeEni.eniId, 'eni-2');
    });
  }

  it('never frees the primary ENI, a young ENI, or one with addresses; nor while attachment is blocked', () => {
    const builds = [eni(0), eni(1, { createTime: NOW - 1_000 }), eni(2, { createTime: 0, cidrs: ips(2, 1) })];
    assert.equal(planAdaptive(adaptive(builds, { arrivals: [], peakWanted: 0 })).freeEni.kind, 'keep');
    const blocked = planAdaptive(
      adaptive(withEmpty, { arrivals: [], peakWanted: 0 }, { attachmentBlockedBy: 'ipamd is shutting down' }),
    );
    assert.equal(blocked.freeEni.kind, 'keep');
    assert.equal(blocked.resize.kind, 'steady');
  });
});
