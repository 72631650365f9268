/**
 * How the networking adapter starts programs: {@link SpawnFn}, with node:child_process's execFile here and
 * `Bun.spawn` in pod-exec.ts (the plugin's). A promised input lets a process start before its stdin is known
 * (prestart.ts).
 */
import { NetlinkError } from './errors.js';

/** What a cancelled (never fed) parked process reports. */
export const CANCELLED: SpawnResult = Object.freeze({ stdout: '', stderr: '', exitCode: 0, timedOut: false });

/** How a spawned program ended: its output, and its exit code (128 + n for a signal, as a shell reports it). */
export interface SpawnResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
  /** True when the timeout killed it. */
  readonly timedOut: boolean;
}

/**
 * Spawns argv (no shell), feeds `input` to its stdin and collects its output; rejects only when it cannot start. A
 * promised input is written when it resolves (the timeout counts from then); a promise resolving to undefined
 * cancels: stdin is closed empty (or nothing is spawned) and the result is {@link CANCELLED}'s.
 */
export type SpawnFn = (
  argv: readonly string[],
  options: { readonly input?: string | Promise<string | undefined>; readonly timeoutMs: number },
) => Promise<SpawnResult>;

/**
 * node:child_process's execFile as a {@link SpawnFn}; the module is loaded on the first spawn only. A promised input
 * is awaited before spawning: under Node nothing is started early.
 */
export function nodeSpawn(): SpawnFn {
  return async (argv, options) => {
    const input = await options.input;
    if (input === undefined && options.input instanceof Promise) return CANCELLED;
    const { execFile } = await import('node:child_process');
    const [file, ...args] = argv;
    if (file === undefined) throw new NetlinkError('NETLINK_INVALID_ARGUMENT', 'empty argv');
    return new Promise((resolve, reject) => {
      const child = execFile(
        file,
        args,
        { encoding: 'utf8', timeout: options.timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) => {
          if (error === null) resolve({ stdout, stderr, exitCode: 0, timedOut: false });
          else if (typeof error.code === 'number') resolve({ stdout, stderr, exitCode: error.code, timedOut: false });
          else if (error.killed === true) resolve({ stdout, stderr, exitCode: 137, timedOut: true });
          else if (typeof error.signal === 'string')
            resolve({ stdout, stderr: `${stderr}\nkilled by ${error.signal}`, exitCode: 128, timedOut: false });
          else
            reject(
              new NetlinkError(
                'NETLINK_SPAWN_FAILED',
                `${argv.join(' ')}: ${error.message}`,
                { command: argv.join(' '), errno: error.code },
                error,
              ),
            );
        },
      );
      // The child may exit before reading its stdin (a bad namespace); EPIPE is then expected and the exit code says
      // why.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(input);
    });
  };
}
