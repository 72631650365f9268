/**
 * `Bun.spawn` as a spawn function for {@link NetlinkExecutor}: the aws-cni plugin is one short-lived process per CNI
 * call, so how it spawns is much of its cost. Under Bun (the compiled `bin/aws-cni`), `Bun.spawn` starts `ip` in about
 * 1 ms, where the first `execFile` of Bun's node:child_process costs 13 ms and loading the module another 2.5; under
 * Node, the executor's default {@link nodeSpawn} loads child_process on first use only.
 *
 * @example
 * const executor = new NetlinkExecutor({ spawn: bunSpawn() ?? nodeSpawn() });
 * const pods = new NetlinkPodNetwork({ executor });
 */
import { NetlinkError } from './errors.js';
import type { NetlinkExecutor } from './exec.js';
import type { SpawnFn } from './spawn.js';

export { nodeSpawn, type SpawnFn, type SpawnResult } from './spawn.js';

/** What the pod wiring needs of an executor. */
export type PodExecutor = Pick<NetlinkExecutor, 'confined' | 'run' | 'batch' | 'ipJson' | 'prestart' | 'prestartBatch'>;

/** The few Bun APIs used (declared here: the project does not depend on Bun's types). */
interface BunFileSink {
  write(chunk: Uint8Array): number | Promise<number>;
  end(): number | Promise<number>;
}
interface BunSubprocess {
  readonly stdin: BunFileSink | undefined;
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  readonly exited: Promise<number>;
  readonly signalCode: string | null;
  kill(signal?: number | string): void;
}
interface BunRuntime {
  spawn(
    cmd: string[],
    options: { stdin: Uint8Array | 'ignore' | 'pipe'; stdout: 'pipe'; stderr: 'pipe' },
  ): BunSubprocess;
}

async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

/** Writes a promised input once it resolves, then closes stdin; a child that exited first (EPIPE) is not an error. */
async function feedLater(
  child: BunSubprocess,
  input: Promise<string | undefined>,
  encoder: InstanceType<typeof TextEncoder>,
): Promise<void> {
  const text = await input;
  try {
    if (text !== undefined && text !== '') await child.stdin?.write(encoder.encode(text));
    await child.stdin?.end();
  } catch {
    // The exit code and stderr say why the child stopped reading.
  }
}

/**
 * `Bun.spawn` as a {@link SpawnFn} (the child inherits the environment, as with execFile), or undefined off Bun. A
 * promised input starts the process at once with a pipe for stdin, written when the promise resolves (prestart.ts).
 */
export function bunSpawn(): SpawnFn | undefined {
  const bun = (globalThis as { Bun?: BunRuntime }).Bun;
  if (bun === undefined) return undefined;
  const encoder = new TextEncoder();
  return async (argv, options) => {
    const { input } = options;
    let child: BunSubprocess;
    try {
      child = bun.spawn([...argv], {
        stdin: input === undefined ? 'ignore' : typeof input === 'string' ? encoder.encode(input) : 'pipe',
        stdout: 'pipe',
        stderr: 'pipe',
      });
    } catch (error) {
      throw new NetlinkError(
        'NETLINK_SPAWN_FAILED',
        `${argv.join(' ')}: ${(error as Error).message}`,
        { command: argv.join(' ') },
        error,
      );
    }
    if (input instanceof Promise) await feedLater(child, input, encoder);
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
