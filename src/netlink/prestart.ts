/**
 * Processes started before their input is known. Starting `ip` costs 2–5 ms (fork, exec, dynamic linking, opening
 * the namespace); when the caller is waiting for something else meanwhile — the aws-cni plugin waiting for ipamd's
 * answer — that cost can be hidden: {@link Parking.park} spawns the program at once with its stdin left open, and the
 * executor's next run of the same argv takes the parked process and writes the input then. A parked process that is
 * never used is cancelled: its stdin is closed empty, so `ip -batch -` exits having done nothing.
 *
 * The spawn function decides how much is overlapped: `Bun.spawn` starts the process at once; node's execFile
 * ({@link nodeSpawn}) waits for the input before spawning (nothing is gained, nothing breaks).
 *
 * @example
 * const parking = new Parking(spawnFn);
 * const cancel = parking.park(['ip', '-n', 'pod1', '-batch', '-'], 10_000);
 * // ... later, in the executor:
 * const result = await (parking.take(argv)?.(input) ?? spawnFn(argv, { input, timeoutMs }));
 */
import type { Preparation } from './port.js';
import type { SpawnFn, SpawnResult } from './spawn.js';

/** Feeds a parked process its stdin and resolves with how it ended. */
export type ParkedRun = (input: string) => Promise<SpawnResult>;

interface Parked {
  readonly feed: (input: string | undefined) => void;
  readonly result: Promise<SpawnResult>;
}

/** The parked processes of one executor, by argv. */
export class Parking {
  readonly #spawn: SpawnFn;
  readonly #parked = new Map<string, Parked[]>();

  constructor(spawn: SpawnFn) {
    this.#spawn = spawn;
  }

  /**
   * Spawns argv now, its stdin open until the process is taken (or cancelled). Returns the cancel function, a
   * no-op once the process was taken. `timeoutMs` counts from when the input is written.
   */
  park(argv: readonly string[], timeoutMs: number): () => void {
    let feed: (input: string | undefined) => void = () => undefined;
    const input = new Promise<string | undefined>((resolve) => {
      feed = resolve;
    });
    const result = this.#spawn(argv, { input, timeoutMs });
    // A cancelled or failed-to-start process must never surface as an unhandled rejection.
    result.catch(() => undefined);
    const entry: Parked = { feed, result };
    const key = keyOf(argv);
    const list = this.#parked.get(key);
    if (list === undefined) this.#parked.set(key, [entry]);
    else list.push(entry);
    return () => {
      if (this.#remove(key, entry)) entry.feed(undefined);
    };
  }

  /** The oldest parked process for argv, removed from the parking, as a function that feeds it; undefined if none. */
  take(argv: readonly string[]): ParkedRun | undefined {
    const key = keyOf(argv);
    const entry = this.#parked.get(key)?.[0];
    if (entry === undefined) return undefined;
    this.#remove(key, entry);
    return (input) => {
      entry.feed(input);
      return entry.result;
    };
  }

  /** Parked processes not yet taken nor cancelled. */
  get size(): number {
    let count = 0;
    for (const list of this.#parked.values()) count += list.length;
    return count;
  }

  #remove(key: string, entry: Parked): boolean {
    const list = this.#parked.get(key);
    const index = list?.indexOf(entry) ?? -1;
    if (list === undefined || index < 0) return false;
    list.splice(index, 1);
    if (list.length === 0) this.#parked.delete(key);
    return true;
  }
}

function keyOf(argv: readonly string[]): string {
  return argv.join('\0');
}

/**
 * A {@link Preparation} whose work begins at start() (once; later calls do nothing); `begin` returns the undo, which
 * cancel() runs (a no-op before start()).
 */
export function preparation(begin: () => () => void): Preparation {
  let cancel: (() => void) | undefined;
  return {
    start: () => {
      cancel ??= begin();
    },
    cancel: () => cancel?.(),
  };
}
