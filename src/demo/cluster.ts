/**
 * The demo's cluster: the embedded VPC (`eksworkshop`, with its data plane: one network namespace per node and a
 * VPC fabric) and one ipamd per node, in this process, each configured as a DaemonSet pod on that node would be —
 * by an environment (a record given to {@link loadConfig}, never this process's): the node's IMDS, its own
 * namespace, socket, checkpoint, logs and ports. Every piece registers its undo with the {@link Cleanup} as soon
 * as it exists.
 *
 * @example
 * const cluster = await startCluster({ runDir, ports: demoPorts(61679, 3), signal, progress, cleanup });
 * cluster.nodes[0]?.introspection; // 'http://127.0.0.1:61679'
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { conflistSettings, renderConflist } from '../cni/conflist.js';
import { loadConfig, type LoadedConfig } from '../config/index.js';
import { runIpamd, type IpamdReadyInfo } from '../ipamd/main.js';
import { netnsPath } from '../netlink/commands.js';
import { systemClock } from '../obs/clock.js';
import { startSim, type RunningSim, type SimDescription, type SimInstanceInfo } from '../sim/index.js';
import type { Cleanup } from './cleanup.js';
import { DemoError } from './errors.js';
import type { DemoPorts } from './ports.js';
import type { Progress } from '../obs/progress.js';
import type { DemoNodeInfo } from './run-dir.js';
import { messageOf } from '../errors.js';

export const DEMO_SCENARIO = 'eksworkshop';

/** A node of the demo: where its pieces are, and the network config its runtime gives aws-cni. */
export interface DemoNode extends DemoNodeInfo {
  /** 1-based, in private-IP order. */
  readonly index: number;
  /** `ip-10-11-16-31`: the host name part of {@link DemoNodeInfo.name}, and the node's run sub-directory. */
  readonly shortName: string;
  readonly netnsPath: string;
  /** The aws-cni entry of the reference conflist for this node, with `cniVersion`, `name` and `ipamdSocket`. */
  readonly netconf: Readonly<Record<string, unknown>>;
}

export interface Cluster {
  readonly sim: RunningSim;
  readonly nodes: readonly DemoNode[];
  readonly ec2Url: string;
  readonly region: string;
}

export interface ClusterOptions {
  readonly runDir: string;
  readonly ports: DemoPorts;
  /** Aborting stops start-up at the next step (what exists is undone by the cleanup). */
  readonly signal: AbortSignal;
  readonly progress: Progress;
  readonly cleanup: Cleanup;
  /** Extra ipamd settings for every node (`--env WARM_IP_TARGET=5`). */
  readonly ipamdEnv?: Readonly<Record<string, string>>;
  readonly readyTimeoutMs?: number;
  /** Data-plane and background warnings of the embedded VPC. */
  readonly onWarning?: (message: string) => void;
}

/** Rejects when the signal aborts. */
export function whenAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const fail = (): void => reject(new DemoError('DEMO_INTERRUPTED', 'stopped before the demo was ready'));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}

interface NodePlan {
  readonly instanceId: string;
  readonly info: SimInstanceInfo;
  readonly dir: string;
  readonly loaded: LoadedConfig;
  readonly index: number;
}

/** One node's ipamd configuration: what a DaemonSet pod on that node would have in its environment. */
function planNode(
  described: SimDescription,
  instanceId: string,
  info: SimInstanceInfo,
  index: number,
  options: ClusterOptions,
): NodePlan {
  const { ec2, region } = described;
  const shortName = info.nodeName.split('.')[0] ?? info.nodeName;
  const dir = join(options.runDir, shortName);
  const ports = options.ports.nodes[index - 1] ?? { introspection: 0, metrics: 0 };
  const env: Record<string, string> = {
    ...options.ipamdEnv,
    AWS_ENDPOINT_URL_EC2: ec2,
    AWS_EC2_METADATA_SERVICE_ENDPOINT: info.imds,
    AWS_REGION: region,
    MY_NODE_NAME: info.nodeName,
    VPC_CNI_HOST_NETNS: netnsPath(info.netns ?? ''),
    VPC_CNI_IPAMD_SOCKET: join(dir, 'ipamd.sock'),
    AWS_VPC_K8S_CNI_BACKING_STORE: join(dir, 'ipam.json'),
    AWS_VPC_K8S_CNI_LOG_FILE: join(dir, 'ipamd.log'),
    AWS_VPC_K8S_PLUGIN_LOG_FILE: join(dir, 'plugin.log'),
    INTROSPECTION_BIND_ADDRESS: `127.0.0.1:${ports.introspection}`,
    VPC_CNI_METRICS_BIND_ADDRESS: `127.0.0.1:${ports.metrics}`,
  };
  return { instanceId, info, dir, loaded: loadConfig(env), index };
}

/** The aws-cni entry of the reference conflist, as libcni hands it to the plugin (plus our `ipamdSocket`). */
function nodeNetconf(loaded: LoadedConfig): Record<string, unknown> {
  const conflist = JSON.parse(renderConflist(conflistSettings(loaded.config, undefined).settings)) as {
    cniVersion: string;
    name: string;
    plugins: Record<string, unknown>[];
  };
  return {
    cniVersion: conflist.cniVersion,
    name: conflist.name,
    ...conflist.plugins[0],
    ipamdSocket: loaded.config.paths.ipamdSocket,
  };
}

/** The last error ipamd logged (its log is pino JSON lines), to say why a node failed. */
async function lastLoggedError(log: string): Promise<string | undefined> {
  const text = await readFile(log, 'utf8').catch(() => '');
  const lines = text.trim().split('\n').reverse();
  for (const line of lines) {
    try {
      const record = JSON.parse(line) as { level?: unknown; msg?: unknown };
      if ((record.level === 'error' || record.level === 'fatal') && typeof record.msg === 'string') return record.msg;
    } catch {
      // not a JSON line
    }
  }
  return undefined;
}

/** Starts ipamd for one node; resolves when it is ready, rejects when it exits first. */
function startNode(
  plan: NodePlan,
  signal: AbortSignal,
  onExit: (run: Promise<number>) => void,
): Promise<IpamdReadyInfo> {
  return new Promise((resolve, reject) => {
    const run = runIpamd(plan.loaded, { signal, onReady: resolve });
    onExit(run);
    void run.then(async (code) => {
      const log = join(plan.dir, 'ipamd.log');
      const why = await lastLoggedError(log);
      reject(
        new DemoError(
          'DEMO_NODE_FAILED',
          `ipamd on ${plan.info.nodeName} stopped (exit ${code}) before it was ready${why === undefined ? '' : `: ${why}`}; see ${log}`,
        ),
      );
    });
  });
}

/** Starts the embedded VPC and an ipamd per node, and waits until every node is ready. */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const aborted = whenAborted(options.signal);
  aborted.catch(() => undefined);
  const vpcStep = options.progress.step(
    'starting the embedded VPC (eksworkshop: 3 m5.large nodes, namespace data plane)',
  );
  let sim: RunningSim;
  try {
    sim = await startSim({
      scenario: DEMO_SCENARIO,
      host: '127.0.0.1',
      port: options.ports.ec2,
      clock: systemClock,
      dataPlane: true,
      onWarning: (message, error) =>
        options.onWarning?.(`${message}${error instanceof Error ? `: ${error.message}` : ''}`),
    });
  } catch (error) {
    vpcStep.fail(messageOf(error));
    throw error;
  }
  options.cleanup.add('embedded VPC (node and fabric namespaces)', () => sim.close());
  await Promise.race([sim.settled(), aborted]);
  const described = sim.describe();
  vpcStep.succeed(`EC2 API ${described.ec2}, ${Object.keys(described.instances).length} nodes in ${described.region}`);

  const instances = Object.entries(described.instances).sort(([, a], [, b]) => compareIp(a.privateIp, b.privateIp));
  const plans = instances.map(([id, info], i) => planNode(described, id, info, i + 1, options));
  for (const plan of plans) await mkdir(plan.dir, { recursive: true });

  const stop = new AbortController();
  const runs: Promise<number>[] = [];
  options.cleanup.add('ipamd on every node', async () => {
    stop.abort();
    await Promise.allSettled(runs);
  });
  const step = options.progress.step('starting ipamd on each node (ENIs, warm pool)', plans.length);
  let ready = 0;
  const readies = plans.map(async (plan) => {
    const info = await startNode(plan, stop.signal, (run) => runs.push(run));
    step.update(++ready, `${plan.info.nodeName} ready`);
    step.log(`${plan.info.nodeName}: ready (introspection ${info.introspection ?? 'off'})`);
    return info;
  });
  const timeoutMs = options.readyTimeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new DemoError(
            'DEMO_NODE_FAILED',
            `ipamd was not ready on every node within ${timeoutMs / 1000} s; see the ipamd.log files under ${options.runDir}`,
          ),
        ),
      timeoutMs,
    );
  });
  let infos: IpamdReadyInfo[];
  try {
    infos = await Promise.race([Promise.all(readies), aborted, timeout]);
  } catch (error) {
    step.fail(messageOf(error));
    throw error;
  } finally {
    clearTimeout(timer);
  }
  step.succeed(`${plans.length} nodes ready`);
  const nodes = plans.map((plan, i): DemoNode => {
    const info = infos[i];
    const shortName = plan.info.nodeName.split('.')[0] ?? plan.info.nodeName;
    return {
      index: plan.index,
      name: plan.info.nodeName,
      shortName,
      instanceId: plan.instanceId,
      instanceType: plan.info.instanceType,
      privateIp: plan.info.privateIp,
      netns: plan.info.netns ?? '',
      netnsPath: netnsPath(plan.info.netns ?? ''),
      introspection: info?.introspection ?? '',
      metrics: info?.metrics ?? '',
      socket: info?.socket ?? plan.loaded.config.paths.ipamdSocket,
      ipamdLog: join(plan.dir, 'ipamd.log'),
      pluginLog: join(plan.dir, 'plugin.log'),
      netconf: nodeNetconf(plan.loaded),
    };
  });
  return { sim, nodes, ec2Url: described.ec2, region: described.region };
}

function compareIp(a: string, b: string): number {
  const key = (ip: string): number => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
  return key(a) - key(b);
}
