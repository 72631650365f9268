/**
 * Runs a CNI plugin the way a container runtime does: the plugin binary exec'd inside the node's network namespace
 * (`nsenter --net=<node>`), the CNI_* variables in its environment, the network config on stdin, the result or
 * error JSON read from stdout. A non-zero exit is a CNI error result, not an exception; only a plugin that cannot
 * be started, times out, or prints something that is not JSON is thrown.
 *
 * @example
 * const out = await execCniPlugin({
 *   plugin: '/opt/cni/bin/aws-cni', nodeNetns: '/var/run/netns/vcni-1-1-n1',
 *   env: { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c1', CNI_NETNS: '/var/run/netns/pod1', CNI_IFNAME: 'eth0',
 *          CNI_PATH: '/opt/cni/bin', CNI_ARGS: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-1' },
 *   stdin: JSON.stringify(conf),
 * });
 * if (out.exitCode === 0) console.log(out.json);
 */
import { spawn } from 'node:child_process';
import { NetlinkError } from './errors.js';

export interface CniExecOptions {
  /** Absolute path of the plugin binary. */
  readonly plugin: string;
  /** The node's network namespace (path); the plugin configures it as "its own". Omitted: this process's. */
  readonly nodeNetns?: string;
  /** CNI_COMMAND, CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_ARGS, CNI_PATH, ... (the only environment passed). */
  readonly env: Readonly<Record<string, string>>;
  readonly stdin: string;
  readonly timeoutMs?: number;
}

export interface CniExecResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed; undefined when empty (DEL, CHECK print nothing on success). */
  readonly json: unknown;
  /** Wall time of the exec, in milliseconds. */
  readonly ms: number;
}

export function execCniPlugin(options: CniExecOptions): Promise<CniExecResult> {
  const argv =
    options.nodeNetns === undefined
      ? [options.plugin]
      : ['nsenter', `--net=${options.nodeNetns}`, '--', options.plugin];
  const [file = options.plugin, ...args] = argv;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: { ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 30_000,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => {
      reject(
        new NetlinkError(
          'NETLINK_SPAWN_FAILED',
          `cannot run the CNI plugin ${options.plugin}: ${error.message}`,
          { command: argv.join(' ') },
          error,
        ),
      );
    });
    child.on('close', (code, signal) => {
      const ms = performance.now() - started;
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (signal !== null) {
        reject(
          new NetlinkError('NETLINK_TIMEOUT', `the CNI plugin ${options.plugin} was killed by ${signal}`, {
            command: argv.join(' '),
            stderr,
          }),
        );
        return;
      }
      let json: unknown;
      if (stdout.trim() !== '') {
        try {
          json = JSON.parse(stdout);
        } catch (cause) {
          reject(
            new NetlinkError(
              'NETLINK_BAD_OUTPUT',
              `the CNI plugin printed something that is not JSON: ${stdout.slice(0, 200)}`,
              { command: argv.join(' '), stderr },
              cause,
            ),
          );
          return;
        }
      }
      resolve({ exitCode: code ?? 1, stdout, stderr, json, ms });
    });
    child.stdin.end(options.stdin);
  });
}
