/**
 * The one place in vpc-cni that spawns processes. It runs iproute2 (`ip`, `ip -json`, `ip -batch -`), `nsenter`
 * and `sysctl` through `execFile` with argv arrays (never a shell), inside a named namespace (`ip -n NAME`) or a
 * namespace file (`nsenter --net=PATH -- ip ...`: `ip -n` takes names only), with a timeout, and turns failures
 * into {@link NetlinkError}s whose code says what happened ("File exists", "Cannot find device", ...).
 *
 * Node cannot `setns(2)` one thread the way Go's `ns.Do` does, so every namespace switch is a process. Spawning is
 * the cost that matters (about 5 ms per `ip`, 5.6 ms for a batch of 10 commands on the project's machines): callers
 * send each operation as one {@link NetlinkExecutor.batch}.
 *
 * @example
 * const exec = new NetlinkExecutor({ confined: true });
 * await exec.batch([linkSetUp('lo'), addrReplace('10.0.0.1/32', 'lo')], { netns: 'vcni-42-1-vpc' });
 * const links = await exec.ipJson<{ ifname: string }[]>({ args: ['link', 'show'] }, { netns: 'vcni-42-1-vpc' });
 */
import {
  checkNetnsName,
  netnsPath,
  sysctlCommand,
  type FailureKind,
  type IpCommand,
  type ProgramCommand,
} from './commands.js';
import { NetlinkError, type NetlinkErrorCode } from './errors.js';
import { nodeSpawn, type SpawnFn } from './spawn.js';
import { Parking } from './prestart.js';

/**
 * Reads iproute2's and nsenter's stderr. Namespace errors come first because their text also ends in "No such file
 * or directory". Newer kernels answer with extack text ("Error: ipv4: Address already assigned.") instead of
 * strerror ("RTNETLINK answers: File exists"), so both spellings are listed.
 */
export function classifyFailure(stderr: string): FailureKind {
  if (/Cannot open network namespace|nsenter: cannot open|reassociate to namespace/i.test(stderr)) return 'no-netns';
  if (/File exists|already assigned|already exists/i.test(stderr)) return 'exists';
  if (/Cannot find device|No such device|Device does not exist/i.test(stderr)) return 'no-device';
  if (
    /No such file or directory|No such process|Address not found|Cannot assign requested address|FIB table does not exist/i.test(
      stderr,
    )
  ) {
    return 'not-found';
  }
  return 'other';
}

const CODE_OF_KIND: Record<FailureKind, NetlinkErrorCode> = {
  exists: 'NETLINK_EXISTS',
  'not-found': 'NETLINK_NOT_FOUND',
  'no-device': 'LINK_NOT_FOUND',
  'no-netns': 'NETNS_NOT_FOUND',
  other: 'NETLINK_COMMAND_FAILED',
};

/** Where an `ip` command runs: a namespace name (`ip -n`) or an absolute namespace file (`nsenter --net=`). */
export interface IpOptions {
  readonly netns?: string;
  readonly timeoutMs?: number;
}

export interface RunOptions {
  readonly input?: string;
  readonly timeoutMs?: number;
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/** A failed line of a batch: 1-based line number, the command, and how it failed. */
export interface BatchFailure {
  readonly line: number;
  readonly command: IpCommand;
  readonly kind: FailureKind;
  readonly message: string;
}

export interface BatchResult {
  /** Lines that failed in a way their command tolerates (e.g. deleting a route that was already gone). */
  readonly tolerated: readonly BatchFailure[];
}

export interface ExecutorOptions {
  readonly ipPath?: string;
  readonly nsenterPath?: string;
  /** Per spawned process; default 10 s. The process is killed with SIGKILL when it runs over. */
  readonly timeoutMs?: number;
  /**
   * Refuse every `ip` command that would run in the caller's own namespace, except `ip netns ...`. The embedded VPC
   * uses this so that a missing `netns` option can never configure the machine's root namespace.
   */
  readonly confined?: boolean;
  /**
   * How a process is started: {@link nodeSpawn} by default (node:child_process, loaded on first use); the plugin
   * passes `Bun.spawn` when it runs compiled by Bun (src/netlink/pod-exec.ts), where child_process costs ~15 ms.
   */
  readonly spawn?: SpawnFn;
}

// `ip -batch` splits lines on blanks, honours quotes, cuts at `#` and joins lines ending in `\`: refuse all of them.
const BATCH_WORD = /^[^\s"'#\\]+$/;

/** The stdin of `ip -batch -` for these commands, one per line. Pure; throws on a word the batch parser would mangle. */
export function serializeBatch(commands: readonly IpCommand[]): string {
  let text = '';
  for (let i = 0; i < commands.length; i++) {
    const args = (commands[i] as IpCommand).args;
    if (args.length === 0) throw new NetlinkError('NETLINK_INVALID_ARGUMENT', 'empty command in a batch');
    for (let j = 0; j < args.length; j++) {
      const word = args[j] as string;
      if (!BATCH_WORD.test(word)) {
        throw new NetlinkError('NETLINK_INVALID_ARGUMENT', `word ${JSON.stringify(word)} cannot be sent to ip -batch`, {
          command: args.join(' '),
        });
      }
    }
    text += `${args.join(' ')}\n`;
  }
  return text;
}

/**
 * Splits the stderr of `ip -force -batch -` into failed lines. iproute2 prints each line's own error text, then
 * `Command failed -:N` (N is 1-based), and with `-force` goes on with the next line.
 */
export function parseBatchErrors(stderr: string): Map<number, string> {
  const failures = new Map<number, string>();
  let pending: string[] = [];
  for (const text of stderr.split('\n')) {
    const marker = /^Command failed -:(\d+)\s*$/.exec(text);
    if (marker?.[1] === undefined) {
      if (text.trim() !== '') pending.push(text.trim());
      continue;
    }
    failures.set(Number(marker[1]), pending.join('; '));
    pending = [];
  }
  return failures;
}

/** What the confinement check sees for a prestarted batch whose commands are not known yet: not `ip netns`. */
const PRESTARTED: IpCommand = { args: ['(prestarted)'] };

/** Runs `ip` and friends. Counts spawns, so tests and benchmarks can check that an operation is one batch. */
export class NetlinkExecutor {
  readonly #ip: string;
  readonly #nsenter: string;
  readonly #timeoutMs: number;
  readonly #confined: boolean;
  readonly #spawnFn: SpawnFn;
  readonly #parking: Parking;
  #spawns = 0;

  /** True when this executor refuses to configure the namespace of the process itself (tests, the fabric). */
  get confined(): boolean {
    return this.#confined;
  }

  constructor(options: ExecutorOptions = {}) {
    this.#ip = options.ipPath ?? 'ip';
    this.#nsenter = options.nsenterPath ?? 'nsenter';
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#confined = options.confined ?? false;
    this.#spawnFn = options.spawn ?? nodeSpawn();
    this.#parking = new Parking(this.#spawnFn);
  }

  /**
   * Starts `program` now with its stdin open; the next {@link run} of the same program takes that process and writes
   * its input, so the start-up overlapped whatever the caller awaited in between (see prestart.ts). Returns a
   * cancel function (a no-op once the process was used). Refused like {@link run} would refuse the program.
   */
  prestart(program: ProgramCommand): () => void {
    this.#spawns += 1;
    return this.#parking.park([program.file, ...program.args], this.#timeoutMs);
  }

  /** {@link prestart} for the next {@link batch} with these options (`ip -force -batch -`, maybe in a namespace). */
  prestartBatch(options: IpOptions = {}): () => void {
    const argv = this.#ipArgv(['-force', '-batch', '-'], [PRESTARTED], options.netns);
    this.#spawns += 1;
    return this.#parking.park(argv, options.timeoutMs ?? this.#timeoutMs);
  }

  /** Prestarted processes neither used nor cancelled yet. */
  get parked(): number {
    return this.#parking.size;
  }

  /** Processes spawned so far. */
  get spawnCount(): number {
    return this.#spawns;
  }

  /** Runs one `ip` command and returns its stdout; a tolerated failure returns ''. */
  async ip(command: IpCommand, options: IpOptions = {}): Promise<string> {
    const argv = this.#ipArgv(command.args, [command], options.netns);
    const result = await this.#spawn(argv, options.timeoutMs);
    if (result.exitCode === 0) return result.stdout;
    const kind = classifyFailure(result.stderr);
    if (command.tolerate?.includes(kind) === true) return '';
    throw failure(kind, argv, result, options.netns);
  }

  /** Runs `ip -json ...` and parses the output (iproute2 prints nothing at all for some empty dumps). */
  async ipJson<T = unknown>(command: IpCommand, options: IpOptions = {}): Promise<T> {
    const argv = this.#ipArgv(['-json', ...command.args], [command], options.netns);
    const result = await this.#spawn(argv, options.timeoutMs);
    if (result.exitCode !== 0) throw failure(classifyFailure(result.stderr), argv, result, options.netns);
    const text = result.stdout.trim();
    try {
      return JSON.parse(text === '' ? '[]' : text) as T;
    } catch (cause) {
      throw new NetlinkError(
        'NETLINK_BAD_OUTPUT',
        `${argv.join(' ')}: output is not JSON`,
        { command: argv.join(' '), stdout: text.slice(0, 500) },
        cause,
      );
    }
  }

  /**
   * Runs many commands in one `ip -force -batch -` process. `-force` keeps going after a failed line, so a
   * tolerated failure does not stop the rest; the first line that failed in a way its command does not tolerate is
   * thrown (with every failure in `details.failures`). A batch is not a transaction: lines before and after a
   * failure have taken effect.
   */
  async batch(commands: readonly IpCommand[], options: IpOptions = {}): Promise<BatchResult> {
    if (commands.length === 0) return { tolerated: [] };
    const input = serializeBatch(commands);
    const argv = this.#ipArgv(['-force', '-batch', '-'], commands, options.netns);
    const result = await this.#spawn(argv, options.timeoutMs, input);
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
    const summary = failures.map((f) => ({
      line: f.line,
      command: f.command.args.join(' '),
      kind: f.kind,
      message: f.message,
    }));
    throw new NetlinkError(
      CODE_OF_KIND[fatal.kind],
      `ip -batch line ${fatal.line} (${fatal.command.args.join(' ')}): ${fatal.message}`,
      {
        command: fatal.command.args.join(' '),
        line: fatal.line,
        netns: options.netns,
        exitCode: result.exitCode,
        stderr: result.stderr,
        failures: summary,
      },
    );
  }

  /** Writes sysctls inside a namespace (name or path) in one process. */
  async sysctl(netns: string, settings: Readonly<Record<string, string | number>>, timeoutMs?: number): Promise<void> {
    await this.run(
      sysctlCommand(netns.startsWith('/') ? netns : netnsPath(netns), settings),
      timeoutMs === undefined ? {} : { timeoutMs },
    );
  }

  /** Runs any program; a non-zero exit is thrown as a classified {@link NetlinkError}. */
  async run(program: ProgramCommand, options: RunOptions = {}): Promise<RunResult> {
    const argv = [program.file, ...program.args];
    const result = await this.#spawn(argv, options.timeoutMs, options.input);
    if (result.exitCode !== 0) throw failure(classifyFailure(result.stderr), argv, result, undefined);
    return result;
  }

  #ipArgv(tail: readonly string[], commands: readonly IpCommand[], netns: string | undefined): string[] {
    if (netns === undefined) {
      if (this.#confined && !commands.every((c) => c.args[0] === 'netns')) {
        throw new NetlinkError(
          'NETLINK_INVALID_ARGUMENT',
          'confined executor: refusing to run ip outside a network namespace',
          { commands: commands.map((c) => c.args.join(' ')) },
        );
      }
      return [this.#ip, ...tail];
    }
    if (netns.startsWith('/')) return [this.#nsenter, `--net=${netns}`, '--', this.#ip, ...tail];
    return [this.#ip, '-n', checkNetnsName(netns), ...tail];
  }

  async #spawn(argv: readonly string[], timeoutMs: number | undefined, input?: string): Promise<RunResult> {
    const timeout = timeoutMs ?? this.#timeoutMs;
    const parked = input === undefined ? undefined : this.#parking.take(argv);
    if (parked === undefined) this.#spawns += 1;
    const result = await (parked !== undefined && input !== undefined
      ? parked(input)
      : this.#spawnFn(argv, input === undefined ? { timeoutMs: timeout } : { input, timeoutMs: timeout }));
    if (result.timedOut) {
      throw new NetlinkError('NETLINK_TIMEOUT', `${argv.join(' ')}: killed after ${timeout} ms`, {
        command: argv.join(' '),
        timeoutMs: timeout,
        stderr: result.stderr,
      });
    }
    return { stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode };
  }
}

function failure(
  kind: FailureKind,
  argv: readonly string[],
  result: RunResult,
  netns: string | undefined,
): NetlinkError {
  const firstLine = result.stderr.trim().split('\n')[0] ?? '';
  return new NetlinkError(CODE_OF_KIND[kind], `${argv.join(' ')}: ${firstLine || `exit code ${result.exitCode}`}`, {
    command: argv.join(' '),
    netns,
    exitCode: result.exitCode,
    stderr: result.stderr,
  });
}
