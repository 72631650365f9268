/**
 * What the demo must undo, in reverse order of making it: every step that creates something registers its undo
 * here right away, so a failure or a Ctrl-C at any point of start-up removes exactly what exists. A failing undo
 * does not stop the others; its error is collected and reported.
 *
 * @example
 * const cleanup = new Cleanup();
 * try {
 *   const sim = await startSim(...);
 *   cleanup.add('embedded VPC', () => sim.close());
 *   ...
 * } finally {
 *   const problems = await cleanup.run();
 * }
 */

export interface CleanupProblem {
  readonly what: string;
  readonly error: unknown;
}

export class Cleanup {
  readonly #steps: { what: string; undo: () => Promise<void> }[] = [];
  #running: Promise<CleanupProblem[]> | undefined;

  /** Registers an undo step; it runs before every step registered earlier. */
  add(what: string, undo: () => Promise<void>): void {
    this.#steps.push({ what, undo });
  }

  /** Runs every step once, newest first; concurrent and later calls get the same result. */
  run(onStep?: (what: string) => void): Promise<CleanupProblem[]> {
    this.#running ??= (async () => {
      const problems: CleanupProblem[] = [];
      for (let step = this.#steps.pop(); step !== undefined; step = this.#steps.pop()) {
        onStep?.(step.what);
        try {
          await step.undo();
        } catch (error) {
          problems.push({ what: step.what, error });
        }
      }
      return problems;
    })();
    return this.#running;
  }
}

/**
 * Runs `work` on every item with at most `limit` in flight; resolves with the results in item order. Rejections are
 * results too (`{ ok: false }`), so one failure does not abandon the rest.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<({ ok: true; value: R } | { ok: false; error: unknown })[]> {
  const results = new Array<{ ok: true; value: R } | { ok: false; error: unknown }>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { ok: true, value: await work(items[index] as T, index) };
      } catch (error) {
        results[index] = { ok: false, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
