/**
 * Feedback for long operations (demo start-up, pod creation, scaling): on a terminal a spinner, or a bar when the
 * number of steps is known, redrawn in place; elsewhere (a pipe, a log file, CI) plain lines only, one when a step
 * starts and one when it ends, so logs stay readable.
 *
 * @example
 * const progress = createProgress(io.stderr);
 * const step = progress.step('creating pods', 9);
 * step.update(3, 'default/web-1 10.11.0.7');
 * step.log('2048-game/2048-deployment-…: 10.11.0.5 on ip-10-11-16-31');
 * step.succeed('9 pods');            // "✓ creating pods: 9 pods (1.2 s)"
 */
import type { Progress, ProgressStep } from '../obs/progress.js';

/** A stream as the CLI has it; `isTTY` (process.stderr's) turns on the redrawn spinner and bar. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const BAR_WIDTH = 24;

const seconds = (startedMs: number): string => `${((performance.now() - startedMs) / 1000).toFixed(1)} s`;

/** `[=========>          ] 3/9` */
export function renderBar(done: number, total: number, width = BAR_WIDTH): string {
  const ratio = total <= 0 ? 1 : Math.min(1, Math.max(0, done / total));
  const filled = Math.round(ratio * width);
  const head = filled < width && filled > 0 ? '>' : '';
  return `[${'='.repeat(Math.max(0, filled - head.length))}${head}${' '.repeat(width - filled)}] ${done}/${total}`;
}

/** A {@link Progress} that writes nothing (tests, `--quiet`). */
export const silentProgress: Progress = {
  step: () => ({ update: () => undefined, log: () => undefined, succeed: () => undefined, fail: () => undefined }),
};

/** Progress on `stream`: redrawn on a terminal (or when `tty` says so), plain lines otherwise. */
export function createProgress(stream: ProgressStream, options: { tty?: boolean } = {}): Progress {
  const tty = options.tty ?? stream.isTTY === true;
  return { step: (label, total) => (tty ? ttyStep(stream, label, total) : plainStep(stream, label)) };
}

function plainStep(stream: ProgressStream, label: string): ProgressStep {
  const started = performance.now();
  stream.write(`… ${label}\n`);
  return {
    update: () => undefined,
    log: (line) => stream.write(`  ${line}\n`),
    succeed: (summary) => stream.write(`✓ ${label}: ${summary} (${seconds(started)})\n`),
    fail: (summary) => stream.write(`✗ ${label}: ${summary} (${seconds(started)})\n`),
  };
}

function ttyStep(stream: ProgressStream, label: string, total: number | undefined): ProgressStep {
  const started = performance.now();
  let frame = 0;
  let done = 0;
  let detail = '';
  let finished = false;
  const width = Math.max(40, (stream.columns === undefined || stream.columns === 0 ? 100 : stream.columns) - 1);
  const draw = (): void => {
    const spinner = FRAMES[frame % FRAMES.length] ?? '*';
    // The bar first: on a narrow terminal the end of the line is what gets cut.
    const bar = total === undefined ? '' : `${renderBar(done, total)} `;
    const line = `${spinner} ${bar}${label} ${detail}`.trimEnd();
    stream.write(`\r\x1b[K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
  };
  const timer = setInterval(() => {
    frame += 1;
    draw();
  }, 100);
  timer.unref();
  draw();
  const finish = (mark: string, summary: string): void => {
    if (finished) return;
    finished = true;
    clearInterval(timer);
    stream.write(`\r\x1b[K${mark} ${label}: ${summary} (${seconds(started)})\n`);
  };
  return {
    update: (n, text) => {
      done = n;
      if (text !== undefined) detail = text;
      if (!finished) draw();
    },
    log: (line) => {
      stream.write(`\r\x1b[K  ${line}\n`);
      if (!finished) draw();
    },
    succeed: (summary) => finish('✓', summary),
    fail: (summary) => finish('✗', summary),
  };
}
