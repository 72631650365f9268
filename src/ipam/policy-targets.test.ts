import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  effectiveTargets,
  ipTargetsDefined,
  isPoolTooHigh,
  isPoolTooLow,
  releaseCount,
  targetState,
} from './policy-targets.js';
import type { PoolTargets, TargetState } from './policy-types.js';
import type { PoolStats } from './types.js';

function st(s: {
  total: number;
  assigned: number;
  cooldown?: number;
  totalPrefixes?: number;
  freePrefixes?: number;
}): PoolStats {
  return {
    totalIPs: s.total,
    assignedIPs: s.assigned,
    cooldownIPs: s.cooldown ?? 0,
    availableIPs: s.total - s.assigned,
    totalPrefixes: s.totalPrefixes ?? 0,
    freePrefixes: s.freePrefixes ?? 0,
  };
}

function tg(t: Partial<PoolTargets>): PoolTargets {
  return { warmEniTarget: 1, warmIpTarget: 0, minimumIpTarget: 0, warmPrefixTarget: 0, ...t };
}

const SIP = { prefixDelegation: false } as const;
const PD = { prefixDelegation: true } as const;
const LIMITS = { maxIpsPerEni: 9, maxPods: 29 };

describe('[behaviour §3.1] IP targets defined', () => {
  const cases: { name: string; targets: PoolTargets; want: boolean }[] = [
    {
      name: '[behaviour §3.1] neither WARM_IP_TARGET nor MINIMUM_IP_TARGET → not defined',
      targets: tg({ warmPrefixTarget: 1 }),
      want: false,
    },
    { name: '[behaviour §3.1] WARM_IP_TARGET ≠ 0 → defined', targets: tg({ warmIpTarget: 1 }), want: true },
    {
      name: '[behaviour §3.1] MINIMUM_IP_TARGET ≠ 0 alone → defined',
      targets: tg({ minimumIpTarget: 10 }),
      want: true,
    },
  ];
  for (const c of cases) it(c.name, () => assert.equal(ipTargetsDefined(c.targets), c.want));

  it('[behaviour §3.1] cards > 0 use WARM_IP_TARGET=1 and MINIMUM_IP_TARGET=1 whatever is configured', () => {
    const base = tg({ warmIpTarget: 7, minimumIpTarget: 30, warmPrefixTarget: 2 });
    assert.deepEqual(effectiveTargets(base, 0), base);
    assert.deepEqual(effectiveTargets(base, 1), { ...base, warmIpTarget: 1, minimumIpTarget: 1 });
  });
});

describe('[behaviour §3.4] datastoreTargetState (SIP)', () => {
  const cases: { name: string; stats: PoolStats; targets: PoolTargets; want: Partial<TargetState> }[] = [
    {
      name: '[behaviour §3.4] no IP targets → everything 0, not defined',
      stats: st({ total: 9, assigned: 0 }),
      targets: tg({}),
      want: { ipTargetsDefined: false, short: 0, over: 0 },
    },
    {
      name: '[behaviour §3.4] short = WARM_IP − available (5 − 2 = 3)',
      stats: st({ total: 7, assigned: 5 }),
      targets: tg({ warmIpTarget: 5 }),
      want: { ipTargetsDefined: true, short: 3, over: 0 },
    },
    {
      name: '[behaviour §3.4] short = MIN_IP − TotalIPs when larger (empty pool: max(2, 10) = 10)',
      stats: st({ total: 0, assigned: 0 }),
      targets: tg({ warmIpTarget: 2, minimumIpTarget: 10 }),
      want: { short: 10, over: 0 },
    },
    {
      name: '[behaviour §3.4] short from MIN_IP alone: 9 total, 9 available, MIN 10 → 1',
      stats: st({ total: 9, assigned: 0 }),
      targets: tg({ warmIpTarget: 2, minimumIpTarget: 10 }),
      want: { short: 1, over: 0 },
    },
    {
      name: '[behaviour §3.4] over = min(available − WARM_IP, TotalIPs − MIN_IP) (min(13, 8) = 8)',
      stats: st({ total: 18, assigned: 3 }),
      targets: tg({ warmIpTarget: 2, minimumIpTarget: 10 }),
      want: { short: 0, over: 8 },
    },
    {
      name: '[behaviour §3.4] MINIMUM_IP_TARGET without WARM_IP_TARGET freezes the pool at the minimum (12 total → over 2)',
      stats: st({ total: 12, assigned: 0 }),
      targets: tg({ minimumIpTarget: 10 }),
      want: { short: 0, over: 2 },
    },
    {
      name: '[behaviour §3.3] quirk: cooldown IPs count as available (5 total, 1 assigned, 3 cooling, WARM_IP 2 → over 2)',
      stats: st({ total: 5, assigned: 1, cooldown: 3 }),
      targets: tg({ warmIpTarget: 2 }),
      want: { short: 0, over: 2 },
    },
    {
      name: '[behaviour §3.4] SIP never reports prefixes',
      stats: st({ total: 0, assigned: 0 }),
      targets: tg({ warmIpTarget: 20 }),
      want: { short: 20, shortPrefixes: 0, overPrefixes: 0 },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = targetState(c.stats, c.targets, SIP);
      for (const [k, v] of Object.entries(c.want)) assert.equal(got[k as keyof TargetState], v, k);
    });
  }
});

describe('[behaviour §3.4; behaviour §10.1] PD conversion to prefixes (docs/prefix-and-ip-target.md examples)', () => {
  const cases: { name: string; stats: PoolStats; targets: PoolTargets; shortPrefixes: number; overPrefixes: number }[] =
    [
      {
        name: '[behaviour §10.1] WARM_IP_TARGET=5, 0 pods, no prefixes → 1 prefix',
        stats: st({ total: 0, assigned: 0 }),
        targets: tg({ warmIpTarget: 5 }),
        shortPrefixes: 1,
        overPrefixes: 0,
      },
      {
        name: '[behaviour §10.1] MINIMUM_IP_TARGET=20 → 2 prefixes (20 rounds up to 32)',
        stats: st({ total: 0, assigned: 0 }),
        targets: tg({ minimumIpTarget: 20 }),
        shortPrefixes: 2,
        overPrefixes: 0,
      },
      {
        name: '[behaviour §10.1] WARM_IP=7, MIN=20, 0 pods → 2 prefixes',
        stats: st({ total: 0, assigned: 0 }),
        targets: tg({ warmIpTarget: 7, minimumIpTarget: 20 }),
        shortPrefixes: 2,
        overPrefixes: 0,
      },
      {
        name: '[behaviour §10.1] WARM_IP=1, MIN=1, 16 pods on one prefix → 1 more prefix (17th pod gets a 2nd prefix)',
        stats: st({ total: 16, assigned: 16, totalPrefixes: 1, freePrefixes: 0 }),
        targets: tg({ warmIpTarget: 1, minimumIpTarget: 1 }),
        shortPrefixes: 1,
        overPrefixes: 0,
      },
      {
        name: '[behaviour §3.4] overPrefixes: WARM_IP=16, 1 pod, 3 prefixes (2 free) → need ceil(17/16)=2 → 1 over',
        stats: st({ total: 48, assigned: 1, totalPrefixes: 3, freePrefixes: 2 }),
        targets: tg({ warmIpTarget: 16 }),
        shortPrefixes: 0,
        overPrefixes: 1,
      },
      {
        name: '[behaviour §3.4] overPrefixes capped by neededForMin: WARM_IP=1, MIN=40, 4 free prefixes → keep 3 → 1 over',
        stats: st({ total: 64, assigned: 0, totalPrefixes: 4, freePrefixes: 4 }),
        targets: tg({ warmIpTarget: 1, minimumIpTarget: 40 }),
        shortPrefixes: 0,
        overPrefixes: 1,
      },
      {
        name: '[behaviour §3.4] overPrefixes capped by freePrefixes: 3 prefixes with 1 pod each → 0 over although 44 IPs over',
        stats: st({ total: 48, assigned: 3, totalPrefixes: 3, freePrefixes: 0 }),
        targets: tg({ warmIpTarget: 1 }),
        shortPrefixes: 0,
        overPrefixes: 0,
      },
    ];
  for (const c of cases) {
    it(c.name, () => {
      const got = targetState(c.stats, c.targets, PD);
      assert.equal(got.shortPrefixes, c.shortPrefixes, 'shortPrefixes');
      assert.equal(got.overPrefixes, c.overPrefixes, 'overPrefixes');
    });
  }
});

describe('[behaviour §3.5] isDatastorePoolTooLow', () => {
  const cases: { name: string; stats: PoolStats; targets: PoolTargets; pd?: boolean; low: boolean; reason?: string }[] =
    [
      {
        name: '[behaviour §3.5] rule 1: TotalIPs ≥ maxPods → not low, whatever the targets',
        stats: st({ total: 29, assigned: 29 }),
        targets: tg({ warmIpTarget: 5 }),
        low: false,
        reason: 'at maxPods ceiling: 29 IPs ≥ maxPods 29',
      },
      {
        name: '[behaviour §3.5] SIP: low when available < maxIPsPerENI × WARM_ENI_TARGET (8 < 9)',
        stats: st({ total: 9, assigned: 1 }),
        targets: tg({}),
        low: true,
        reason: 'pool too low: 8 available < 9 (WARM_ENI_TARGET 1 × 9 IPs per ENI)',
      },
      {
        name: '[behaviour §3.5] SIP: not low when available = maxIPsPerENI × WARM_ENI_TARGET',
        stats: st({ total: 9, assigned: 0 }),
        targets: tg({}),
        low: false,
        reason: 'pool at target: 9 available ≥ 9 (WARM_ENI_TARGET 1 × 9 IPs per ENI)',
      },
      {
        name: '[behaviour §3.5] SIP: WARM_ENI_TARGET=2 needs 18 available (17 → low)',
        stats: st({ total: 18, assigned: 1 }),
        targets: tg({ warmEniTarget: 2 }),
        low: true,
      },
      {
        name: '[behaviour §3.5] SIP edge: WARM_ENI_TARGET=0 and available 0 → low',
        stats: st({ total: 0, assigned: 0 }),
        targets: tg({ warmEniTarget: 0 }),
        low: true,
        reason: 'pool too low: 0 available and WARM_ENI_TARGET is 0',
      },
      {
        name: '[behaviour §3.5] SIP: WARM_ENI_TARGET=0 and 1 available → not low',
        stats: st({ total: 1, assigned: 0 }),
        targets: tg({ warmEniTarget: 0 }),
        low: false,
      },
      {
        name: '[behaviour §3.5] rule 2: IP targets override WARM_ENI_TARGET (2 available meets WARM_IP 2)',
        stats: st({ total: 2, assigned: 0 }),
        targets: tg({ warmIpTarget: 2 }),
        low: false,
      },
      {
        name: '[behaviour §3.5] rule 2: IP targets defined → low ⇔ short > 0',
        stats: st({ total: 7, assigned: 5 }),
        targets: tg({ warmIpTarget: 5, minimumIpTarget: 10 }),
        low: true,
        reason: 'pool too low: short 3 IPs (2 available vs WARM_IP_TARGET 5, 7 total vs MINIMUM_IP_TARGET 10)',
      },
      {
        name: '[behaviour §3.3] quirk: a pool of nothing but cooldown IPs is "at target" (9 cooling = 9 available)',
        stats: st({ total: 9, assigned: 0, cooldown: 9 }),
        targets: tg({}),
        low: false,
      },
      {
        name: '[behaviour §3.5] PD: low when available < 16 × WARM_PREFIX_TARGET (15 < 16)',
        stats: st({ total: 16, assigned: 1, totalPrefixes: 1 }),
        targets: tg({ warmPrefixTarget: 1 }),
        pd: true,
        low: true,
        reason: 'pool too low: 15 available < 16 (WARM_PREFIX_TARGET 1 × 16 per prefix)',
      },
      {
        name: '[behaviour §3.5] PD: 16 available meets WARM_PREFIX_TARGET 1',
        stats: st({ total: 32, assigned: 16, totalPrefixes: 2, freePrefixes: 1 }),
        targets: tg({ warmPrefixTarget: 1 }),
        pd: true,
        low: false,
      },
      {
        name: '[behaviour §3.5] PD edge: WARM_PREFIX_TARGET=0 and available 0 → low',
        stats: st({ total: 16, assigned: 16, totalPrefixes: 1 }),
        targets: tg({ warmPrefixTarget: 0 }),
        pd: true,
        low: true,
      },
      {
        name: '[behaviour §3.5] PD: IP targets override WARM_PREFIX_TARGET (5 available ≥ WARM_IP 1)',
        stats: st({ total: 16, assigned: 11, totalPrefixes: 1 }),
        targets: tg({ warmPrefixTarget: 1, warmIpTarget: 1 }),
        pd: true,
        low: false,
      },
    ];
  for (const c of cases) {
    it(c.name, () => {
      const got = isPoolTooLow(c.stats, c.targets, LIMITS, c.pd === true ? PD : SIP);
      assert.equal(got.result, c.low);
      if (c.reason !== undefined) assert.equal(got.reason, c.reason);
    });
  }
});

describe('[behaviour §3.7] isDatastorePoolTooHigh and the release amount', () => {
  const cases: {
    name: string;
    stats: PoolStats;
    targets: PoolTargets;
    pd?: boolean;
    high: boolean;
    release: number;
  }[] = [
    {
      name: '[behaviour §3.7] SIP with WARM_ENI_TARGET only: never too high (27 available)',
      stats: st({ total: 27, assigned: 0 }),
      targets: tg({}),
      high: false,
      release: 0,
    },
    {
      name: '[behaviour §3.7] SIP IP targets: too high ⇔ over > 0 (8 over)',
      stats: st({ total: 18, assigned: 3 }),
      targets: tg({ warmIpTarget: 2, minimumIpTarget: 10 }),
      high: true,
      release: 8,
    },
    {
      name: '[behaviour §3.7] SIP IP targets: at target → not too high',
      stats: st({ total: 10, assigned: 8 }),
      targets: tg({ warmIpTarget: 2, minimumIpTarget: 10 }),
      high: false,
      release: 0,
    },
    {
      name: '[behaviour §3.7; behaviour §3.3] quirk: cooldown IPs make the pool too high (over 2)',
      stats: st({ total: 5, assigned: 1, cooldown: 3 }),
      targets: tg({ warmIpTarget: 2 }),
      high: true,
      release: 2,
    },
    {
      name: '[behaviour §3.7] PD no IP targets: freePrefixes 3 > WARM_PREFIX_TARGET 1 → release 2',
      stats: st({ total: 64, assigned: 3, totalPrefixes: 4, freePrefixes: 3 }),
      targets: tg({ warmPrefixTarget: 1 }),
      pd: true,
      high: true,
      release: 2,
    },
    {
      name: '[behaviour §3.7] PD no IP targets: freePrefixes 1 = WARM_PREFIX_TARGET → not too high',
      stats: st({ total: 32, assigned: 3, totalPrefixes: 2, freePrefixes: 1 }),
      targets: tg({ warmPrefixTarget: 1 }),
      pd: true,
      high: false,
      release: 0,
    },
    {
      name: '[behaviour §3.7] PD IP targets: too high ⇔ overPrefixes > 0 (release counts prefixes)',
      stats: st({ total: 48, assigned: 1, totalPrefixes: 3, freePrefixes: 2 }),
      targets: tg({ warmIpTarget: 16 }),
      pd: true,
      high: true,
      release: 1,
    },
    {
      name: '[behaviour §3.7] PD IP targets: 44 IPs over but no free prefix → not too high',
      stats: st({ total: 48, assigned: 3, totalPrefixes: 3, freePrefixes: 0 }),
      targets: tg({ warmIpTarget: 1 }),
      pd: true,
      high: false,
      release: 0,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const mode = c.pd === true ? PD : SIP;
      assert.equal(isPoolTooHigh(c.stats, c.targets, mode).result, c.high);
      assert.equal(releaseCount(c.stats, c.targets, mode), c.release);
    });
  }

  it('[behaviour §3.7] reasons carry the numbers', () => {
    assert.equal(
      isPoolTooHigh(st({ total: 64, assigned: 3, totalPrefixes: 4, freePrefixes: 3 }), tg({ warmPrefixTarget: 1 }), PD)
        .reason,
      'pool too high: 3 free prefixes > WARM_PREFIX_TARGET 1',
    );
    assert.equal(
      isPoolTooHigh(st({ total: 18, assigned: 3 }), tg({ warmIpTarget: 2, minimumIpTarget: 10 }), SIP).reason,
      'pool too high: 8 IPs over target (15 available vs WARM_IP_TARGET 2, 18 total vs MINIMUM_IP_TARGET 10)',
    );
  });
});
