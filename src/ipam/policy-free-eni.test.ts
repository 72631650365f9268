import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { pickEniToFree, shouldRemoveExtraEnis } from './policy-free-eni.js';
import type { PoolTargets } from './policy-types.js';
import { eni, ips, prefixes, snapshotOf, type EniBuild } from './policy.test-util.js';

const NOW = 1_000_000;
const AT = { now: NOW, minEniAgeMs: 60_000 };

function tg(t: Partial<PoolTargets>): PoolTargets {
  return { warmEniTarget: 1, warmIpTarget: 0, minimumIpTarget: 0, warmPrefixTarget: 0, ...t };
}

/** The primary ENI with 4 free IPs of 9, plus whatever the case adds. */
const primary = eni(0, { cidrs: ips(0, 9, { assigned: 5 }) });

describe('[behaviour §3.7] tryFreeENI eligibility (getDeletableENI), one exclusion at a time', () => {
  const cases: {
    name: string;
    enis: readonly EniBuild[];
    targets?: PoolTargets;
    pd?: boolean;
    check: string;
    reason: string;
    picked: string | null;
  }[] = [
    {
      name: '[behaviour §3.7] an old, empty secondary ENI not needed by any target is freed',
      enis: [primary, eni(1, { cidrs: ips(1, 9) })],
      check: 'eni-1',
      reason: 'no pods, nothing in cooldown, 1000 s old, not needed for the targets',
      picked: 'eni-1',
    },
    {
      name: '[behaviour §3.7] never the primary ENI',
      enis: [eni(0, { cidrs: ips(0, 9) })],
      check: 'eni-0',
      reason: 'primary ENI',
      picked: null,
    },
    {
      name: '[behaviour §3.2] ENIs younger than 60 s are kept',
      enis: [primary, eni(1, { createTime: NOW - 59_999, cidrs: ips(1, 9) })],
      check: 'eni-1',
      reason: 'too young (59 s < 60 s)',
      picked: null,
    },
    {
      name: '[behaviour §3.2] an ENI exactly 60 s old may go',
      enis: [primary, eni(1, { createTime: NOW - 60_000, cidrs: ips(1, 9) })],
      check: 'eni-1',
      reason: 'no pods, nothing in cooldown, 60 s old, not needed for the targets',
      picked: 'eni-1',
    },
    {
      name: '[behaviour §3.7] an ENI with an address in cooldown is kept',
      enis: [primary, eni(1, { cidrs: ips(1, 9, { cooldown: 1 }) })],
      check: 'eni-1',
      reason: '1 addresses in cooldown',
      picked: null,
    },
    {
      name: '[behaviour §3.7] an ENI with pods is kept',
      enis: [primary, eni(1, { cidrs: ips(1, 9, { assigned: 2 }) })],
      check: 'eni-1',
      reason: '2 pods',
      picked: null,
    },
    {
      name: '[behaviour §3.7] kept when required for WARM_IP_TARGET (other ENIs have 4 free < 5)',
      enis: [primary, eni(1, { cidrs: ips(1, 9) })],
      targets: tg({ warmIpTarget: 5 }),
      check: 'eni-1',
      reason: 'required for WARM_IP_TARGET 5: other ENIs have 4 free',
      picked: null,
    },
    {
      name: '[behaviour §3.7] freed when the others cover WARM_IP_TARGET (4 free ≥ 4)',
      enis: [primary, eni(1, { cidrs: ips(1, 9) })],
      targets: tg({ warmIpTarget: 4 }),
      check: 'eni-1',
      reason: 'no pods, nothing in cooldown, 1000 s old, not needed for the targets',
      picked: 'eni-1',
    },
    {
      name: '[behaviour §3.7] kept when required for MINIMUM_IP_TARGET (other ENIs hold 9 < 10)',
      enis: [primary, eni(1, { cidrs: ips(1, 9) })],
      targets: tg({ minimumIpTarget: 10 }),
      check: 'eni-1',
      reason: 'required for MINIMUM_IP_TARGET 10: other ENIs have 9 addresses',
      picked: null,
    },
    {
      name: '[behaviour §3.7] PD: WARM_IP_TARGET rounds up to a multiple of 16 (5 → 16; 6 free elsewhere is not enough)',
      enis: [eni(0, { cidrs: prefixes(0, [10]) }), eni(1, { cidrs: prefixes(1, [0]) })],
      targets: tg({ warmIpTarget: 5 }),
      pd: true,
      check: 'eni-1',
      reason: 'required for WARM_IP_TARGET 16: other ENIs have 6 free',
      picked: null,
    },
    {
      name: '[behaviour §3.7] PD: MINIMUM_IP_TARGET rounds up to a multiple of 16 (20 → 32)',
      enis: [eni(0, { cidrs: prefixes(0, [10]) }), eni(1, { cidrs: prefixes(1, [0]) })],
      targets: tg({ minimumIpTarget: 20 }),
      pd: true,
      check: 'eni-1',
      reason: 'required for MINIMUM_IP_TARGET 32: other ENIs have 16 addresses',
      picked: null,
    },
    {
      name: '[behaviour §3.7] PD: kept when required for WARM_PREFIX_TARGET (no free prefix elsewhere)',
      enis: [eni(0, { cidrs: prefixes(0, [10]) }), eni(1, { cidrs: prefixes(1, [0]) })],
      targets: tg({ warmPrefixTarget: 1 }),
      pd: true,
      check: 'eni-1',
      reason: 'required for WARM_PREFIX_TARGET 1: other ENIs have 0 free prefixes',
      picked: null,
    },
    {
      name: '[behaviour §3.7] never the trunk ENI',
      enis: [primary, eni(1, { trunk: true })],
      check: 'eni-1',
      reason: 'trunk ENI',
      picked: null,
    },
    {
      name: '[behaviour §3.7] never an EFA ENI',
      enis: [primary, eni(1, { efa: true })],
      check: 'eni-1',
      reason: 'EFA ENI',
      picked: null,
    },
    {
      name: '[behaviour §3.7] excluded ENIs do not count as "other ENIs" for the targets (eni-1 needed: eni-0 has 4 free < 10)',
      enis: [primary, eni(1, { cidrs: ips(1, 9) }), eni(2, { excluded: true, cidrs: ips(2, 9) })],
      targets: tg({ warmIpTarget: 10 }),
      check: 'eni-1',
      reason: 'required for WARM_IP_TARGET 10: other ENIs have 4 free',
      picked: 'eni-2',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { enis } = snapshotOf(c.enis, { prefixDelegation: c.pd ?? false, now: NOW });
      const got = pickEniToFree(enis, c.targets ?? tg({}), { prefixDelegation: c.pd ?? false }, AT);
      assert.equal(got.verdicts.find((v) => v.eniId === c.check)?.reason, c.reason);
      assert.equal(got.eni?.id ?? null, c.picked);
    });
  }

  it('[behaviour §3.7] at most one ENI, the highest device number first (map order made deterministic)', () => {
    const { enis } = snapshotOf([primary, eni(1, { cidrs: ips(1, 9) }), eni(2, { cidrs: ips(2, 9) })], { now: NOW });
    const got = pickEniToFree(enis, tg({}), { prefixDelegation: false }, AT);
    assert.equal(got.eni?.id, 'eni-2');
    assert.deepEqual(
      got.verdicts.map((v) => [v.eniId, v.freeable]),
      [
        ['eni-2', true],
        ['eni-1', true],
        ['eni-0', false],
      ],
    );
  });
});

describe('[behaviour §3.7] shouldRemoveExtraENIs', () => {
  const cases: {
    name: string;
    enis: readonly EniBuild[];
    targets: PoolTargets;
    pd?: boolean;
    maxIpsPerEni?: number;
    want: boolean;
    reason?: string;
  }[] = [
    {
      name: '[behaviour §3.7] IP targets defined → always look',
      enis: [primary],
      targets: tg({ warmIpTarget: 1 }),
      want: true,
      reason: 'IP targets defined: every ENI is checked against them',
    },
    {
      name: '[behaviour §3.7] SIP: available ≥ (WARM_ENI_TARGET + 1) × maxIPsPerENI → look',
      enis: [eni(0, { cidrs: ips(0, 9) }), eni(1, { cidrs: ips(1, 9) })],
      targets: tg({}),
      want: true,
      reason: '18 available ≥ 18 ((WARM_ENI_TARGET 1 + 1) × 9 per ENI)',
    },
    {
      name: '[behaviour §3.7] SIP: 17 available < 18 → do not look, even with an unused secondary ENI',
      enis: [eni(0, { cidrs: ips(0, 9, { assigned: 1 }) }), eni(1, { cidrs: ips(1, 9) })],
      targets: tg({}),
      want: false,
      reason: 'no extra ENI: 17 available < 18 ((WARM_ENI_TARGET 1 + 1) × 9 per ENI)',
    },
    {
      name: '[behaviour §3.7] PD: available ≥ (WARM_PREFIX_TARGET + 1) × maxPrefixesPerENI × 16 → look',
      enis: [eni(0, { cidrs: prefixes(0, [0, 0]) })],
      targets: tg({ warmPrefixTarget: 1 }),
      pd: true,
      maxIpsPerEni: 1,
      want: true,
    },
    {
      name: '[behaviour §3.7] PD fall-back: below the threshold, look when a secondary ENI has no pods',
      enis: [eni(0, { cidrs: prefixes(0, [10, 0]) }), eni(1)],
      targets: tg({ warmPrefixTarget: 1 }),
      pd: true,
      want: true,
      reason: 'eni-1 has no pods (22 available < 288 ((WARM_PREFIX_TARGET 1 + 1) × 144 per ENI))',
    },
    {
      name: '[behaviour §3.7] PD fall-back: every secondary ENI has pods → do not look',
      enis: [eni(0, { cidrs: prefixes(0, [10, 0]) }), eni(1, { cidrs: prefixes(1, [1]) })],
      targets: tg({ warmPrefixTarget: 1 }),
      pd: true,
      want: false,
    },
    {
      name: '[behaviour §3.7] PD fall-back ignores unused trunk and EFA ENIs',
      enis: [eni(0, { cidrs: prefixes(0, [10, 0]) }), eni(1, { trunk: true }), eni(2, { efa: true })],
      targets: tg({ warmPrefixTarget: 1 }),
      pd: true,
      want: false,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const pd = c.pd ?? false;
      const { enis, stats } = snapshotOf(c.enis, { prefixDelegation: pd, now: NOW });
      const got = shouldRemoveExtraEnis(
        stats,
        enis,
        c.targets,
        { maxIpsPerEni: c.maxIpsPerEni ?? 9 },
        { prefixDelegation: pd },
      );
      assert.equal(got.result, c.want);
      if (c.reason !== undefined) assert.equal(got.reason, c.reason);
    });
  }
});
