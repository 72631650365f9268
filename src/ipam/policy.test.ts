import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { POLICY_DEFAULTS, planPool, type PoolTargets } from './policy.js';
import { eni, inputOf, ips, snapshotOf } from './policy.test-util.js';

const NOW = 1_000_000; // 1970-01-01T00:16:40.000Z

function tg(t: Partial<PoolTargets>): PoolTargets {
  return { warmEniTarget: 1, warmIpTarget: 0, minimumIpTarget: 0, warmPrefixTarget: 0, ...t };
}

/** Too low: the primary ENI has 4 free slots and 0 available. */
const low = snapshotOf([eni(0, { cidrs: ips(0, 5, { assigned: 5 }) })], { now: NOW });
/** Too high under WARM_IP_TARGET=1: 8 available. */
const high = snapshotOf([eni(0, { cidrs: ips(0, 9, { assigned: 1 }) })], { now: NOW });

describe('[behaviour §3.2] timers', () => {
  const cases: {
    name: string;
    lastInsufficientAt?: number;
    lastDecreaseAt?: number;
    backoffMs?: number;
    snapshot: typeof low;
    kind: string;
    reason?: string;
  }[] = [
    {
      name: '[behaviour §3.2] no increase within 120 s of an insufficient-address error',
      lastInsufficientAt: NOW - 60_000,
      snapshot: low,
      kind: 'steady',
      reason: 'in insufficient-address back-off until 1970-01-01T00:17:40.000Z (60 s left)',
    },
    {
      name: '[behaviour §3.2] back-off still on at exactly 120 s (reference compares ≤)',
      lastInsufficientAt: NOW - 120_000,
      snapshot: low,
      kind: 'steady',
    },
    {
      name: '[behaviour §3.2] back-off over after 120 s',
      lastInsufficientAt: NOW - 120_001,
      snapshot: low,
      kind: 'assign',
    },
    {
      name: '[behaviour §3.2] the back-off is overridable',
      lastInsufficientAt: NOW - 10_000,
      backoffMs: 5_000,
      snapshot: low,
      kind: 'assign',
    },
    {
      name: '[behaviour §3.2] decrease at most once per 30 s',
      lastDecreaseAt: NOW - 12_000,
      snapshot: high,
      kind: 'steady',
      reason:
        'pool too high: 7 IPs over target (8 available vs WARM_IP_TARGET 1, 9 total vs MINIMUM_IP_TARGET 0); decrease throttled until 1970-01-01T00:16:58.000Z (18 s left)',
    },
    {
      name: '[behaviour §3.2] decrease still throttled at exactly 30 s (≤)',
      lastDecreaseAt: NOW - 30_000,
      snapshot: high,
      kind: 'steady',
    },
    {
      name: '[behaviour §3.2] decrease allowed after 30 s',
      lastDecreaseAt: NOW - 30_001,
      snapshot: high,
      kind: 'release',
    },
    {
      name: '[behaviour §3.2] the back-off does not hold back a decrease',
      lastInsufficientAt: NOW - 1_000,
      snapshot: high,
      kind: 'release',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const timing = {
        now: NOW,
        ...(c.lastInsufficientAt === undefined ? {} : { lastInsufficientAt: c.lastInsufficientAt }),
        ...(c.lastDecreaseAt === undefined ? {} : { lastDecreaseAt: c.lastDecreaseAt }),
        ...(c.backoffMs === undefined ? {} : { insufficientAddressBackoffMs: c.backoffMs }),
      };
      const plan = planPool(inputOf(c.snapshot, { targets: tg({ warmIpTarget: 1 }), timing }));
      assert.equal(plan.resize.kind, c.kind, plan.resize.reason);
      if (c.reason !== undefined) assert.equal(plan.resize.reason, c.reason);
    });
  }

  it('[behaviour §3.2] defaults are the reference constants', () => {
    assert.deepEqual(
      { ...POLICY_DEFAULTS },
      { decreaseIntervalMs: 30_000, insufficientAddressBackoffMs: 120_000, minEniAgeMs: 60_000 },
    );
  });
});

describe('[behaviour §3.2] planPool: one tick', () => {
  it('[behaviour §3.5] maxPods ceiling: a pool holding maxPods addresses is steady even with nothing free', () => {
    const snapshot = snapshotOf(
      [eni(0, { cidrs: ips(0, 9, { assigned: 9 }) }), eni(1, { cidrs: ips(1, 9, { assigned: 9 }) })],
      { now: NOW },
    );
    const plan = planPool(inputOf(snapshot, { limits: { maxEnis: 3, maxIpsPerEni: 9, maxPods: 18 } }));
    assert.deepEqual(plan.resize, { kind: 'steady', reason: 'at maxPods ceiling: 18 IPs ≥ maxPods 18' });
  });

  it('[behaviour §3.5] steady at target says why with the numbers', () => {
    const snapshot = snapshotOf([eni(0, { cidrs: ips(0, 9) })], { now: NOW });
    assert.deepEqual(planPool(inputOf(snapshot)).resize, {
      kind: 'steady',
      reason: 'pool at target: 9 available ≥ 9 (WARM_ENI_TARGET 1 × 9 IPs per ENI)',
    });
  });

  it('[behaviour §3.6] blocked attachment (terminating / unschedulable) holds back growth and ENI freeing, not release', () => {
    const blocked = { attachmentBlockedBy: 'node is unschedulable' };
    assert.deepEqual(planPool(inputOf(low, blocked)).resize, {
      kind: 'steady',
      reason: 'pool too low but not growing: node is unschedulable',
    });
    const spare = snapshotOf(
      [eni(0, { cidrs: ips(0, 9) }), eni(1, { cidrs: ips(1, 9) }), eni(2, { cidrs: ips(2, 9) })],
      { now: NOW },
    );
    assert.deepEqual(planPool(inputOf(spare, blocked)).freeEni, {
      kind: 'keep',
      reason: 'not freeing ENIs: node is unschedulable',
    });
    assert.equal(planPool(inputOf(high, { ...blocked, targets: tg({ warmIpTarget: 1 }) })).resize.kind, 'release');
  });

  it('[behaviour §3.7] SIP WARM_ENI_TARGET: a whole spare ENI beyond the target is freed, one per tick', () => {
    const snapshot = snapshotOf(
      [eni(0, { cidrs: ips(0, 9) }), eni(1, { cidrs: ips(1, 9) }), eni(2, { cidrs: ips(2, 9) })],
      { now: NOW },
    );
    const plan = planPool(inputOf(snapshot));
    assert.equal(plan.resize.kind, 'steady');
    assert.deepEqual(plan.freeEni, {
      kind: 'free-eni',
      eniId: 'eni-2',
      deviceNumber: 2,
      reason:
        'free eni-2 (device 2): no pods, nothing in cooldown, 1000 s old, not needed for the targets; 27 available ≥ 18 ((WARM_ENI_TARGET 1 + 1) × 9 per ENI)',
    });
  });

  it('[behaviour §3.7] the ENI to free is judged after this tick’s release (reference order: decrease, then tryFreeENI)', () => {
    // WARM_IP 2: 6 available → release 4, taken from eni-2 (3) then eni-1 (1). Judged before the release, eni-1
    // would look spare (eni-2 has 3 free); after it, eni-1 holds the last 2 free IPs and must stay.
    const snapshot = snapshotOf(
      [
        eni(0, { cidrs: ips(0, 9, { assigned: 9 }) }),
        eni(1, { cidrs: ips(1, 3) }),
        eni(2, { cidrs: ips(2, 4, { assigned: 1 }) }),
      ],
      { now: NOW },
    );
    const plan = planPool(inputOf(snapshot, { targets: tg({ warmIpTarget: 2 }) }));
    assert.equal(plan.resize.kind, 'release');
    if (plan.resize.kind === 'release') assert.equal(plan.resize.cidrs.length, 4);
    assert.equal(plan.freeEni.kind, 'keep');
    assert.match(plan.freeEni.reason, /eni-1: required for WARM_IP_TARGET 2: other ENIs have 0 free/);
  });

  it('[behaviour §3.1] card > 0: WARM_IP_TARGET=1 and MINIMUM_IP_TARGET=1 apply whatever is configured', () => {
    const snapshot = snapshotOf([eni(0, { primary: false })], { now: NOW, networkCard: 1 });
    const plan = planPool(inputOf(snapshot, { targets: tg({ warmPrefixTarget: 3 }) }));
    assert.equal(plan.state.targets.warmIpTarget, 1);
    assert.equal(plan.resize.kind, 'assign');
    if (plan.resize.kind === 'assign') assert.equal(plan.resize.wanted, 1);
  });

  it('[behaviour §3.2] the plan exposes the numbers it was made from', () => {
    const plan = planPool(inputOf(low, { targets: tg({ warmIpTarget: 2, minimumIpTarget: 10 }) }));
    assert.deepEqual(plan.state.target, {
      ipTargetsDefined: true,
      short: 5,
      over: 0,
      shortPrefixes: 0,
      overPrefixes: 0,
    });
    assert.equal(plan.state.tooLow.result, true);
    assert.equal(plan.state.tooHigh.result, false);
    assert.equal(plan.state.removeExtraEnis.result, true);
  });
});
