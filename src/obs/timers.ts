/** Time that passes: tests drive it with a manual clock, production with the event loop ({@link systemTimers}). */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  sleep(ms: number): Promise<void>;
  /**
   * Runs the callback once the I/O under way went out (setImmediate): AddNetwork and DelNetwork log and update metrics
   * after their reply, so that a pod's start does not wait for them. Absent: at once (tests, simulated time).
   */
  defer?(callback: () => void): void;
}

/**
 * The event loop's timers, for the composition root.
 *
 * @example
 * new Ipamd({ ...deps, timers: systemTimers });
 */
export const systemTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, Math.max(0, ms)),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
  defer: (callback) => {
    setImmediate(callback);
  },
};
