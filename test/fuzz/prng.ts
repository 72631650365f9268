/**
 * The seeded randomness of the fuzz tests (test/fuzz/*.test.ts): a mulberry32 generator, per-case seeds derived from
 * one run seed, the case count (bounded by default, `VPC_CNI_FUZZ_CASES=<n>` for a long run), and a case runner that
 * reports the seed, the case number, the input and a command line that replays just that case.
 *
 * Environment (read by tests only):
 * - `VPC_CNI_FUZZ_CASES=<n>`: cases per in-process target (targets that exec a process or use a socket run n/10);
 * - `VPC_CNI_FUZZ_SEED=<int>`: the run seed (default {@link DEFAULT_SEED});
 * - `VPC_CNI_FUZZ_CASE=<i>`: run only case i (to replay a failure).
 *
 * @example
 * await runCases('netconf', fuzzCases(3000), async (rng, note) => {
 *   const input = rng.pick(['a', 'b']);
 *   note('input', input);
 *   check(input);
 * });
 */
import { seededRandom } from '../../src/ipam/random.js';

/** The seed of every run unless VPC_CNI_FUZZ_SEED says otherwise: runs are reproducible by default. */
export const DEFAULT_SEED = 0x5eedc0de;

/** Convenience draws over one mulberry32 stream. */
export class Rng {
  readonly #next: () => number;

  constructor(seed: number) {
    this.#next = seededRandom(seed);
  }

  /** [0, 1). */
  float(): number {
    return this.#next();
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.#next() * n);
  }

  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.#next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.int(items.length)] as T;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }

  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }
}

function envInt(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name}=${text} is not a non-negative integer`);
  return value;
}

/** The run seed. */
export const FUZZ_SEED = envInt('VPC_CNI_FUZZ_SEED') ?? DEFAULT_SEED;

/**
 * How many cases a target runs: `defaultCount`, or VPC_CNI_FUZZ_CASES (a tenth of it, at least 1, for `heavy`
 * targets whose cases exec a process or go through a socket).
 */
export function fuzzCases(defaultCount: number, heavy = false): number {
  const asked = envInt('VPC_CNI_FUZZ_CASES');
  if (asked === undefined) return defaultCount;
  return heavy ? Math.max(1, Math.round(asked / 10)) : asked;
}

/** The seed of case i of a run: a 32-bit mix of the two, so neighbouring cases get unrelated streams. */
export function caseSeed(runSeed: number, index: number): number {
  let h = (runSeed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Records facts about the current case (its input, what was sent) for the failure report. */
export type Note = (label: string, value: unknown) => void;

/** What a failing case is shown with: long values are cut, control characters escaped by JSON. */
function show(value: unknown): string {
  let text: string;
  try {
    text =
      value instanceof Uint8Array
        ? `bytes(${value.length}) ${Buffer.from(value.subarray(0, 200)).toString('hex')}`
        : (JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 600 ? `${text.slice(0, 600)}… (${text.length} chars)` : text;
}

/**
 * Runs `count` cases of a target, each with its own Rng (seeded from FUZZ_SEED and the case number), one after the
 * other. The first failing case fails the run with its seed, number, notes and a replay command.
 */
export async function runCases(
  target: string,
  count: number,
  run: (rng: Rng, note: Note, index: number) => Promise<void> | void,
): Promise<void> {
  const only = envInt('VPC_CNI_FUZZ_CASE');
  const indexes = only === undefined ? Array.from({ length: count }, (_, i) => i) : [only];
  for (const index of indexes) {
    const notes: [string, unknown][] = [];
    const note: Note = (label, value) => void notes.push([label, value]);
    try {
      await run(new Rng(caseSeed(FUZZ_SEED, index)), note, index);
    } catch (error) {
      const lines = [
        `fuzz ${target}: case ${index} failed (seed ${FUZZ_SEED}, case seed ${caseSeed(FUZZ_SEED, index)})`,
        ...notes.map(([label, value]) => `  ${label}: ${show(value)}`),
        `  error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        `  replay: VPC_CNI_FUZZ_SEED=${FUZZ_SEED} VPC_CNI_FUZZ_CASE=${index} npx tsx scripts/run-tests.ts test/fuzz/${target.split('/')[0] ?? ''}`,
      ];
      throw new Error(lines.join('\n'), { cause: error });
    }
  }
}

/** Rejects when `promise` has not settled within `ms` (a hang is a failure, not a stuck test run). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hang: ${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
