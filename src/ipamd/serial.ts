/**
 * A promise-chain lock: pool ticks, reconciles and DEL's mode-mismatch clean-up run one at a time, so that a plan is
 * never executed against a datastore another EC2 action is changing.
 *
 * @example
 * const serial = new Serial();
 * await serial.run(() => pool.tick()); // waits for the reconcile in flight
 */
export class Serial {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(work, work);
    this.#tail = next.catch(() => undefined);
    return next;
  }

  /** Resolves once everything queued so far has finished. */
  async idle(): Promise<void> {
    await this.#tail;
  }
}
