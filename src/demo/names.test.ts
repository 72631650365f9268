import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PodNamer, SAFE_ALPHABET, podTemplateHash, safeString, sandboxId } from './names.js';

/** A fixed sequence of "random" numbers, cycled. */
const sequence = (...values: number[]): ((n: number) => number) => {
  let i = 0;
  return (n) => (values[i++ % values.length] ?? 0) % n;
};

describe('pod names', () => {
  it('maps a hash the way the Deployment controller does (SafeEncodeString of the decimal text)', () => {
    // 3744127371 → digits through alphabet[(48 + d) % 27]: 0→4 … 5→9, 6→b, 7→c, 8→d, 9→f
    assert.equal(
      podTemplateHash(() => 3744127371),
      '7c8856c7c5',
    );
    assert.match(podTemplateHash(), /^[456789bcdf]{1,10}$/);
  });

  it('uses the safe alphabet for random suffixes', () => {
    assert.equal(safeString(5, sequence(0, 1, 2, 26, 20)), 'bcd92');
    assert.match(safeString(5), new RegExp(`^[${SAFE_ALPHABET}]{5}$`));
  });

  it('alternates 2048-game Deployment replicas and default/web-N, never repeating a name', () => {
    const namer = new PodNamer(sequence(7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1));
    const names = Array.from({ length: 6 }, () => namer.next());
    assert.deepEqual(
      names.filter((n) => n.namespace === 'default').map((n) => n.name),
      ['web-0', 'web-1', 'web-2'],
    );
    const replicas = names.filter((n) => n.namespace === '2048-game').map((n) => n.name);
    assert.equal(new Set(replicas).size, 3);
    for (const name of replicas) assert.ok(name.startsWith(`2048-deployment-${namer.deploymentHash}-`), name);
  });

  it('makes sandbox ids of 64 hex characters', () => {
    assert.match(sandboxId(), /^[0-9a-f]{64}$/);
  });
});
