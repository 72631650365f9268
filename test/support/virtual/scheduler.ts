/**
 * One virtual clock for many ipamds: {@link VirtualScheduler} is a {@link Timers} whose timers live in a binary
 * heap (FakeTimers scans a list, which is fine for one node and quadratic for a thousand), and whose
 * {@link VirtualScheduler.run} moves the clock from one due instant to the next, firing every timer due then and
 * letting the promise chains they start settle before moving on. Sleeps are timers, so concurrent sleepers on
 * different nodes interleave in virtual-time order.
 *
 * Settling is one `setImmediate` per instant: Node drains the whole microtask queue before it, and nothing under
 * the scheduler may do real I/O or use real timers (the sim-backed ports answer with settled promises).
 *
 * @example
 * const clock = manualClock(0);
 * const timers = new VirtualScheduler(clock);
 * void timers.sleep(1_500).then(() => console.log(clock.now())); // 1500
 * await timers.run({ until: 10_000 });
 */
import type { ManualClock } from '../../../src/ipam/clock.js';
import type { Timers } from '../../../src/obs/timers.js';

interface Entry {
  readonly at: number;
  readonly seq: number;
  readonly run: () => void;
  cancelled: boolean;
}

function before(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** A binary min-heap of timers ordered by (due time, creation order). */
class TimerHeap {
  readonly #items: Entry[] = [];

  get size(): number {
    return this.#items.length;
  }

  peek(): Entry | undefined {
    return this.#items[0];
  }

  push(entry: Entry): void {
    const items = this.#items;
    items.push(entry);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent] as Entry;
      if (!before(entry, p)) break;
      items[i] = p;
      i = parent;
    }
    items[i] = entry;
  }

  pop(): Entry | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const l = items[left] as Entry;
      const r = items[right];
      const child = r !== undefined && before(r, l) ? right : left;
      const c = items[child] as Entry;
      if (!before(c, last)) break;
      items[i] = c;
      i = child;
    }
    items[i] = last;
    return top;
  }
}

export interface RunOptions {
  /** Stop once the clock would pass this time (ms, clock time). */
  readonly until: number;
  /** Checked after each instant; stop as soon as it returns true. */
  readonly done?: () => boolean;
}

export interface RunResult {
  /** Distinct instants visited. */
  readonly instants: number;
  /** Timers fired. */
  readonly fired: number;
  /** Why the run stopped. */
  readonly stoppedBy: 'done' | 'until' | 'idle';
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** See the module comment. */
export class VirtualScheduler implements Timers {
  readonly clock: ManualClock;
  readonly #heap = new TimerHeap();
  #seq = 0;
  #live = 0;

  constructor(clock: ManualClock) {
    this.clock = clock;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    this.#seq += 1;
    this.#live += 1;
    const entry: Entry = { at: this.clock.now() + Math.max(0, ms), seq: this.#seq, run: callback, cancelled: false };
    this.#heap.push(entry);
    return entry;
  }

  clearTimeout(handle: unknown): void {
    const entry = handle as Entry | undefined;
    if (entry === undefined || entry === null || typeof entry !== 'object' || entry.cancelled) return;
    entry.cancelled = true;
    this.#live -= 1;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }

  /** Timers not yet fired nor cleared. */
  pending(): number {
    return this.#live;
  }

  /** Fires timers instant by instant until `done()`, the time limit, or no timer is left. */
  async run(options: RunOptions): Promise<RunResult> {
    let instants = 0;
    let fired = 0;
    await settle();
    for (;;) {
      if (options.done?.() === true) return { instants, fired, stoppedBy: 'done' };
      const next = this.#nextLive();
      if (next === undefined) return { instants, fired, stoppedBy: 'idle' };
      if (next.at > options.until) {
        this.clock.set(Math.max(this.clock.now(), options.until));
        return { instants, fired, stoppedBy: 'until' };
      }
      const now = Math.max(this.clock.now(), next.at);
      this.clock.set(now);
      instants += 1;
      for (let due = this.#nextLive(); due !== undefined && due.at <= now; due = this.#nextLive()) {
        this.#heap.pop();
        this.#live -= 1;
        fired += 1;
        due.run();
      }
      await settle();
    }
  }

  #nextLive(): Entry | undefined {
    for (let top = this.#heap.peek(); top !== undefined; top = this.#heap.peek()) {
      if (!top.cancelled) return top;
      this.#heap.pop();
    }
    return undefined;
  }
}
