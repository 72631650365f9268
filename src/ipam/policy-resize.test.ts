import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { planPool } from './policy.js';
import { freeableCidrs, hasRoomForEni } from './policy-resize.js';
import type { PolicyInput, PoolTargets, ResizeDecision } from './policy-types.js';
import { M5_LARGE, PD, eni, inputOf, ips, prefixes, snapshotOf, type EniBuild } from './policy.test-util.js';

function tg(t: Partial<PoolTargets>): PoolTargets {
  return { warmEniTarget: 1, warmIpTarget: 0, minimumIpTarget: 0, warmPrefixTarget: 0, ...t };
}

const PD_LIMITS = { maxEnis: 3, maxIpsPerEni: 9, maxPods: 250 };

interface Case {
  readonly name: string;
  readonly enis: readonly EniBuild[];
  readonly pd?: boolean;
  readonly input?: Partial<PolicyInput>;
  readonly want: ResizeDecision | ((got: ResizeDecision) => void);
}

function run(cases: readonly Case[]): void {
  for (const c of cases) {
    it(c.name, () => {
      const snapshot = snapshotOf(c.enis, { prefixDelegation: c.pd ?? false });
      const got = planPool(inputOf(snapshot, c.input)).resize;
      if (typeof c.want === 'function') c.want(got);
      else assert.deepEqual(got, c.want);
    });
  }
}

/** Asserts the kind and the fields that matter, leaving the reason text to dedicated cases. */
function expectKind(want: Record<string, unknown> & { kind: ResizeDecision['kind'] }): (got: ResizeDecision) => void {
  return (got) => {
    assert.equal(got.kind, want.kind, `kind (reason: ${got.reason})`);
    for (const [k, v] of Object.entries(want)) assert.deepEqual((got as unknown as Record<string, unknown>)[k], v, k);
  };
}

describe('[behaviour §3.6] increase: what to request and where (SIP)', () => {
  run([
    {
      name: '[behaviour §3.6] step A: SIP without IP targets asks for a whole ENI’s worth, capped by the ENI’s free slots',
      enis: [eni(0, { cidrs: ips(0, 4, { assigned: 4 }) })],
      want: {
        kind: 'assign',
        unit: 'ip',
        wanted: 9,
        candidates: [{ eniId: 'eni-0', deviceNumber: 0, count: 5 }],
        eniFallback: { unit: 'ip', count: 9 },
        reason: 'want 9 IPs: assign 5 on eni-0 (device 0)',
      },
    },
    {
      name: '[behaviour §3.6] step A: with IP targets only the shortage is requested (WARM_IP 2, 1 available → 1)',
      enis: [eni(0, { cidrs: ips(0, 9, { assigned: 9 }) }), eni(1, { cidrs: ips(1, 3, { assigned: 2 }) })],
      input: { targets: tg({ warmIpTarget: 2 }) },
      want: expectKind({ kind: 'assign', wanted: 1, candidates: [{ eniId: 'eni-1', deviceNumber: 1, count: 1 }] }),
    },
    {
      name: '[behaviour §3.6] candidates in ascending device number (map order made deterministic); full ENIs skipped; no ENI fall-back at MAX_ENI',
      enis: [
        eni(2, { cidrs: ips(2, 3, { assigned: 3 }) }),
        eni(0, { cidrs: ips(0, 9, { assigned: 9 }) }),
        eni(1, { cidrs: ips(1, 5, { assigned: 5 }) }),
      ],
      input: { targets: tg({ warmIpTarget: 10 }) },
      want: expectKind({
        kind: 'assign',
        wanted: 10,
        candidates: [
          { eniId: 'eni-1', deviceNumber: 1, count: 4 },
          { eniId: 'eni-2', deviceNumber: 2, count: 6 },
        ],
        eniFallback: null,
      }),
    },
    {
      name: '[behaviour §3.6] step B: every ENI full → allocate an ENI with maxIPsPerENI IPs',
      enis: [eni(0, { cidrs: ips(0, 9, { assigned: 5 }) })],
      want: {
        kind: 'allocate-eni',
        unit: 'ip',
        count: 9,
        reason:
          'want 9 IPs, no existing ENI can be grown: attach a new ENI with 9; room for another ENI (1 of 3 attached)',
      },
    },
    {
      name: '[behaviour §3.6] step B with IP targets: new ENI gets min(short, maxIPsPerENI) = 3',
      enis: [eni(0, { cidrs: ips(0, 9, { assigned: 9 }) })],
      input: { targets: tg({ warmIpTarget: 3 }) },
      want: expectKind({ kind: 'allocate-eni', unit: 'ip', count: 3 }),
    },
    {
      name: '[behaviour §3.6] step B with IP targets: short 11 capped to maxIPsPerENI 9',
      enis: [eni(0, { cidrs: ips(0, 9) })],
      input: { targets: tg({ warmIpTarget: 2, minimumIpTarget: 20 }) },
      want: expectKind({ kind: 'allocate-eni', unit: 'ip', count: 9 }),
    },
    {
      name: '[behaviour §3.6] custom networking: the primary ENI is never grown, a new ENI is attached instead',
      enis: [eni(0)],
      input: { mode: { prefixDelegation: false, customNetworking: true } },
      want: expectKind({ kind: 'allocate-eni', unit: 'ip', count: 9 }),
    },
    {
      name: '[behaviour §3.6] custom networking: the primary ENI still takes an ENI slot (3 of 3 attached)',
      enis: [eni(0), eni(1, { cidrs: ips(1, 9, { assigned: 9 }) }), eni(2, { cidrs: ips(2, 9, { assigned: 9 }) })],
      input: { mode: { prefixDelegation: false, customNetworking: true } },
      want: { kind: 'steady', reason: 'no room for another ENI (3 of 3 attached)' },
    },
    {
      name: '[behaviour §3.6] trunk and excluded ENIs are not grown',
      enis: [eni(0, { cidrs: ips(0, 9, { assigned: 9 }) }), eni(1, { trunk: true }), eni(2, { excluded: true })],
      input: { limits: { ...M5_LARGE, maxEnis: 4 } },
      want: expectKind({ kind: 'allocate-eni', count: 9 }),
    },
    {
      name: '[behaviour §3.6] MAX_ENI reached → steady with the reason',
      enis: [
        eni(0, { cidrs: ips(0, 9, { assigned: 9 }) }),
        eni(1, { cidrs: ips(1, 9, { assigned: 9 }) }),
        eni(2, { cidrs: ips(2, 9, { assigned: 5 }) }),
      ],
      input: { limits: { ...M5_LARGE, maxPods: 110 } },
      want: { kind: 'steady', reason: 'no room for another ENI (3 of 3 attached)' },
    },
    {
      name: '[behaviour §3.6] a /28 left over on an ENI takes one of its slots (SIP counts every CIDR)',
      enis: [eni(0, { cidrs: [...ips(0, 4, { assigned: 4 }), ...prefixes(7, [0])] })],
      want: expectKind({ kind: 'assign', candidates: [{ eniId: 'eni-0', deviceNumber: 0, count: 4 }] }),
    },
  ]);
});

describe('[behaviour §3.6; behaviour §10.1] increase in prefix delegation', () => {
  const pdInput = (t: Partial<PoolTargets>): Partial<PolicyInput> => ({ targets: tg(t), limits: PD_LIMITS, mode: PD });
  run([
    {
      name: '[behaviour §10.1] WARM_PREFIX_TARGET=1, empty pool → max(1, 1 − 0) = 1 prefix on the primary ENI',
      enis: [eni(0)],
      pd: true,
      input: pdInput({ warmPrefixTarget: 1 }),
      want: expectKind({
        kind: 'assign',
        unit: 'prefix',
        wanted: 1,
        candidates: [{ eniId: 'eni-0', deviceNumber: 0, count: 1 }],
      }),
    },
    {
      name: '[behaviour §10.1] docs: WARM_IP_TARGET=5, 0 pods → 1 prefix',
      enis: [eni(0)],
      pd: true,
      input: pdInput({ warmIpTarget: 5 }),
      want: expectKind({ kind: 'assign', unit: 'prefix', wanted: 1 }),
    },
    {
      name: '[behaviour §10.1] docs: MINIMUM_IP_TARGET=20 → 2 prefixes',
      enis: [eni(0)],
      pd: true,
      input: pdInput({ minimumIpTarget: 20 }),
      want: expectKind({
        kind: 'assign',
        unit: 'prefix',
        wanted: 2,
        candidates: [{ eniId: 'eni-0', deviceNumber: 0, count: 2 }],
      }),
    },
    {
      name: '[behaviour §3.6] PD: per-ENI request capped by its free prefix slots (want 4, 2 slots left)',
      enis: [eni(0, { cidrs: prefixes(0, [16, 16, 16, 16, 16, 16, 16]) })],
      pd: true,
      input: pdInput({ warmIpTarget: 1, minimumIpTarget: 176 }),
      want: expectKind({
        kind: 'assign',
        wanted: 4,
        candidates: [{ eniId: 'eni-0', deviceNumber: 0, count: 2 }],
        eniFallback: { unit: 'prefix', count: 4 },
      }),
    },
    {
      name: '[behaviour §10.1] new ENI created with min(prefixesNeeded, maxPrefixesPerENI) prefixes (WARM_PREFIX 1 → 1)',
      enis: [eni(0, { cidrs: prefixes(0, [16, 16, 16, 16, 16, 16, 16, 16, 9]) })],
      pd: true,
      input: pdInput({ warmPrefixTarget: 1 }),
      want: expectKind({ kind: 'allocate-eni', unit: 'prefix', count: 1 }),
    },
    {
      name: '[behaviour §10.1] new ENI with IP targets: MIN 200 vs 144 total → ceil(56/16) = 4 prefixes',
      enis: [eni(0, { cidrs: prefixes(0, [16, 16, 16, 16, 16, 16, 16, 16, 16]) })],
      pd: true,
      input: pdInput({ warmIpTarget: 1, minimumIpTarget: 200 }),
      want: expectKind({ kind: 'allocate-eni', unit: 'prefix', count: 4 }),
    },
  ]);
});

describe('[behaviour §3.6] hasRoomForEni', () => {
  const cases: {
    name: string;
    enis: number;
    maxEnis: number;
    unmanaged: number;
    trunk: number;
    room: boolean;
    reason: string;
  }[] = [
    {
      name: '[behaviour §3.6] 2 of 3 → room',
      enis: 2,
      maxEnis: 3,
      unmanaged: 0,
      trunk: 0,
      room: true,
      reason: 'room for another ENI (2 of 3 attached)',
    },
    {
      name: '[behaviour §3.6] 3 of 3 → no room',
      enis: 3,
      maxEnis: 3,
      unmanaged: 0,
      trunk: 0,
      room: false,
      reason: 'no room for another ENI (3 of 3 attached)',
    },
    {
      name: '[behaviour §3.6] unmanaged ENIs and the trunk reserve lower the limit',
      enis: 2,
      maxEnis: 4,
      unmanaged: 1,
      trunk: 1,
      room: false,
      reason: 'no room for another ENI (2 of 2 attached: 4 max − 1 unmanaged − 1 kept for the trunk ENI)',
    },
    {
      name: '[behaviour §3.6] 1 ENI with limit 4 − 1 − 1 → room',
      enis: 1,
      maxEnis: 4,
      unmanaged: 1,
      trunk: 1,
      room: true,
      reason: 'room for another ENI (1 of 2 attached: 4 max − 1 unmanaged − 1 kept for the trunk ENI)',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const snapshot = snapshotOf(Array.from({ length: c.enis }, (_, i) => eni(i)));
      assert.deepEqual(
        hasRoomForEni(snapshot, { maxEnis: c.maxEnis }, { unmanagedEnis: c.unmanaged, trunkReserve: c.trunk }),
        { result: c.room, reason: c.reason },
      );
    });
  }
});

describe('[behaviour §3.7] decrease: release amount and freeable CIDRs', () => {
  run([
    {
      name: '[behaviour §3.7] release `over` CIDRs, highest device first, highest address first',
      enis: [eni(0, { cidrs: ips(0, 9, { assigned: 2 }) }), eni(1, { cidrs: ips(1, 3) })],
      input: { targets: tg({ warmIpTarget: 2 }) },
      want: expectKind({
        kind: 'release',
        over: 8,
        cidrs: [
          ...['10.0.1.12/32', '10.0.1.11/32', '10.0.1.10/32'].map((cidr) => ({
            eniId: 'eni-1',
            cidr,
            isPrefix: false,
          })),
          ...['10.0.0.18/32', '10.0.0.17/32', '10.0.0.16/32', '10.0.0.15/32', '10.0.0.14/32'].map((cidr) => ({
            eniId: 'eni-0',
            cidr,
            isPrefix: false,
          })),
        ],
        reason: '8 IPs over the IP targets: release 8 from eni-1, eni-0',
      }),
    },
    {
      name: '[behaviour §3.7; behaviour §13.4] quirk: /32s in cooldown are freeable; assigned ones never',
      enis: [eni(0, { cidrs: ips(0, 5, { assigned: 1, cooldown: 2 }) })],
      input: { targets: tg({ warmIpTarget: 1 }) },
      want: expectKind({
        kind: 'release',
        over: 3,
        cidrs: ['10.0.0.14/32', '10.0.0.13/32', '10.0.0.12/32'].map((cidr) => ({
          eniId: 'eni-0',
          cidr,
          isPrefix: false,
        })),
      }),
    },
    {
      name: '[behaviour §3.7] PD without IP targets: release freePrefixes − WARM_PREFIX_TARGET prefixes with no pod',
      enis: [eni(0, { cidrs: prefixes(0, [3, 0, 0, 0]) })],
      pd: true,
      input: { targets: tg({ warmPrefixTarget: 1 }), limits: PD_LIMITS },
      want: expectKind({
        kind: 'release',
        over: 2,
        cidrs: ['10.0.0.48/28', '10.0.0.32/28'].map((cidr) => ({ eniId: 'eni-0', cidr, isPrefix: true })),
        reason: '2 prefixes over WARM_PREFIX_TARGET 1: release 2 from eni-0',
      }),
    },
    {
      name: '[behaviour §3.7] PD with IP targets: release overPrefixes (WARM_IP 16, 1 pod, 2 free prefixes → 1)',
      enis: [eni(0, { cidrs: prefixes(0, [1, 0, 0]) })],
      pd: true,
      input: { targets: tg({ warmIpTarget: 16 }), limits: PD_LIMITS },
      want: expectKind({ kind: 'release', over: 1, cidrs: [{ eniId: 'eni-0', cidr: '10.0.0.32/28', isPrefix: true }] }),
    },
    {
      name: '[behaviour §3.7] SIP with WARM_ENI_TARGET only never releases single IPs',
      enis: [eni(0, { cidrs: ips(0, 9) }), eni(1, { cidrs: ips(1, 9) }), eni(2, { cidrs: ips(2, 9) })],
      want: { kind: 'steady', reason: 'pool at target: 27 available ≥ 9 (WARM_ENI_TARGET 1 × 9 IPs per ENI)' },
    },
  ]);

  it('[behaviour §3.7] freeableCidrs: limited to the count, skips CIDRs with pods, walks every ENI', () => {
    const { enis } = snapshotOf([
      eni(0, { cidrs: ips(0, 2) }),
      eni(1, { excluded: true, cidrs: ips(1, 2, { assigned: 1 }) }),
      eni(2, { cidrs: ips(2, 1, { assigned: 1 }) }),
    ]);
    assert.deepEqual(
      freeableCidrs(enis, 2).map((c) => c.cidr),
      ['10.0.1.11/32', '10.0.0.11/32'],
    );
    assert.deepEqual(freeableCidrs(enis, 0), []);
  });
});
