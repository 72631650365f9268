/**
 * The knobs every chaos test shares: a seed (random per run, or `VPC_CNI_CHAOS_SEED`), a seeded random source for the
 * test's decisions (which pod, which verb, when to strike), the number of rounds (`VPC_CNI_CHAOS_ROUNDS`, a bounded
 * default for `npm test`) and `withSeed`, which puts the seed and the command that replays it into every failure.
 * The seed replays the test's plan; the interleaving with ipamd and the plugin stays the machine's.
 *
 * @example
 * const chaos = chaosSettings(20);
 * await withSeed(chaos, async () => { if (chaos.random() < 0.5) ... });
 */
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '../../src/ipam/random.js';

export interface ChaosSettings {
  readonly seed: number;
  readonly rounds: number;
  /** Uniform in [0, 1), from the seed. */
  readonly random: () => number;
  /** An integer in [min, max]. */
  between(min: number, max: number): number;
  /** One of `items`. */
  pick<T>(items: readonly T[]): T;
}

function envInt(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0)
    throw new Error(`${name} must be a non-negative integer, got '${text}'`);
  return value;
}

/** The seed and rounds of this run: `VPC_CNI_CHAOS_SEED`, `VPC_CNI_CHAOS_ROUNDS` (long mode) or `defaultRounds`. */
export function chaosSettings(defaultRounds: number): ChaosSettings {
  const seed = envInt('VPC_CNI_CHAOS_SEED') ?? Math.floor(Math.random() * 2 ** 31);
  const rounds = envInt('VPC_CNI_CHAOS_ROUNDS') ?? defaultRounds;
  const random = seededRandom(seed);
  const between = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => {
    if (items.length === 0) throw new Error('pick from nothing');
    return items[between(0, items.length - 1)] as T;
  };
  return { seed, rounds, random, between, pick };
}

/** How to replay a run. */
export function replayHint(chaos: ChaosSettings): string {
  return `chaos seed ${chaos.seed} (replay: VPC_CNI_CHAOS_SEED=${chaos.seed} VPC_CNI_CHAOS_ROUNDS=${chaos.rounds})`;
}

/**
 * Runs `body`; a failure is rethrown with the seed in front of its message (assertion details kept) and the logs of
 * `logs()` (e.g. each node's ipamd) written to files in the temporary directory, named in the message.
 */
export async function withSeed<T>(
  chaos: ChaosSettings,
  body: () => Promise<T>,
  logs: () => Record<string, string> = () => ({}),
): Promise<T> {
  try {
    return await body();
  } catch (error) {
    const files: string[] = [];
    for (const [name, text] of Object.entries(logs())) {
      const file = join(tmpdir(), `vcni-chaos-${chaos.seed}-${process.pid}-${name}.log`);
      await writeFile(file, text).then(
        () => files.push(file),
        () => undefined,
      );
    }
    if (error instanceof Error) {
      const prefix = `[${replayHint(chaos)}${files.length === 0 ? '' : `; logs: ${files.join(' ')}`}] `;
      if (error.stack !== undefined) error.stack = error.stack.replace(error.message, prefix + error.message);
      error.message = prefix + error.message;
      throw error;
    }
    throw new Error(`[${replayHint(chaos)}] ${String(error)}`, { cause: error });
  }
}
