/**
 * ipamd for the integration tests, in two forms: in this process (`runIpamd`, the composition root the CLI runs, with
 * short timings) or as a real child process (`node bin/vpc-cni ipamd`, JSON log lines on stdout, registered to be
 * killed when the test process exits). Both come with the plugin's RPC client on ipamd's unix socket. `ipamdEnv` is
 * the DaemonSet-like environment for a node of the embedded VPC.
 *
 * @example
 * const env = await ipamdEnv(vpc, { WARM_IP_TARGET: '5' });
 * const ipamd = await spawnIpamd(env);
 * await ipamd.kill('SIGKILL');           // resolves with 'SIGKILL'
 * const again = await spawnIpamd(env);   // same checkpoint file
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Ec2ApiOptions } from '../../../src/cloud/ec2/client.js';
import { loadConfig } from '../../../src/config/index.js';
import type { IpamdReadyInfo } from '../../../src/ipamd/main.js';
import type { IpamdTimings } from '../../../src/ipamd/timings.js';
import { createRpcClient, type RpcClient } from '../../../src/rpc/client.js';
import type { RunningSim } from '../../../src/sim/index.js';
import { RPC_CLIENT_VERSION } from '../../../src/version.js';
import { trackChild } from './cleanup.js';
import { REPO } from './sim.js';

/**
 * Timings short enough for tests, in the reference's proportions: a pool check every 200 ms, decreases at most every
 * 600 ms, ENIs freed once 1.5 s old, reconcile 2 s after the last pool action.
 */
export const FAST_TIMINGS: Partial<IpamdTimings> = {
  poolIntervalMs: 200,
  reconcileIntervalMs: 2_000,
  reconcileCooldownMs: 2_000,
  decreaseIntervalMs: 600,
  insufficientAddressBackoffMs: 3_000,
  minEniAgeMs: 1_500,
  detachWaitMs: 50,
  freeEniBackoffBaseMs: 20,
  freeEniBackoffMaxMs: 200,
  addWaitMs: 10_000,
  vpcCidrRefreshMs: 5_000,
};

/** EC2 retries that give up within a second instead of a minute. */
export const FAST_RETRY: NonNullable<Ec2ApiOptions['retry']> = {
  maxAttempts: 3,
  baseMs: { transient: 10, throttling: 20 },
  capMs: 100,
};

/** A loopback TCP port nobody listens on right now (the configuration refuses port 0). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The environment `vpc-cni ipamd` runs with against the embedded VPC (fresh loopback ports), plus `extra`. */
export async function ipamdEnv(
  vpc: {
    readonly sim: RunningSim;
    readonly dir: string;
    readonly node: { readonly imds: string; readonly nsPath: string };
  },
  extra: Record<string, string> = {},
): Promise<Record<string, string>> {
  return {
    AWS_ENDPOINT_URL_EC2: vpc.sim.ec2Url,
    AWS_EC2_METADATA_SERVICE_ENDPOINT: vpc.node.imds,
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_VPC_K8S_CNI_LOG_FILE: join(vpc.dir, 'ipamd.log'),
    AWS_VPC_K8S_CNI_LOGLEVEL: 'INFO',
    VPC_CNI_HOST_NETNS: vpc.node.nsPath,
    VPC_CNI_IPAMD_SOCKET: join(vpc.dir, 'ipamd.sock'),
    AWS_VPC_K8S_CNI_BACKING_STORE: join(vpc.dir, 'ipam.json'),
    INTROSPECTION_BIND_ADDRESS: `127.0.0.1:${await freePort()}`,
    VPC_CNI_METRICS_BIND_ADDRESS: `127.0.0.1:${await freePort()}`,
    DISABLE_LEAKED_ENI_CLEANUP: 'true',
    ...extra,
  };
}

/** The last lines of ipamd's log file (in the VPC's directory), for assertion messages. */
export async function logTail(vpc: { readonly dir: string }, lines = 40): Promise<string> {
  const text = await readFile(join(vpc.dir, 'ipamd.log'), 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export interface RunningIpamd {
  readonly socket: string;
  readonly introspection: string;
  readonly metrics: string;
  readonly instanceId: string;
  readonly client: RpcClient;
  /** Stops ipamd and resolves with its exit code. */
  stop(): Promise<number>;
}

function rpcClient(socketPath: string): RpcClient {
  return createRpcClient({ socketPath, timeoutMs: 30_000, clientVersion: RPC_CLIENT_VERSION });
}

/** `runIpamd` in this process (the composition root the CLI runs), with the given timings. */
export async function startIpamd(
  env: Record<string, string>,
  options: { readonly timings?: Partial<IpamdTimings>; readonly ec2Retry?: Ec2ApiOptions['retry'] } = {
    timings: FAST_TIMINGS,
  },
): Promise<RunningIpamd> {
  const { runIpamd } = await import('../../../src/ipamd/main.js');
  const controller = new AbortController();
  let ready: ((info: IpamdReadyInfo) => void) | undefined;
  const readyInfo = new Promise<IpamdReadyInfo>((resolve) => (ready = resolve));
  const done = runIpamd(loadConfig(env), {
    signal: controller.signal,
    onReady: (info) => ready?.(info),
    ...(options.timings === undefined ? {} : { timings: options.timings }),
    ...(options.ec2Retry === undefined ? {} : { ec2Retry: options.ec2Retry }),
  });
  const info = await Promise.race([
    readyInfo,
    done.then((code): never => {
      throw new Error(`ipamd exited with ${code} before it was ready (log: ${env['AWS_VPC_K8S_CNI_LOG_FILE'] ?? '?'})`);
    }),
  ]);
  const client = rpcClient(info.socket);
  let stopped: Promise<number> | undefined;
  return {
    socket: info.socket,
    introspection: info.introspection ?? '',
    metrics: info.metrics ?? '',
    instanceId: info.instanceId,
    client,
    stop: () => {
      stopped ??= (async () => {
        client.close();
        controller.abort();
        return done;
      })();
      return stopped;
    },
  };
}

export interface IpamdProcess extends RunningIpamd {
  readonly child: ChildProcess;
  /** Every stdout/stderr line so far. */
  readonly output: string[];
  /** Resolves with the exit code, or the signal's name. */
  readonly exited: Promise<number | string>;
  /** True until the process has exited. */
  alive(): boolean;
  /** Sends `signal` (unless it has exited) and resolves with the exit code or signal name. */
  kill(signal: NodeJS.Signals): Promise<number | string>;
}

/**
 * `node bin/vpc-cni ipamd` as a child process, logging JSON lines to stdout; resolves once it logs "ipamd is ready".
 * `stop()` sends SIGTERM, then SIGKILL after 10 s.
 */
export async function spawnIpamd(env: Record<string, string>, timeoutMs = 30_000): Promise<IpamdProcess> {
  const child = spawn(process.execPath, [join(REPO, 'bin', 'vpc-cni'), 'ipamd'], {
    env: { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...env, AWS_VPC_K8S_CNI_LOG_FILE: 'stdout' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackChild(child);
  const output: string[] = [];
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`ipamd was not ready after ${timeoutMs} ms:\n${output.slice(-30).join('\n')}`)),
      timeoutMs,
    );
    let partial = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        output.push(line);
        if (!line.includes('ipamd is ready')) continue;
        clearTimeout(timer);
        resolve(JSON.parse(line) as Record<string, unknown>);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) =>
      output.push(
        ...chunk
          .toString('utf8')
          .trimEnd()
          .split('\n')
          .map((l) => `stderr: ${l}`),
      ),
    );
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`ipamd exited (${code}) before it was ready:\n${output.slice(-30).join('\n')}`));
    });
  });
  let record: Record<string, unknown>;
  try {
    record = await ready;
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
  const text = (key: string): string => (typeof record[key] === 'string' ? record[key] : '');
  const client = rpcClient(text('socket'));
  const kill = async (signal: NodeJS.Signals): Promise<number | string> => {
    client.close();
    if (alive()) child.kill(signal);
    return exited;
  };
  return {
    child,
    output,
    exited,
    kill,
    client,
    alive,
    socket: text('socket'),
    introspection: text('introspection'),
    metrics: text('metrics'),
    instanceId: text('instanceId'),
    stop: async () => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await kill('SIGTERM');
      clearTimeout(timer);
      return typeof code === 'number' ? code : -1;
    },
  };
}
