/**
 * The token-bucket floor of a set of EC2 calls: the least time EC2's buckets allow for them. A bucket of capacity
 * C refilling r tokens/s serves n calls in max(0, (n − C) / r) seconds at best (the first C at once, then one per
 * 1/r s); buckets are independent, so the floor of the whole set is the largest of them, set by the "bottleneck"
 * bucket. Serial latency (a node's chain of calls, IMDS propagation) is not in it; the benchmark adds it separately.
 *
 * @example
 * clusterFloor([{ key: 'AttachNetworkInterface', capacity: 50, refillPerSecond: 5, acceptedAt: times, throttled: 0 }], end);
 * // { floorMs: 390_000, bottleneck: 'AttachNetworkInterface', buckets: [...] } for 2000 calls
 */
import type { BucketTally } from './throttled-ec2.js';

export interface BucketSummary {
  readonly key: string;
  readonly capacity: number;
  readonly refillPerSecond: number;
  /** Requests accepted (tokens taken) up to the end time. */
  readonly calls: number;
  /** Requests accepted over the whole run. */
  readonly callsTotal: number;
  /** RequestLimitExceeded answers over the whole run. */
  readonly throttled: number;
  /** max(0, (calls − capacity) / refill), ms. */
  readonly floorMs: number;
}

/** The least time the buckets allow for `n` calls, ms. */
export function bucketFloorMs(n: number, capacity: number, refillPerSecond: number): number {
  if (n <= capacity) return 0;
  return ((n - capacity) / refillPerSecond) * 1000;
}

/** Per-bucket floors of the calls accepted up to `endAt` (clock ms), the overall floor and its bucket. */
export function clusterFloor(
  tallies: readonly BucketTally[],
  endAt: number,
): { floorMs: number; bottleneck: string | undefined; buckets: BucketSummary[] } {
  let floorMs = 0;
  let bottleneck: string | undefined;
  const buckets = tallies
    .map((t) => {
      const calls = t.acceptedAt.filter((at) => at <= endAt).length;
      const floor = bucketFloorMs(calls, t.capacity, t.refillPerSecond);
      if (floor > floorMs) {
        floorMs = floor;
        bottleneck = t.key;
      }
      return {
        key: t.key,
        capacity: t.capacity,
        refillPerSecond: t.refillPerSecond,
        calls,
        callsTotal: t.acceptedAt.length,
        throttled: t.throttled,
        floorMs: floor,
      };
    })
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { floorMs, bottleneck, buckets };
}
