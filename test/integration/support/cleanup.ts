/**
 * What the integration tests leave behind, and how they make sure nothing is: child processes are registered and
 * SIGKILLed when the test process exits, whatever happened; `Cleanup` runs every teardown step even when some fail and
 * reports the failures together.
 *
 * @example
 * const cleanup = new Cleanup('the test VPC');
 * cleanup.defer(() => sim.close());
 * await cleanup.run(); // runs the steps in reverse order, throws an AggregateError naming every failed step
 */
import type { ChildProcess } from 'node:child_process';

const children = new Set<ChildProcess>();
let hooked = false;

/** Registers a child process to be SIGKILLed if it is still running when this process exits. */
export function trackChild(child: ChildProcess): void {
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const running of children) running.kill('SIGKILL');
    });
  }
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/** Teardown steps, run last-in first-out; every step runs even when an earlier one failed. */
export class Cleanup {
  readonly #steps: (() => Promise<unknown>)[] = [];
  #running: Promise<void> | undefined;

  constructor(private readonly what: string) {}

  defer(step: () => Promise<unknown>): void {
    this.#steps.push(step);
  }

  /** Runs the steps once (later calls await the same run). */
  run(): Promise<void> {
    this.#running ??= (async () => {
      const problems: unknown[] = [];
      for (const step of this.#steps.reverse()) {
        try {
          await step();
        } catch (error) {
          problems.push(error);
        }
      }
      if (problems.length > 0) throw new AggregateError(problems, `cleaning up ${this.what} failed`);
    })();
    return this.#running;
  }
}
