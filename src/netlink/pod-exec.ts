/**
 * The process runner of the aws-cni plugin's pod wiring: the same contract as {@link NetlinkExecutor} (`run`,
 * `batch`, `ipJson`, classified {@link NetlinkError}s), over a spawn function chosen by the runtime the plugin runs
 * on. The plugin is one short-lived process per CNI call, so what it loads and how it spawns is most of its cost:
 * under Bun (the compiled `bin/aws-cni`), `Bun.spawn` starts `ip` in about 1 ms, where the first `execFile` of Bun's
 * node:child_process costs 13 ms and loading the module another 2.5; under Node, child_process is loaded on first
 * use only.
 *
 * @example
 * const runner = new SpawnPodExecutor({ spawn: bunSpawn() ?? nodeSpawn() });
 * const pods = new NetlinkPodNetwork({ executor: runner });
 */
import type { IpCommand, ProgramCommand, FailureKind } from './commands.js';
import { checkNetnsName } from './commands.js';
import { NetlinkError, type NetlinkErrorCode } from './errors.js';
import { classifyFailure, parseBatchErrors, serializeBatch } from './exec.js';
import type { BatchFailure, BatchResult, IpOptions, NetlinkExecutor, RunOptions, RunResult } from './exec.js';

/** What the pod wiring needs of an executor; {@link NetlinkExecutor} and {@link SpawnPodExecutor} both are one. */
export type PodExecutor = Pick<NetlinkExecutor, 'confined' | 'run' | 'batch' | 'ipJson'>;

/** How a spawned program ended: its output, and its exit code (128 + n for a signal, as a shell reports it). */
export interface SpawnResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
  /** True when the timeout killed it. */
  readonly timedOut: boolean;
}

/** Spawns argv (no shell), feeds `input` to its stdin and collects its output; rejects only when it cannot start. */
export type SpawnFn = (argv: readonly string[], options: { readonly input?: string; readonly timeoutMs: number }) => Promise<SpawnResult>;

/** The few Bun APIs used (declared here: the project does not depend on Bun's types). */
interface BunSubprocess {
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  readonly exited: Promise<number>;
  readonly signalCode: string | null;
  kill(signal?: number | string): void;
}
interface BunRuntime {
  spawn(
    cmd: string[],
    options: { stdin: Uint8Array | 'ignore'; stdout: 'pipe'; stderr: 'pipe' },
  ): BunSubprocess;
}

async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

/** `Bun.spawn` as a {@link SpawnFn} (the child inherits the environment, as with execFile), or undefined off Bun. */
export function bunSpawn(): SpawnFn | undefined {
  const bun = (globalThis as { Bun?: BunRuntime }).Bun;
  if (bun === undefined) return undefined;
  const encoder = new TextEncoder();
  return async (argv, options) => {
    let child: BunSubprocess;
    try {
      child = bun.spawn([...argv], {
        stdin: options.input === undefined ? 'ignore' : encoder.encode(options.input),
        stdout: 'pipe',
        stderr: 'pipe',
      });
    } catch (error) {
      throw new NetlinkError('NETLINK_SPAWN_FAILED', `${argv.join(' ')}: ${(error as Error).message}`, { command: argv.join(' ') }, error);
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    try {
      const [stdout, stderr, code] = await Promise.all([text(child.stdout), text(child.stderr), child.exited]);
      return { stdout, stderr, exitCode: child.signalCode === null ? code : 128 + (code & 0x7f), timedOut };
    } finally {
      clearTimeout(timer);
    }
  };
}

/** node:child_process as a {@link SpawnFn}; the module is loaded on the first spawn. */
export function nodeSpawn(): SpawnFn {
  return async (argv, options) => {
    const { execFile } = await import('node:child_process');
    const [file, ...args] = argv;
    if (file === undefined) throw new NetlinkError('NETLINK_INVALID_ARGUMENT', 'empty argv');
    return new Promise((resolve, reject) => {
      const child = execFile(file, args, { encoding: 'utf8', timeout: options.timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error === null) resolve({ stdout, stderr, exitCode: 0, timedOut: false });
        else if (typeof error.code === 'number') resolve({ stdout, stderr, exitCode: error.code, timedOut: false });
        else if (error.killed === true || typeof error.signal === 'string') resolve({ stdout, stderr, exitCode: 128 + 9, timedOut: error.killed === true });
        else reject(new NetlinkError('NETLINK_SPAWN_FAILED', `${argv.join(' ')}: ${error.message}`, { command: argv.join(' '), errno: error.code }, error));
      });
      // The child may exit before reading its stdin (a bad namespace); EPIPE is then expected and the exit code says why.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(options.input);
    });
  };
}

const CODE_OF_KIND: Record<FailureKind, NetlinkErrorCode> = {
  exists: 'NETLINK_EXISTS',
  'not-found': 'NETLINK_NOT_FOUND',
  'no-device': 'LINK_NOT_FOUND',
  'no-netns': 'NETNS_NOT_FOUND',
  other: 'NETLINK_COMMAND_FAILED',
};

export interface SpawnPodExecutorOptions {
  readonly spawn: SpawnFn;
  /** Per spawned process; default 10 s. */
  readonly timeoutMs?: number;
}

/**
 * {@link PodExecutor} over a {@link SpawnFn}, with {@link NetlinkExecutor}'s semantics: `ip -n NAME` for a namespace
 * name, `nsenter --net=PATH -- ip` for a path, the caller's own namespace when none is given (never confined: this is
 * the plugin's executor, and the plugin configures the namespace it runs in).
 */
export class SpawnPodExecutor implements PodExecutor {
  readonly confined = false;
  readonly #spawn: SpawnFn;
  readonly #timeoutMs: number;
  #spawns = 0;

  constructor(options: SpawnPodExecutorOptions) {
    this.#spawn = options.spawn;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Processes spawned so far. */
  get spawnCount(): number {
    return this.#spawns;
  }

  async run(program: ProgramCommand, options: RunOptions = {}): Promise<RunResult> {
    const argv = [program.file, ...program.args];
    const result = await this.#exec(argv, options.timeoutMs, options.input);
    if (result.exitCode !== 0) throw failure(classifyFailure(result.stderr), argv, result, undefined);
    return result;
  }

  async batch(commands: readonly IpCommand[], options: IpOptions = {}): Promise<BatchResult> {
    if (commands.length === 0) return { tolerated: [] };
    const input = serializeBatch(commands);
    const argv = ipArgv(['-force', '-batch', '-'], options.netns);
    const result = await this.#exec(argv, options.timeoutMs, input);
    if (result.exitCode === 0) return { tolerated: [] };
    const lines = parseBatchErrors(result.stderr);
    if (lines.size === 0) throw failure(classifyFailure(result.stderr), argv, result, options.netns);
    const failures: BatchFailure[] = [];
    for (const [line, message] of lines) {
      const command = commands[line - 1];
      if (command !== undefined) failures.push({ line, command, kind: classifyFailure(message), message });
    }
    const fatal = failures.find((f) => f.command.tolerate?.includes(f.kind) !== true);
    if (fatal === undefined) return { tolerated: failures };
    const summary = failures.map((f) => ({ line: f.line, command: f.command.args.join(' '), kind: f.kind, message: f.message }));
    throw new NetlinkError(CODE_OF_KIND[fatal.kind], `ip -batch line ${fatal.line} (${fatal.command.args.join(' ')}): ${fatal.message}`, {
      command: fatal.command.args.join(' '),
      line: fatal.line,
      netns: options.netns,
      exitCode: result.exitCode,
      stderr: result.stderr,
      failures: summary,
    });
  }

  async ipJson<T = unknown>(command: IpCommand, options: IpOptions = {}): Promise<T> {
    const argv = ipArgv(['-json', ...command.args], options.netns);
    const result = await this.#exec(argv, options.timeoutMs);
    if (result.exitCode !== 0) throw failure(classifyFailure(result.stderr), argv, result, options.netns);
    const out = result.stdout.trim();
    try {
      return JSON.parse(out === '' ? '[]' : out) as T;
    } catch (cause) {
      throw new NetlinkError('NETLINK_BAD_OUTPUT', `${argv.join(' ')}: output is not JSON`, { command: argv.join(' '), stdout: out.slice(0, 500) }, cause);
    }
  }

  async #exec(argv: readonly string[], timeoutMs: number | undefined, input?: string): Promise<RunResult> {
    const timeout = timeoutMs ?? this.#timeoutMs;
    this.#spawns += 1;
    const result = await this.#spawn(argv, input === undefined ? { timeoutMs: timeout } : { input, timeoutMs: timeout });
    if (result.timedOut) {
      throw new NetlinkError('NETLINK_TIMEOUT', `${argv.join(' ')}: killed after ${timeout} ms`, { command: argv.join(' '), timeoutMs: timeout, stderr: result.stderr });
    }
    return { stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode };
  }
}

function ipArgv(tail: readonly string[], netns: string | undefined): string[] {
  if (netns === undefined) return ['ip', ...tail];
  if (netns.startsWith('/')) return ['nsenter', `--net=${netns}`, '--', 'ip', ...tail];
  return ['ip', '-n', checkNetnsName(netns), ...tail];
}

function failure(kind: FailureKind, argv: readonly string[], result: RunResult, netns: string | undefined): NetlinkError {
  const firstLine = result.stderr.trim().split('\n')[0] ?? '';
  return new NetlinkError(CODE_OF_KIND[kind], `${argv.join(' ')}: ${firstLine || `exit code ${result.exitCode}`}`, {
    command: argv.join(' '),
    netns,
    exitCode: result.exitCode,
    stderr: result.stderr,
  });
}
