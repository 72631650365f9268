/**
 * Time for the adapters' tests: a manual clock and a sleep that advances it, so back-off, token waits and IMDS lag
 * cost no real time, and every wait asked for is kept in `sleeps`, in order.
 *
 * @example
 * const t = fakeTime();
 * await t.sleep(1_500);
 * t.clock.now(); // 1500
 * t.sleeps; // [1500]
 */
import { manualClock, type ManualClock } from '../ipam/clock.js';
import type { Sleep } from './ec2/retry.js';

export interface FakeTime {
  readonly clock: ManualClock;
  readonly sleeps: number[];
  readonly sleep: Sleep;
}

export function fakeTime(startMs = 0): FakeTime {
  const clock = manualClock(startMs);
  const sleeps: number[] = [];
  return {
    clock,
    sleeps,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
      await Promise.resolve();
    },
  };
}
