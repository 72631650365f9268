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
import type { NetlinkExecutor, SpawnFn } from './exec.js';

export { nodeSpawn, type SpawnFn, type SpawnResult } from './exec.js';

/** What the pod wiring needs of an executor. */
export type PodExecutor = Pick<NetlinkExecutor, 'confined' | 'run' | 'batch' | 'ipJson'>;

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
