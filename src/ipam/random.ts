/**
 * Seeded randomness for what must replay: the embedded VPC's fault dice, the simulated-time benchmarks' traces and
 * clusters, the chaos and fuzz tests. Pure: the same seed gives the same stream.
 *
 * @example
 * const random = seededRandom(42);
 * random(); // a number in [0, 1), the same for every run with seed 42
 */

/** mulberry32: a 32-bit state PRNG, uniform in [0, 1); tiny, fast and good enough for dice, not for secrets. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
