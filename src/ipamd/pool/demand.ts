/**
 * What ipamd remembers of pod demand for the adaptive pool policy (VPC_CNI_POOL_POLICY=adaptive,
 * docs/pool-policy.md): AddNetwork arrival times (for the policy's memory), the ADDs waiting for an address right
 * now, when the pool last grew, and per minute the most addresses the pool wanted (assigned + its high-water mark),
 * for keeping empty ENIs. The pool manager feeds it; `history()` is the policy's `DemandHistory` input.
 *
 * @example
 * const demand = new PoolDemand();
 * demand.arrived(clock.now());
 * planAdaptive({ ...input, demand: demand.history() });
 */
import { ADAPTIVE_DEFAULTS, type DemandHistory } from '../../ipam/policy-adaptive.js';

const MINUTE = 60_000;

export class PoolDemand {
  /** Arrival times within the policy's memory, oldest first. */
  #arrivals: number[] = [];
  #lastGrowthAt: number | undefined;
  /** AddNetwork calls waiting for growth now: demand the datastore does not show yet. */
  waiting = 0;
  #peaks: { minute: number; wanted: number }[] = [];

  arrived(now: number): void {
    this.#arrivals.push(now);
    const horizon = now - Math.max(ADAPTIVE_DEFAULTS.memoryMs, ADAPTIVE_DEFAULTS.eniMemoryMs);
    if ((this.#arrivals[0] ?? now) <= horizon) this.#arrivals = this.#arrivals.filter((t) => t > horizon);
  }

  grew(now: number): void {
    this.#lastGrowthAt = now;
  }

  /** Records what a plan wanted (assigned + its high-water mark) in the current minute. */
  wanted(now: number, addresses: number): void {
    const minute = Math.floor(now / MINUTE);
    const last = this.#peaks.at(-1);
    if (last?.minute === minute) last.wanted = Math.max(last.wanted, addresses);
    else this.#peaks.push({ minute, wanted: addresses });
    const oldest = minute - Math.ceil(ADAPTIVE_DEFAULTS.eniMemoryMs / MINUTE);
    if ((this.#peaks[0]?.minute ?? minute) < oldest) this.#peaks = this.#peaks.filter((p) => p.minute >= oldest);
  }

  history(): DemandHistory {
    return {
      arrivals: this.#arrivals,
      waiting: this.waiting,
      ...(this.#lastGrowthAt === undefined ? {} : { lastGrowthAt: this.#lastGrowthAt }),
      ...(this.#peaks.length === 0 ? {} : { peakWanted: Math.max(...this.#peaks.map((p) => p.wanted)) }),
    };
  }
}
