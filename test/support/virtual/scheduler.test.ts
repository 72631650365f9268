// The heap scheduler that drives many ipamds on one virtual clock: order, cancellation, interleaved sleeps, limits.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { manualClock } from '../../../src/ipam/clock.js';
import { VirtualScheduler } from './scheduler.js';

describe('VirtualScheduler', () => {
  it('fires timers in due order, ties in creation order, with the clock at each due time', async () => {
    const clock = manualClock(1000);
    const timers = new VirtualScheduler(clock);
    const fired: string[] = [];
    for (const [name, ms] of [
      ['c', 30],
      ['a', 10],
      ['b', 20],
      ['a2', 10],
      ['z', 0],
    ] as const) {
      timers.setTimeout(() => fired.push(`${name}@${clock.now() - 1000}`), ms);
    }
    const run = await timers.run({ until: 10_000 });
    assert.deepEqual(fired, ['z@0', 'a@10', 'a2@10', 'b@20', 'c@30']);
    assert.equal(run.stoppedBy, 'idle');
    assert.equal(run.fired, 5);
  });

  it('does not fire cleared timers', async () => {
    const timers = new VirtualScheduler(manualClock(0));
    const fired: number[] = [];
    const handle = timers.setTimeout(() => fired.push(1), 5);
    timers.setTimeout(() => fired.push(2), 6);
    timers.clearTimeout(handle);
    timers.clearTimeout(handle);
    assert.equal(timers.pending(), 1);
    await timers.run({ until: 100 });
    assert.deepEqual(fired, [2]);
  });

  it('interleaves concurrent sleepers in virtual-time order, promise chains included', async () => {
    const clock = manualClock(0);
    const timers = new VirtualScheduler(clock);
    const log: string[] = [];
    const worker = async (name: string, steps: number[]): Promise<void> => {
      for (const ms of steps) {
        await timers.sleep(ms);
        await Promise.resolve();
        log.push(`${name}@${clock.now()}`);
      }
    };
    void worker('x', [100, 100, 100]);
    void worker('y', [150, 100]);
    await timers.run({ until: 1000 });
    assert.deepEqual(log, ['x@100', 'y@150', 'x@200', 'y@250', 'x@300']);
  });

  it('stops at the time limit or when done', async () => {
    const clock = manualClock(0);
    const timers = new VirtualScheduler(clock);
    let ticks = 0;
    const tick = (): void => {
      ticks += 1;
      timers.setTimeout(tick, 10);
    };
    tick();
    const limited = await timers.run({ until: 95 });
    assert.equal(limited.stoppedBy, 'until');
    assert.equal(clock.now(), 95);
    assert.equal(ticks, 10);
    const done = await timers.run({ until: 10_000, done: () => ticks >= 15 });
    assert.equal(done.stoppedBy, 'done');
    assert.equal(clock.now(), 140);
  });
});
