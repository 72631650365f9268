/**
 * The demo's run directory (default `/run/vpc-cni-demo`): per node its ipamd socket, checkpoint and logs, plus
 * `demo.pid` (claims the directory), `demo.json` (where the nodes' APIs are, for `vpc-cni status --node` and
 * `vpc-cni get pods`) and `control.sock` (for `vpc-cni demo scale`). The demo removes the whole directory when it
 * stops; a directory left by a demo that died is taken over (its pid is gone), a live demo's is refused.
 *
 * @example
 * await claimRunDir('/run/vpc-cni-demo');
 * await writeDemoState('/run/vpc-cni-demo', state);
 * (await readDemoState('/run/vpc-cni-demo'))?.nodes[0]?.introspection; // 'http://127.0.0.1:61679'
 * await releaseRunDir('/run/vpc-cni-demo');
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { processAlive } from '../netlink/netns.js';
import { DemoError } from './errors.js';

export const DEFAULT_RUN_DIR = '/run/vpc-cni-demo';
export const DEMO_STATE_VERSION = 'vpc-cni-demo/1';

/** Where to reach one node of a running demo. */
export interface DemoNodeInfo {
  /** The EC2 private DNS name, e.g. `ip-10-11-16-31.ap-northeast-2.compute.internal`. */
  readonly name: string;
  readonly instanceId: string;
  readonly instanceType: string;
  readonly privateIp: string;
  /** The node's network namespace (name). */
  readonly netns: string;
  readonly introspection: string;
  readonly metrics: string;
  readonly socket: string;
  readonly ipamdLog: string;
  readonly pluginLog: string;
}

/** What demo.json keeps of a node: its {@link DemoNodeInfo} fields, not whatever else the running demo holds. */
export function demoNodeInfo(node: DemoNodeInfo): DemoNodeInfo {
  return {
    name: node.name,
    instanceId: node.instanceId,
    instanceType: node.instanceType,
    privateIp: node.privateIp,
    netns: node.netns,
    introspection: node.introspection,
    metrics: node.metrics,
    socket: node.socket,
    ipamdLog: node.ipamdLog,
    pluginLog: node.pluginLog,
  };
}

/** `demo.json`. */
export interface DemoState {
  readonly version: typeof DEMO_STATE_VERSION;
  readonly pid: number;
  readonly startedAt: string;
  readonly ec2: string;
  readonly region: string;
  readonly control: string;
  readonly nodes: readonly DemoNodeInfo[];
}

export const pidFile = (dir: string): string => join(dir, 'demo.pid');
export const stateFile = (dir: string): string => join(dir, 'demo.json');
export const controlSocket = (dir: string): string => join(dir, 'control.sock');

async function readPid(dir: string): Promise<number | undefined> {
  const text = await readFile(pidFile(dir), 'utf8').catch(() => undefined);
  const pid = Number(text?.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Makes `dir` this process's run directory: creates it, or takes over one whose demo is gone, or an empty one.
 * Refuses a directory of a live demo ({@link DemoError} `DEMO_ALREADY_RUNNING`) and any other non-empty directory.
 */
export async function claimRunDir(dir: string): Promise<void> {
  if (!dir.startsWith('/'))
    throw new DemoError('DEMO_RUN_DIR_UNUSABLE', `the run directory must be an absolute path, not '${dir}'`);
  await mkdir(dirname(dir), { recursive: true });
  const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) =>
    error.code === 'ENOENT' ? undefined : Promise.reject(error),
  );
  if (entries === undefined) {
    await mkdir(dir, { mode: 0o755 }).catch((error: unknown) => {
      throw new DemoError(
        'DEMO_RUN_DIR_UNUSABLE',
        `cannot create the run directory ${dir}: ${(error as Error).message}`,
        {},
        error,
      );
    });
  } else if (entries.length > 0) {
    const pid = await readPid(dir);
    if (pid === undefined) {
      throw new DemoError(
        'DEMO_RUN_DIR_UNUSABLE',
        `${dir} exists and is not a demo run directory (no demo.pid); pick another --run-dir`,
      );
    }
    if (pid !== process.pid && processAlive(pid)) {
      throw new DemoError(
        'DEMO_ALREADY_RUNNING',
        `a demo is already running (pid ${pid}, run directory ${dir}): stop it with Ctrl-C in its terminal (or 'kill ${pid}'), ` +
          `or start another with --run-dir DIR --base-port PORT`,
        { pid, dir },
      );
    }
    // A demo that died: its namespaces go with the next fabric's leftover clean-up, its files here.
    await Promise.all(entries.map((entry) => rm(join(dir, entry), { recursive: true, force: true })));
  }
  await writeFile(pidFile(dir), `${process.pid}\n`, { flag: 'wx' });
}

/** Writes `demo.json` atomically (temporary file, then rename). */
export async function writeDemoState(dir: string, state: DemoState): Promise<void> {
  const tmp = `${stateFile(dir)}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o644 });
  await rename(tmp, stateFile(dir));
}

/** The running demo's state, or undefined when there is none (no file, or its process is gone). */
export async function readDemoState(dir: string): Promise<DemoState | undefined> {
  const text = await readFile(stateFile(dir), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  let state: DemoState;
  try {
    state = JSON.parse(text) as DemoState;
  } catch {
    return undefined;
  }
  if (state.version !== DEMO_STATE_VERSION || !Array.isArray(state.nodes) || !processAlive(state.pid)) return undefined;
  return state;
}

/** The running demo's nodes, or a DEMO_NOT_RUNNING error saying how to start one. */
export async function demoNodes(runDir: string): Promise<readonly DemoNodeInfo[]> {
  const state = await readDemoState(runDir);
  if (state === undefined) {
    throw new DemoError(
      'DEMO_NOT_RUNNING',
      `no demo is running (no live ${stateFile(runDir)}): start one with 'vpc-cni demo', or pass --endpoint URL`,
    );
  }
  return state.nodes;
}

/** Removes the run directory and everything in it. */
export async function releaseRunDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
