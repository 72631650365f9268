/**
 * Runs `vpc-cni demo` as a child process (`node bin/vpc-cni demo ...`, as a user would), with free ports and a run
 * directory of its own, and checks afterwards that it left nothing behind: no namespace of its pid, no process
 * still using one, no run directory.
 *
 * @example
 * const demo = startDemo(['--exit', '--pods', '2']);
 * const { code, stdout } = await demo.exited;
 * await assertNothingLeft(demo);
 */
import { strict as assert } from 'node:assert';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
export const CLI = join(ROOT, 'bin', 'vpc-cni');

let counter = 0;

export interface DemoProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly runDir: string;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout or stderr contains `text`; rejects when the demo exits first or after `timeoutMs`. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

export function startDemo(args: readonly string[]): DemoProcess {
  counter += 1;
  const runDir = join(tmpdir(), `vcni-demo-test-${process.pid}-${counter}`);
  const child = spawn(process.execPath, [CLI, 'demo', '--base-port', '0', '--run-dir', runDir, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  const check = (): void => {
    for (const w of [...waiters]) {
      if (out.includes(w.text) || err.includes(w.text)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    check();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
    check();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) => {
      child.on('close', (code, signal) => resolve({ code, signal, stdout: out, stderr: err }));
    },
  );
  return {
    child,
    pid: child.pid ?? -1,
    runDir,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor: (text, timeoutMs = 45_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`demo did not print '${text}' within ${timeoutMs} ms:\n${out}\n${err}`)),
          timeoutMs,
        );
        const done = (): void => {
          clearTimeout(timer);
          resolve();
        };
        waiters.push({ text, resolve: done });
        check();
        void exited.then(({ code }) => {
          clearTimeout(timer);
          if (!(out.includes(text) || err.includes(text)))
            reject(new Error(`demo exited (${code}) before printing '${text}':\n${out}\n${err}`));
        });
      }),
  };
}

/** No namespace named after the demo's pid, no process using one, no run directory. */
export function assertNothingLeft(demo: DemoProcess): void {
  const namespaces = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.startsWith(`vcni-${demo.pid}-`));
  assert.deepEqual(namespaces, [], 'namespaces left behind');
  const processes = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(`vcni-${demo.pid}-`) || line.includes(demo.runDir));
  assert.deepEqual(processes, [], 'processes left behind');
  assert.equal(existsSync(demo.runDir), false, `run directory ${demo.runDir} left behind`);
}

/** The rows of the pod table the demo printed (the lines after its title, up to the blank line). */
export function podTableRows(stdout: string): string[][] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((line) => line.startsWith("Pods, as 'kubectl get pods"));
  assert.ok(start >= 0, `no pod table in:\n${stdout}`);
  assert.match(
    lines[start + 1] ?? '',
    /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/,
  );
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (line.trim() === '') break;
    rows.push(line.split(/\s{2,}/));
  }
  return rows;
}
