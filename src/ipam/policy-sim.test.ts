/**
 * A deterministic closed loop: a toy datastore + EC2 in this file, the real policy, a manual clock, pods arriving
 * and leaving. It guards against plans that oscillate (grow, release, grow …) or never converge.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { formatIpv4, parseIpv4 } from './cidr.js';
import { manualClock } from './clock.js';
import { planPool, type PoolLimits, type PoolMode, type PoolPlan, type PoolTargets } from './policy.js';
import { M5_LARGE, snapshotOf, type CidrSpec, type EniBuild } from './policy.test-util.js';
import type { DatastoreSnapshot } from './types.js';

const TICK_MS = 5_000;
const COOLDOWN_MS = 30_000;

interface ToyAddress {
  pod: number | null;
  releasedAt: number | null;
}
interface ToyCidr {
  readonly cidr: string;
  readonly addresses: ToyAddress[];
}
interface ToyEni {
  readonly device: number;
  readonly createTime: number;
  cidrs: ToyCidr[];
}

/** The toy: ENIs with CIDRs, pods packed onto the lowest device number, a 30 s cooldown after a pod leaves. */
class ToyNode {
  enis: ToyEni[] = [{ device: 0, createTime: 0, cidrs: [] }];
  readonly actions: string[] = [];
  lastDecreaseAt: number | undefined;
  #next = parseIpv4('10.1.0.0');
  #pods: number[] = [];
  #podSeq = 0;

  readonly #pd: boolean;

  constructor(pd: boolean) {
    this.#pd = pd;
  }

  #newCidr(): ToyCidr {
    const size = this.#pd ? 16 : 1;
    const network = this.#next;
    this.#next += size;
    const addresses = Array.from({ length: size }, () => ({ pod: null, releasedAt: null }));
    return { cidr: `${formatIpv4(network)}/${this.#pd ? 28 : 32}`, addresses };
  }

  snapshot(now: number): DatastoreSnapshot {
    const builds: EniBuild[] = this.enis.map((e) => ({
      device: e.device,
      createTime: e.createTime,
      cidrs: e.cidrs.map((c): CidrSpec => ({
        cidr: c.cidr,
        assigned: c.addresses.filter((a) => a.pod !== null).length,
        cooldown: c.addresses.filter((a) => a.pod === null && a.releasedAt !== null && now - a.releasedAt < COOLDOWN_MS)
          .length,
      })),
    }));
    return snapshotOf(builds, { prefixDelegation: this.#pd, now });
  }

  /** CNI ADD: false when no address is free (the pod retries on the next tick, as kubelet would). */
  addPod(now: number): boolean {
    for (const e of [...this.enis].sort((a, b) => a.device - b.device)) {
      for (const c of e.cidrs) {
        const a = c.addresses.find(
          (x) => x.pod === null && (x.releasedAt === null || now - x.releasedAt >= COOLDOWN_MS),
        );
        if (a !== undefined) {
          a.pod = ++this.#podSeq;
          this.#pods.push(a.pod);
          return true;
        }
      }
    }
    return false;
  }

  /** CNI DEL of the newest pod (pods on the highest ENIs tend to go first). */
  removePod(now: number): void {
    const pod = this.#pods.pop();
    for (const a of this.enis.flatMap((e) => e.cidrs.flatMap((c) => c.addresses))) {
      if (a.pod === pod) Object.assign(a, { pod: null, releasedAt: now });
    }
  }

  get pods(): number {
    return this.#pods.length;
  }

  /** The executor: carries out a plan with an EC2 that always succeeds at once. */
  apply(plan: PoolPlan, now: number): void {
    const r = plan.resize;
    switch (r.kind) {
      case 'steady':
        break;
      case 'assign': {
        const target = this.enis.find((e) => e.device === r.candidates[0].deviceNumber);
        assert.ok(target);
        for (let i = 0; i < r.candidates[0].count; i++) target.cidrs.push(this.#newCidr());
        this.actions.push(`${now} assign ${r.candidates[0].count} on ${r.candidates[0].eniId}`);
        break;
      }
      case 'allocate-eni': {
        const used = new Set(this.enis.map((e) => e.device));
        let device = 1;
        while (used.has(device)) device += 1;
        this.enis.push({ device, createTime: now, cidrs: Array.from({ length: r.count }, () => this.#newCidr()) });
        this.actions.push(`${now} allocate eni-${device} with ${r.count}`);
        break;
      }
      case 'release': {
        const gone = new Set(r.cidrs.map((c) => c.cidr));
        for (const e of this.enis)
          e.cidrs = e.cidrs.filter((c) => !gone.has(c.cidr) || c.addresses.some((a) => a.pod !== null));
        this.lastDecreaseAt = now;
        if (r.cidrs.length > 0) this.actions.push(`${now} release ${r.cidrs.length}`);
        break;
      }
    }
    if (plan.freeEni.kind === 'free-eni') {
      const id = plan.freeEni.eniId;
      const victim = this.enis.find((e) => `eni-${e.device}` === id);
      assert.ok(victim && victim.cidrs.every((c) => c.addresses.every((a) => a.pod === null)), `freed ${id} had pods`);
      this.enis = this.enis.filter((e) => e !== victim);
      this.actions.push(`${now} free ${id}`);
    }
  }
}

interface Scenario {
  readonly name: string;
  readonly mode: PoolMode;
  readonly targets: PoolTargets;
  readonly limits: PoolLimits;
  /** What the settled pool must look like for `pods` running pods. */
  readonly settled: (s: DatastoreSnapshot, pods: number) => void;
}

const SIP: PoolMode = { prefixDelegation: false, customNetworking: false };
const PD: PoolMode = { prefixDelegation: true, customNetworking: false };

const scenarios: readonly Scenario[] = [
  {
    name: '[behaviour §3.4] convergence: WARM_IP_TARGET=2, MINIMUM_IP_TARGET=10 on m5.large settles at max(10, pods + 2) IPs',
    mode: SIP,
    targets: { warmEniTarget: 1, warmIpTarget: 2, minimumIpTarget: 10, warmPrefixTarget: 0 },
    limits: M5_LARGE,
    settled: (s, pods) => {
      assert.equal(s.stats.totalIPs, Math.max(10, pods + 2), 'total');
      assert.equal(s.stats.assignedIPs, pods);
    },
  },
  {
    name: '[behaviour §3.5] convergence: WARM_ENI_TARGET=1 on m5.large keeps at least one ENI’s worth free, never two',
    mode: SIP,
    targets: { warmEniTarget: 1, warmIpTarget: 0, minimumIpTarget: 0, warmPrefixTarget: 0 },
    limits: M5_LARGE,
    settled: (s) => {
      assert.ok(s.stats.availableIPs >= 9 || s.stats.totalIPs >= 27, `available ${s.stats.availableIPs}`);
      assert.ok(s.stats.availableIPs < 18, `available ${s.stats.availableIPs}`);
    },
  },
  {
    name: '[behaviour §10.1] convergence: PD WARM_PREFIX_TARGET=1 keeps exactly one free prefix and ≥ 16 available',
    mode: PD,
    targets: { warmEniTarget: 1, warmIpTarget: 0, minimumIpTarget: 0, warmPrefixTarget: 1 },
    limits: { maxEnis: 3, maxIpsPerEni: 9, maxPods: 110 },
    settled: (s) => {
      assert.equal(s.stats.freePrefixes, 1, 'free prefixes');
      assert.ok(s.stats.availableIPs >= 16);
    },
  },
];

describe('[behaviour §3.2] closed-loop simulation (pods arrive and leave, manual clock)', () => {
  for (const sc of scenarios) {
    it(sc.name, () => {
      const clock = manualClock(0);
      const node = new ToyNode(sc.mode.prefixDelegation);
      let pending = 0;
      const tick = (): void => {
        clock.advance(TICK_MS);
        while (pending > 0 && node.addPod(clock.now())) pending -= 1;
        const timing = {
          now: clock.now(),
          ...(node.lastDecreaseAt === undefined ? {} : { lastDecreaseAt: node.lastDecreaseAt }),
        };
        const plan = planPool({
          snapshot: node.snapshot(clock.now()),
          targets: sc.targets,
          limits: sc.limits,
          mode: sc.mode,
          unmanagedEnis: 0,
          trunkReserve: 0,
          timing,
        });
        node.apply(plan, clock.now());
      };
      /** Run until quiet, then demand five quiet minutes: no EC2 action at all (no oscillation). */
      const settle = (label: string): void => {
        for (let i = 0; i < 60; i++) tick();
        const before = node.actions.length;
        for (let i = 0; i < 60; i++) tick();
        assert.deepEqual(node.actions.slice(before), [], `${label}: still acting after settling`);
        assert.equal(pending, 0, `${label}: pods still waiting for an IP`);
        sc.settled(node.snapshot(clock.now()), node.pods);
      };

      settle('empty node');
      for (let i = 0; i < 20; i++) {
        pending += 1;
        tick();
      }
      settle('20 pods');
      for (let i = 0; i < 15; i++) {
        node.removePod(clock.now());
        tick();
      }
      settle('5 pods');
      // Churn: every pod replaced at once; the new ones wait out the cooldown of the old addresses or get new ones.
      for (let i = 0; i < 5; i++) node.removePod(clock.now());
      pending += 5;
      settle('churn');
      assert.ok(node.actions.length < 40, `too many EC2 actions: ${node.actions.join(', ')}`);
    });
  }
});
