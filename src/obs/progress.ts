/**
 * How long operations (demo start-up, pod creation, the custom-networking steps) report what they are doing: the
 * port they report through. The terminal's spinner and bar implement it in src/cli/progress.ts; tests record it.
 *
 * @example
 * const step = progress.step('creating pods', 9);
 * step.update(3, 'default/web-1 10.11.0.7');
 * step.succeed('9 pods');
 */

export interface ProgressStep {
  /** Steps done so far (of the total given to {@link Progress.step}) and what is going on now. */
  update(done: number, detail?: string): void;
  /** A line worth keeping (printed above the bar on a terminal, as is elsewhere). */
  log(line: string): void;
  succeed(summary: string): void;
  fail(summary: string): void;
}

export interface Progress {
  step(label: string, total?: number): ProgressStep;
}
