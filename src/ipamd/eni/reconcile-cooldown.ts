import type { Clock } from '../../ipam/clock.js';

/**
 * The reference's `ReconcileCooldownCache`: CIDR text → when reconcile may re-add it.
 *
 * @example
 * const cooldown = new ReconcileCooldown(clock, 60_000);
 * cooldown.add('10.0.1.5/32');
 * cooldown.check('10.0.1.5/32'); // 'cooling'
 */
export class ReconcileCooldown {
  readonly #until = new Map<string, number>();
  readonly #clock: Clock;
  readonly #ms: number;

  constructor(clock: Clock, ms: number) {
    this.#clock = clock;
    this.#ms = ms;
  }

  add(cidr: string): void {
    this.#until.set(cidr, this.#clock.now() + this.#ms);
  }

  /** `absent`: never released; `cooling`: released less than the cool-down ago; `expired`: must be verified. */
  check(cidr: string): 'absent' | 'cooling' | 'expired' {
    const until = this.#until.get(cidr);
    if (until === undefined) return 'absent';
    return this.#clock.now() < until ? 'cooling' : 'expired';
  }

  remove(cidr: string): void {
    this.#until.delete(cidr);
  }
}
