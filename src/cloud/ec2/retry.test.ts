import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { backoffDelay, DEFAULT_EC2_RETRY, simpleBackoff, withRetry, type RetryClass } from './retry.js';

const noSleep = (): Promise<void> => Promise.resolve();

describe('backoffDelay (full jitter)', () => {
  it('is uniform in [0, min(cap, base × 2^retry)]', () => {
    assert.equal(
      backoffDelay(1, 100, 20_000, () => 0),
      0,
    );
    assert.equal(
      backoffDelay(1, 100, 20_000, () => 0.5),
      100,
    );
    assert.equal(
      backoffDelay(3, 500, 20_000, () => 0.999),
      3996,
    );
    assert.equal(
      backoffDelay(10, 500, 20_000, () => 0.5),
      10_000,
    );
  });
});

describe('simpleBackoff (the reference SimpleBackoff)', () => {
  it('doubles from the base, caps, and jitters by at most ±15 %', () => {
    const options = { baseMs: 100, maxMs: 60_000, jitter: 0.15, multiple: 2 };
    assert.deepEqual(
      [0, 1, 2, 3].map((n) => simpleBackoff(n, options, () => 0.5)),
      [100, 200, 400, 800],
    );
    assert.equal(
      simpleBackoff(0, options, () => 0),
      85,
    );
    assert.equal(
      simpleBackoff(0, options, () => 1),
      115,
    );
    assert.equal(
      simpleBackoff(20, options, () => 0.5),
      60_000,
    );
  });
});

describe('withRetry', () => {
  const classify = (error: unknown): RetryClass | undefined => (error as { retry?: RetryClass }).retry;

  it('retries retryable failures until success and counts the attempts', async () => {
    const waits: number[] = [];
    let n = 0;
    const outcome = await withRetry(
      () => {
        n += 1;
        if (n < 3)
          return Promise.reject(Object.assign(new Error('busy'), { retry: n === 1 ? 'throttling' : 'transient' }));
        return Promise.resolve('done');
      },
      { policy: DEFAULT_EC2_RETRY, classify, sleep: (ms) => Promise.resolve(void waits.push(ms)), random: () => 0.5 },
    );
    assert.deepEqual(outcome, { ok: true, value: 'done', attempts: 3 });
    // Retry 1 after throttling: 0.5 × 500 × 2; retry 2 after a transient failure: 0.5 × 100 × 4.
    assert.deepEqual(waits, [500, 200]);
  });

  it('stops at once on a final failure', async () => {
    const error = new Error('InvalidParameterValue');
    const outcome = await withRetry(() => Promise.reject(error), {
      policy: DEFAULT_EC2_RETRY,
      classify,
      sleep: noSleep,
    });
    assert.deepEqual(outcome, { ok: false, error, attempts: 1 });
  });

  it('gives up after maxAttempts and reports each retry', async () => {
    const retries: number[] = [];
    const outcome = await withRetry(() => Promise.reject(Object.assign(new Error('x'), { retry: 'transient' })), {
      policy: { ...DEFAULT_EC2_RETRY, maxAttempts: 4 },
      classify,
      sleep: noSleep,
      onRetry: ({ attempt }) => retries.push(attempt),
    });
    assert.equal(outcome.ok, false);
    assert.equal(outcome.attempts, 4);
    assert.deepEqual(retries, [1, 2, 3]);
  });
});
