import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cleanup, mapLimit } from './cleanup.js';

describe('Cleanup', () => {
  it('undoes newest first, once, and keeps going past a failing step', async () => {
    const cleanup = new Cleanup();
    const order: string[] = [];
    cleanup.add('run dir', () => Promise.resolve(void order.push('run dir')));
    cleanup.add('sim', () => Promise.reject(new Error('busy')));
    cleanup.add('pods', () => Promise.resolve(void order.push('pods')));
    const [first, second] = await Promise.all([cleanup.run(), cleanup.run()]);
    assert.deepEqual(order, ['pods', 'run dir']);
    assert.equal(first, second);
    assert.deepEqual(
      first?.map((p) => [p.what, (p.error as Error).message]),
      [['sim', 'busy']],
    );
  });
});

describe('mapLimit', () => {
  it('keeps at most `limit` in flight and reports each outcome in item order', async () => {
    let running = 0;
    let peak = 0;
    const results = await mapLimit([1, 2, 3, 4, 5], 2, async (n) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running -= 1;
      if (n === 3) throw new Error('three');
      return n * 10;
    });
    assert.equal(peak, 2);
    assert.deepEqual(
      results.map((r) => (r.ok ? r.value : (r.error as Error).message)),
      [10, 20, 'three', 40, 50],
    );
  });
});
