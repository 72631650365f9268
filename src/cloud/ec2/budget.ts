/**
 * Client-side token buckets per EC2 action, sized below EC2's documented per-account buckets (ec2-imds-surface.md
 * [behaviour §4]): a call waits for a token here instead of provoking `RequestLimitExceeded`, which would spend the
 * account's budget for every other tool in the region too [pain-points §3]. By default this process takes 80 % of each
 * documented bucket; `share` lowers that when many nodes share the account.
 *
 * Buckets refill lazily from the injected clock and hand out reservations: a caller takes a token even when the
 * bucket is empty (driving it negative) and sleeps until the refill covers it. Waiters are thereby served in arrival
 * order without a queue or a timer. A wait longer than `maxWaitMs` is refused with CLOUD_THROTTLED ("the
 * client-side budget is spent") rather than parking a caller for minutes.
 *
 * When EC2 throttles anyway (other tools spent the account's bucket), {@link Ec2Budget.drain} empties ours for that
 * action, so concurrent calls slow down with the retrying one instead of piling on.
 *
 * Many nodes joining at once share one account: with `share` ≈ 1/nodes each node's bucket holds one token and
 * refills slowly, and `initialFill` (a random fraction per node, the same for all of its buckets) starts the
 * buckets part-full so that the nodes' first calls spread over one refill period instead of all arriving at once;
 * a node's calls then come in rounds at its own phase (bench/cluster-scale.ts measures it). Full by default.
 *
 * @example
 * const budget = new Ec2Budget({ clock, sleep });
 * await budget.take('AssignPrivateIpAddresses'); // waits (sleep) when 80 tokens were spent in the last moments
 */
import type { Clock } from '../../ipam/clock.js';
import { documentedThrottle, type BucketSpec } from '../../limits/ec2-throttling.js';
import { CloudError } from '../errors.js';
import type { Sleep } from './retry.js';

export type { BucketSpec };

/** Describe calls by id only (no filter, no pagination) fall in EC2's smaller "unfiltered" bucket. */
export type RequestShape = 'filtered' | 'unfiltered';

/** EC2's documented bucket for an action (before our share), and the key of the bucket it draws from. */
export function documentedBucket(action: string, shape: RequestShape = 'filtered'): { key: string; spec: BucketSpec } {
  const { key, spec } = documentedThrottle(action, shape === 'filtered');
  return { key, spec };
}

export interface BudgetOptions {
  readonly clock: Clock;
  readonly sleep: Sleep;
  /** Fraction (0..1] of each documented bucket this client may use; 0.8 by default. */
  readonly share?: number;
  /** Bucket specs by key (`AssignPrivateIpAddresses`, `DescribeNetworkInterfaces:unfiltered`), used as given. */
  readonly overrides?: Readonly<Record<string, BucketSpec>>;
  /** Longest wait for a token before failing with CLOUD_THROTTLED; 60 s by default. */
  readonly maxWaitMs?: number;
  /** Fraction [0, 1] of its capacity each bucket starts with; 1 (full) by default. */
  readonly initialFill?: number;
}

/** Tokens per second of EC2's slowest buckets ipamd uses (Attach, Create, Assign, Modify). */
const SLOWEST_REFILL = 5;

/**
 * Budget options for one of many nodes that share an account and may start together: `share` of every bucket
 * (e.g. 0.9 / nodes), a random initial fill (the node's phase), and waits allowed up to three tokens of the slowest
 * bucket (at least 60 s).
 *
 * @example
 * createEc2Api({ ...options, budget: pacedBudget(0.9 / 1000, Math.random) }); // one Attach per 222 s at most
 */
export function pacedBudget(
  share: number,
  random: () => number,
): { share: number; initialFill: number; maxWaitMs: number } {
  if (!(share > 0 && share <= 1)) throw new RangeError(`budget share must be in (0, 1], got ${share}`);
  return {
    share,
    initialFill: Math.min(1, Math.max(0, random())),
    maxWaitMs: Math.max(60_000, Math.ceil((3 * 1000) / (SLOWEST_REFILL * share))),
  };
}

export interface BucketState extends BucketSpec {
  readonly key: string;
  readonly tokens: number;
}

interface Bucket {
  readonly spec: BucketSpec;
  tokens: number;
  updatedAt: number;
}

/** The buckets of one client; see the module comment. */
export class Ec2Budget {
  readonly #clock: Clock;
  readonly #sleep: Sleep;
  readonly #share: number;
  readonly #overrides: Readonly<Record<string, BucketSpec>>;
  readonly #maxWaitMs: number;
  readonly #initialFill: number;
  /** Buckets refill from here: one first used later has been filling since the budget was made. */
  readonly #createdAt: number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: BudgetOptions) {
    const share = options.share ?? 0.8;
    if (!(share > 0 && share <= 1)) throw new RangeError(`budget share must be in (0, 1], got ${share}`);
    const initialFill = options.initialFill ?? 1;
    if (!(initialFill >= 0 && initialFill <= 1))
      throw new RangeError(`budget initialFill must be in [0, 1], got ${initialFill}`);
    this.#initialFill = initialFill;
    this.#createdAt = options.clock.now();
    for (const [key, spec] of Object.entries(options.overrides ?? {})) {
      if (!(spec.capacity >= 1 && spec.refillPerSecond > 0))
        throw new RangeError(`budget for ${key}: capacity must be >= 1 and refill > 0`);
    }
    this.#clock = options.clock;
    this.#sleep = options.sleep;
    this.#share = share;
    this.#overrides = options.overrides ?? {};
    this.#maxWaitMs = options.maxWaitMs ?? 60_000;
  }

  /** Takes one token for `action`, sleeping until it is covered; resolves with the ms waited. */
  async take(action: string, shape: RequestShape = 'filtered'): Promise<number> {
    const { key, bucket } = this.#bucket(action, shape);
    bucket.tokens -= 1;
    if (bucket.tokens >= 0) return 0;
    const waitMs = Math.ceil((-bucket.tokens / bucket.spec.refillPerSecond) * 1000);
    if (waitMs > this.#maxWaitMs) {
      bucket.tokens += 1;
      throw new CloudError(
        'CLOUD_THROTTLED',
        `${action} not sent: the client-side budget for ${key} is spent (next token in ${waitMs} ms, more than the ${this.#maxWaitMs} ms allowed)`,
        { operation: action, bucket: key, waitMs },
      );
    }
    await this.#sleep(waitMs);
    return waitMs;
  }

  /** EC2 throttled `action`: our share of that bucket is spent too (tokens already reserved stay reserved). */
  drain(action: string, shape: RequestShape = 'filtered'): void {
    const { bucket } = this.#bucket(action, shape);
    bucket.tokens = Math.min(bucket.tokens, 0);
  }

  /** Buckets in use, for introspection and tests. */
  state(): BucketState[] {
    return [...this.#buckets].map(([key, b]) => ({ key, ...b.spec, tokens: this.#refill(b).tokens }));
  }

  #bucket(action: string, shape: RequestShape): { key: string; bucket: Bucket } {
    const documented = documentedBucket(action, shape);
    const key = documented.key;
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      const override = Object.hasOwn(this.#overrides, key) ? this.#overrides[key] : undefined;
      const spec = override ?? {
        capacity: Math.max(1, Math.floor(documented.spec.capacity * this.#share)),
        refillPerSecond: documented.spec.refillPerSecond * this.#share,
      };
      bucket = { spec, tokens: spec.capacity * this.#initialFill, updatedAt: this.#createdAt };
      this.#buckets.set(key, bucket);
    }
    return { key, bucket: this.#refill(bucket) };
  }

  #refill(bucket: Bucket): Bucket {
    const now = this.#clock.now();
    const elapsed = Math.max(0, now - bucket.updatedAt);
    bucket.tokens = Math.min(bucket.spec.capacity, bucket.tokens + (elapsed / 1000) * bucket.spec.refillPerSecond);
    bucket.updatedAt = now;
    return bucket;
  }
}
