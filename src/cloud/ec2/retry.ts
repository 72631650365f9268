/**
 * Retry as a composable wrapper: run an attempt, ask a classifier whether the failure is worth another try, wait a
 * jittered exponential back-off, try again — up to a maximum number of attempts. The SDK's own retries are off
 * (maxAttempts 1) so that every attempt passes our client-side rate limit and is counted once.
 *
 * Back-off is "full jitter" (the AWS SDKs' standard mode, also what undici's retry handler approximates): the n-th
 * retry waits a uniform random time in [0, min(cap, base × 2ⁿ)]. Spreading retries over the whole window is what
 * keeps many nodes that were throttled together from coming back together. Throttling uses a larger base (500 ms)
 * than transient failures (100 ms), as the SDKs do.
 *
 * @example
 * const outcome = await withRetry(() => client.send(command), {
 *   policy: DEFAULT_EC2_RETRY,
 *   classify: (error) => failureFacts(error).retry,
 *   sleep,
 * });
 * if (!outcome.ok) throw outcome.error; // outcome.attempts says how many requests were sent
 */

/** Why a failure may be retried: EC2 throttled us, or the failure is transient (5xx, timeout, connection reset). */
export type RetryClass = 'throttling' | 'transient';

export interface RetryPolicy {
  /** Attempts in total, the first included (the reference builds its EC2 client with RetryMaxAttempts(10)). */
  readonly maxAttempts: number;
  /** Back-off base per failure class, in ms. */
  readonly baseMs: Readonly<Record<RetryClass, number>>;
  /** No single wait exceeds this (ms). */
  readonly capMs: number;
}

/** EC2 defaults: 10 attempts, 100 ms base for transient failures, 500 ms for throttling, 20 s cap (as the SDKs). */
export const DEFAULT_EC2_RETRY: RetryPolicy = Object.freeze({
  maxAttempts: 10,
  baseMs: Object.freeze({ transient: 100, throttling: 500 }),
  capMs: 20_000,
});

export type Sleep = (ms: number) => Promise<void>;

/** A real timer; adapters take a `sleep` option so tests can pass a fake that advances a manual clock instead. */
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

export interface RetryOptions {
  readonly policy: RetryPolicy;
  /** `undefined` = do not retry this failure. */
  readonly classify: (error: unknown) => RetryClass | undefined;
  readonly sleep: Sleep;
  /** [0, 1); Math.random by default. */
  readonly random?: () => number;
  /** Called before each wait, e.g. to log or to drain a rate-limit bucket after throttling. */
  readonly onRetry?: (info: {
    readonly error: unknown;
    readonly attempt: number;
    readonly delayMs: number;
    readonly why: RetryClass;
  }) => void;
}

export type RetryOutcome<T> =
  | { readonly ok: true; readonly value: T; readonly attempts: number }
  | { readonly ok: false; readonly error: unknown; readonly attempts: number };

/** The wait before retry number `retry` (1 for the first retry): uniform in [0, min(cap, base × 2^retry)]. */
export function backoffDelay(retry: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}

/**
 * The reference's `SimpleBackoff(base, max, jitter, multiple)`: base × multipleⁿ, capped, then ± jitter (0.15 = up
 * to 15 % either way). Used where the reference waits on purpose rather than on failure (IMDS after an attach).
 */
export function simpleBackoff(
  step: number,
  options: { readonly baseMs: number; readonly maxMs: number; readonly jitter: number; readonly multiple: number },
  random: () => number = Math.random,
): number {
  const plain = Math.min(options.maxMs, options.baseMs * options.multiple ** step);
  return Math.max(0, Math.round(plain * (1 + options.jitter * (2 * random() - 1))));
}

/** Runs `attempt` until it succeeds, fails for good, or runs out of attempts; never throws. */
export async function withRetry<T>(
  attempt: (n: number) => Promise<T>,
  options: RetryOptions,
): Promise<RetryOutcome<T>> {
  const random = options.random ?? Math.random;
  const max = Math.max(1, Math.floor(options.policy.maxAttempts));
  for (let n = 1; ; n++) {
    try {
      return { ok: true, value: await attempt(n), attempts: n };
    } catch (error) {
      const why = options.classify(error);
      if (why === undefined || n >= max) return { ok: false, error, attempts: n };
      const delayMs = backoffDelay(n, options.policy.baseMs[why], options.policy.capMs, random);
      options.onRetry?.({ error, attempt: n, delayMs, why });
      await options.sleep(delayMs);
    }
  }
}
