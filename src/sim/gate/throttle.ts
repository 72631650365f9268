/**
 * EC2 API request throttling as documented (ec2/latest/devguide/ec2-api-throttling.html, [ec2-imds §4]): a token bucket
 * per API action, whose size and refill rate come from the action's category; every request takes one token and an
 * empty bucket answers `RequestLimitExceeded` (HTTP 503), which retrying clients back off from.
 *
 * Buckets refill lazily from an injected clock (no timers), so tests drive time by hand and a simulator under load
 * pays nothing for idle actions. The refill is continuous (rate × elapsed), which matches the documented per-second
 * refill at every whole second and spreads it smoothly in between.
 *
 * @example
 * const throttle = new Throttle({ clock: manualClock(0) });
 * for (let i = 0; i < 50; i++) throttle.take('AttachNetworkInterface'); // the 51st throws RequestLimitExceeded
 */
import type { Clock } from '../../ipam/clock.js';
import { documentedThrottle, type BucketSpec, type ThrottleCategory } from '../../limits/ec2-throttling.js';
import { REQUEST_LIMIT_EXCEEDED } from '../ec2/errors.js';

export type { BucketSpec, ThrottleCategory };

/** What the category depends on besides the action name: whether a Describe call is filtered or paginated. */
export interface RequestShape {
  has(name: string): boolean;
}

export interface ThrottleSettings {
  readonly enabled: boolean;
  /** Multiplies every bucket's capacity and refill rate (10 = ten times the headroom; 0.1 = a tenth). */
  readonly scale: number;
  /** Per-action bucket specs replacing the documented defaults (both variants of a Describe action). */
  readonly overrides: Readonly<Record<string, BucketSpec>>;
}

export interface ThrottleOptions extends Partial<ThrottleSettings> {
  readonly clock: Clock;
}

/** One bucket's state, for the admin endpoint and tests. */
export interface BucketState extends BucketSpec {
  readonly key: string;
  readonly category: ThrottleCategory;
  readonly tokens: number;
}

/** The documented bucket of a request: its key (one bucket per action and category) and spec. */
export function classify(
  action: string,
  request?: RequestShape,
): { key: string; category: ThrottleCategory; spec: BucketSpec } {
  const narrowed = request === undefined || ['Filter', 'MaxResults', 'NextToken'].some((name) => request.has(name));
  return documentedThrottle(action, narrowed);
}

interface Bucket {
  readonly category: ThrottleCategory;
  readonly spec: BucketSpec;
  tokens: number;
  updatedAt: number;
}

/** Per-action token buckets; see the module comment. */
export class Throttle {
  readonly #clock: Clock;
  readonly #buckets = new Map<string, Bucket>();
  #settings: ThrottleSettings;
  /** When set, buckets created later start empty at this time too ('drain all' covers actions not seen yet). */
  #drainedAllAt: number | undefined;

  constructor(options: ThrottleOptions) {
    this.#clock = options.clock;
    this.#settings = validSettings({
      enabled: options.enabled ?? true,
      scale: options.scale ?? 1,
      overrides: options.overrides ?? {},
    });
  }

  get settings(): ThrottleSettings {
    return this.#settings;
  }

  /** Changes settings; buckets start over full, since their sizes may have changed. */
  configure(patch: Partial<ThrottleSettings>): void {
    this.#settings = validSettings({ ...this.#settings, ...patch });
    this.reset();
  }

  /** Refills every bucket (forgets them) and cancels a drain. */
  reset(): void {
    this.#buckets.clear();
    this.#drainedAllAt = undefined;
  }

  /** Empties the buckets of one action (both Describe variants), or of every action when none is given. */
  drain(action?: string): void {
    const now = this.#clock.now();
    if (action === undefined) {
      this.#buckets.clear();
      this.#drainedAllAt = now;
      return;
    }
    const shapes: RequestShape[] = [{ has: () => false }, { has: () => true }];
    for (const shape of shapes) {
      const { key, category, spec } = classify(action, shape);
      this.#buckets.set(key, { category, spec: this.#specFor(action, spec), tokens: 0, updatedAt: now });
    }
  }

  /** Takes a token or throws EC2's `RequestLimitExceeded` (503). */
  take(action: string, request?: RequestShape): void {
    if (!this.tryTake(action, request)) throw REQUEST_LIMIT_EXCEEDED();
  }

  /** Takes a token when one is available; false (and nothing taken) when the bucket is empty or throttling is off. */
  tryTake(action: string, request?: RequestShape): boolean {
    if (!this.#settings.enabled) return true;
    const { key, category, spec } = classify(action, request);
    const bucket = this.#bucket(key, category, this.#specFor(action, spec));
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** The buckets used so far, refilled to now. */
  buckets(): BucketState[] {
    return [...this.#buckets].map(([key, bucket]) => {
      this.#refill(bucket);
      return { key, category: bucket.category, ...bucket.spec, tokens: bucket.tokens };
    });
  }

  #specFor(action: string, documented: BucketSpec): BucketSpec {
    const base = Object.hasOwn(this.#settings.overrides, action)
      ? (this.#settings.overrides[action] ?? documented)
      : documented;
    const scale = this.#settings.scale;
    // A bucket smaller than one token would refuse everything; keep at least one.
    return { capacity: Math.max(1, base.capacity * scale), refillPerSecond: base.refillPerSecond * scale };
  }

  #bucket(key: string, category: ThrottleCategory, spec: BucketSpec): Bucket {
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      const drained = this.#drainedAllAt;
      bucket =
        drained === undefined
          ? { category, spec, tokens: spec.capacity, updatedAt: this.#clock.now() }
          : { category, spec, tokens: 0, updatedAt: drained };
      this.#buckets.set(key, bucket);
    }
    this.#refill(bucket);
    return bucket;
  }

  #refill(bucket: Bucket): void {
    const now = this.#clock.now();
    const elapsed = now - bucket.updatedAt;
    if (elapsed <= 0) return;
    bucket.tokens = Math.min(bucket.spec.capacity, bucket.tokens + (bucket.spec.refillPerSecond * elapsed) / 1000);
    bucket.updatedAt = now;
  }
}

function validSettings(settings: ThrottleSettings): ThrottleSettings {
  if (!(Number.isFinite(settings.scale) && settings.scale > 0))
    throw new RangeError(`throttle scale must be > 0, got ${settings.scale}`);
  for (const [action, spec] of Object.entries(settings.overrides)) {
    if (!(
      spec.capacity >= 1 &&
      Number.isFinite(spec.capacity) &&
      spec.refillPerSecond >= 0 &&
      Number.isFinite(spec.refillPerSecond)
    )) {
      throw new RangeError(`throttle override for ${action} needs capacity >= 1 and refillPerSecond >= 0`);
    }
  }
  return Object.freeze({ ...settings, overrides: Object.freeze({ ...settings.overrides }) });
}
