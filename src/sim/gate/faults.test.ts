import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom } from '../../ipam/random.js';
import { FaultInjector, type FaultRule } from './faults.js';

/** Which of `n` requests the rule hits, as a string of 0/1. */
function pattern(faults: FaultInjector, action: string, n: number): string {
  return Array.from({ length: n }, () => (faults.decide(action).error === undefined ? '0' : '1')).join('');
}

describe('FaultInjector', () => {
  it('is off unless configured', () => {
    const faults = new FaultInjector();
    assert.deepEqual(faults.decide('AttachNetworkInterface'), { latencyMs: 0, error: undefined });
  });

  it('hits the same requests for the same seed, and different ones for another seed', () => {
    const rules = { AssignPrivateIpAddresses: { code: 'InternalError', probability: 0.3 } };
    const a = pattern(new FaultInjector({ seed: 42, rules }), 'AssignPrivateIpAddresses', 200);
    const b = pattern(new FaultInjector({ seed: 42, rules }), 'AssignPrivateIpAddresses', 200);
    const c = pattern(new FaultInjector({ seed: 43, rules }), 'AssignPrivateIpAddresses', 200);
    assert.equal(a, b);
    assert.notEqual(a, c);
    const hits = [...a].filter((x) => x === '1').length;
    assert.ok(hits > 30 && hits < 90, `30% of 200 should be near 60, got ${hits}`);
  });

  it('restarts the sequence when reconfigured with the same seed', () => {
    const faults = new FaultInjector({ seed: 9, rules: { X: { code: 'InternalError', probability: 0.5 } } });
    const first = pattern(faults, 'X', 50);
    faults.configure({ seed: 9 });
    assert.equal(pattern(faults, 'X', 50), first);
  });

  it('fires `count` times then stops', () => {
    const faults = new FaultInjector({
      rules: { AttachNetworkInterface: { code: 'InternalError', probability: 1, count: 2 } },
    });
    assert.equal(pattern(faults, 'AttachNetworkInterface', 5), '11000');
    assert.equal(faults.rules()['AttachNetworkInterface']?.fired, 2);
  });

  it('gives known codes their EC2 status and message, and honours explicit ones', () => {
    const cases: [FaultRule, string, number, string][] = [
      [{ code: 'RequestLimitExceeded', probability: 1 }, 'RequestLimitExceeded', 503, 'Request limit exceeded.'],
      [{ code: 'InternalError', probability: 1 }, 'InternalError', 500, 'An internal error has occurred'],
      [
        { code: 'UnauthorizedOperation', probability: 1 },
        'UnauthorizedOperation',
        403,
        'You are not authorized to perform this operation.',
      ],
      [
        { code: 'InsufficientFreeAddressesInSubnet', probability: 1 },
        'InsufficientFreeAddressesInSubnet',
        400,
        'Injected fault: InsufficientFreeAddressesInSubnet',
      ],
      [{ code: 'Custom', message: 'boom', status: 502, probability: 1 }, 'Custom', 502, 'boom'],
    ];
    for (const [rule, code, status, message] of cases) {
      const error = new FaultInjector({ rules: { A: rule } }).decide('A').error;
      assert.equal(error?.code, code);
      assert.equal(error?.status, status);
      assert.equal(error?.message, message);
    }
  });

  it('adds latency, with or without an error; `*` covers actions without a rule', () => {
    const faults = new FaultInjector({
      rules: { '*': { latencyMs: 50, probability: 1 }, B: { code: 'InternalError', latencyMs: 10, probability: 1 } },
    });
    assert.deepEqual(faults.decide('A'), { latencyMs: 50, error: undefined });
    const b = faults.decide('B');
    assert.equal(b.latencyMs, 10);
    assert.equal(b.error?.code, 'InternalError');
  });

  it('sets and clears single rules', () => {
    const faults = new FaultInjector();
    faults.set('A', { code: 'InternalError', probability: 1 });
    faults.set('B', { code: 'InternalError', probability: 1 });
    faults.clear('A');
    assert.deepEqual(Object.keys(faults.settings.rules), ['B']);
    faults.clear();
    assert.deepEqual(faults.settings.rules, {});
  });

  it('rejects invalid rules', () => {
    const faults = new FaultInjector();
    for (const rule of [
      { code: 'X', probability: 1.5 },
      { code: 'X', probability: -0.1 },
      { code: 'X', probability: 1, status: 200 },
      { code: 'X', probability: 1, count: 1.5 },
      { code: 'not a code', probability: 1 },
      { probability: 1 },
    ] as FaultRule[]) {
      assert.throws(() => faults.set('A', rule), RangeError, JSON.stringify(rule));
    }
  });

  it('seededRandom is uniform-ish in [0, 1)', () => {
    const random = seededRandom(1);
    const values = Array.from({ length: 1000 }, random);
    assert.ok(values.every((v) => v >= 0 && v < 1));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    assert.ok(Math.abs(mean - 0.5) < 0.05);
  });
});
