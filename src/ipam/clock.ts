/**
 * Time as the core sees it: milliseconds since the Unix epoch, read through an injected clock so that cooldowns,
 * ENI ages and back-offs are deterministic in tests. Only adapters (src/obs, program composition roots) build a
 * clock on the real wall time.
 *
 * @example
 * const clock = manualClock(0);
 * clock.advance(30_000);
 * clock.now(); // 30000
 */
export interface Clock {
  now(): number;
}

export interface ManualClock extends Clock {
  advance(ms: number): void;
  set(ms: number): void;
}

/** A clock that moves only when told to; for tests, the simulator and benchmarks. */
export function manualClock(startMs = 0): ManualClock {
  let current = startMs;
  return {
    now: () => current,
    advance: (ms) => {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot advance a clock by ${ms} ms`);
      current += ms;
    },
    set: (ms) => {
      current = ms;
    },
  };
}

/**
 * RFC 3339 without fractions, as Go's `time.RFC3339` writes it (the reference's `createdAt` ENI tag, IMDS times).
 *
 * @example
 * rfc3339(Date.UTC(2024, 4, 1, 12)); // '2024-05-01T12:00:00Z'
 */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
