/**
 * Runs `vpc-cni ARGS` in-process, as bin/vpc-cni does, and captures what it writes: the command tests check the
 * exit code and both streams without a child process.
 *
 * @example
 * const run = await runCli('max-pods', '--instance-type', 'm5.large');
 * assert.deepEqual(run, { code: 0, stdout: '29\n', stderr: '' });
 * assertFailed(await runCli('max-pods'), 2, /--instance-type TYPE or --all is required/);
 */
import * as assert from 'node:assert/strict';
import { main } from './main.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runCli(...argv: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** Asserts that a run failed: exit `code`, nothing on stdout, and a stderr that matches every pattern. */
export function assertFailed(run: CliRun, code: number, ...stderr: RegExp[]): void {
  assert.equal(run.code, code);
  assert.equal(run.stdout, '');
  for (const pattern of stderr) assert.match(run.stderr, pattern);
}
