/**
 * `vpc-cni demo`: a three-node cluster in the embedded VPC, end to end. Start-up checks (root, the plugin, free
 * ports, the run directory), the embedded VPC with its data plane, one ipamd per node, pods made as a runtime makes
 * them, the kubectl-style pod table, pod → pod probes across nodes, where to look next; then it serves
 * `vpc-cni demo scale N` until stopped. Everything it makes is undone when it stops — normally, on an error, or on
 * a stop signal at any point of start-up; `force` (a second Ctrl-C) skips the DELs and just removes namespaces.
 *
 * @example
 * const code = await runDemo({ runDir: DEFAULT_RUN_DIR, basePort: 61679, podsPerNode: 3, exit: true, plugin, cli: './bin/vpc-cni',
 *   out: io.stdout, progress: createProgress(io.stderr), stop: controller.signal, force: forceController.signal });
 */
import { access, constants } from 'node:fs/promises';
import { loadConfig } from '../config/index.js';
import { useEmbeddedVpcCredentials } from '../config/demo-env.js';
import { NetlinkExecutor } from '../netlink/exec.js';
import { systemClock } from '../obs/clock.js';
import { Cleanup, mapLimit } from './cleanup.js';
import { startCluster, whenAborted, type Cluster } from './cluster.js';
import { startControlServer } from './control.js';
import type { DemoLiveState } from './control-client.js';
import { DemoError } from './errors.js';
import { PodNamer } from './names.js';
import { PodRuntime } from './pods.js';
import { checkPortsFree, planPorts } from './ports.js';
import type { Progress, ProgressStep } from '../obs/progress.js';
import { findDashboard, nextSteps, nodesTable, podTableFor, probeAcrossNodes, probeLine } from './report.js';
import {
  claimRunDir,
  controlSocket,
  demoNodeInfo,
  releaseRunDir,
  writeDemoState,
  DEMO_STATE_VERSION,
} from './run-dir.js';
import { PodScaler, checkPodsPerNode, type ScaleEvent } from './scale.js';
import { messageOf } from '../errors.js';

export interface DemoOptions {
  readonly runDir: string;
  /** 61679 by default (see ports.ts); 0 picks free ports. */
  readonly basePort: number;
  readonly podsPerNode: number;
  /** Stop right after printing (`--exit`) instead of waiting for `stop`. */
  readonly exit: boolean;
  /** Absolute path of the aws-cni binary. */
  readonly plugin: string;
  /** How to run vpc-cni from the user's directory, for the printed commands. */
  readonly cli: string;
  readonly ipamdEnv?: Readonly<Record<string, string>>;
  readonly out: { write(text: string): unknown };
  readonly progress: Progress;
  /** Aborted by the first Ctrl-C / SIGTERM: start-up stops, or the running demo stops; cleanup follows. */
  readonly stop: AbortSignal;
  /** Aborted by a second Ctrl-C: the cleanup skips the pods' DELs. */
  readonly force: AbortSignal;
  readonly onWarning?: (message: string) => void;
}

async function preflight(options: DemoOptions): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new DemoError(
      'DEMO_NEEDS_ROOT',
      'the demo creates network namespaces (a VPC fabric, one per node, one per pod): run it as root, e.g. sudo ./bin/vpc-cni demo',
    );
  }
  await access(options.plugin, constants.X_OK).catch((error: unknown) => {
    throw new DemoError(
      'DEMO_PLUGIN_MISSING',
      `the CNI plugin ${options.plugin} is missing or not executable: build it with 'npm run build'`,
      {},
      error,
    );
  });
  loadConfig({ ...options.ipamdEnv }); // a bad --env is a ConfigError naming the variable, before anything starts
  checkPodsPerNode(options.podsPerNode, [{ instanceType: 'm5.large' }]);
}

function podsStep(options: DemoOptions, total: number): (event: ScaleEvent) => void {
  const step = options.progress.step(
    `creating ${total} pods (network namespace + aws-cni ADD, as a runtime does)`,
    total,
  );
  return (event) => {
    if (event.kind === 'added') {
      step.update(event.done, `${event.pod} ${event.ip}`);
      step.log(`${event.pod}: ${event.ip} on ${event.node} (ADD ${event.ms.toFixed(0)} ms)`);
    } else if (event.kind === 'failed') {
      step.update(event.done);
      step.log(`${event.pod} on ${event.node}: FAILED: ${event.message}`);
    } else if (event.kind === 'done') {
      if (event.failed > 0) step.fail(`${event.failed} of ${total} pods failed`);
      else step.succeed(`${event.pods} pods running`);
    }
  };
}

/** Removes every pod (DEL, then its namespace), unless forced: then the namespaces only. */
async function removePods(runtime: PodRuntime, scaler: PodScaler, options: DemoOptions): Promise<void> {
  if (!options.force.aborted) await Promise.race([scaler.drain(), whenAborted(options.force).catch(() => undefined)]);
  const pods = runtime.list();
  if (pods.length === 0) return;
  const step = options.progress.step(`removing ${pods.length} pods (aws-cni DEL)`, pods.length);
  let done = 0;
  const results = await mapLimit(pods, 6, async (pod) => {
    if (!options.force.aborted) await runtime.remove(pod);
    step.update(++done, `${pod.namespace}/${pod.name}`);
  });
  await runtime.dropAll();
  const failed = results.filter((r) => !r.ok).length;
  if (failed > 0) step.fail(`${failed} DELs failed; their namespaces were removed anyway`);
  else step.succeed(options.force.aborted ? 'namespaces removed (forced: no DEL)' : `${pods.length} pods removed`);
}

function liveState(cluster: Cluster, runtime: PodRuntime, scaler: PodScaler): DemoLiveState {
  return {
    perNode: scaler.perNode,
    nodes: cluster.nodes.map((n) => ({ name: n.name, introspection: n.introspection })),
    pods: runtime
      .list()
      .map((p) => ({
        namespace: p.namespace,
        name: p.name,
        status: p.status,
        ip: p.ip ?? null,
        node: p.node.name,
        createdAt: p.createdAt,
      })),
  };
}

/** Runs the demo; resolves to the exit code (0, or 1 when a pod or a probe failed). */
export async function runDemo(options: DemoOptions): Promise<number> {
  const cleanup = new Cleanup();
  const exec = new NetlinkExecutor();
  let failures = 0;
  try {
    await preflight(options);
    // The run directory first: a second demo is then told that one runs, not just that its ports are taken.
    await claimRunDir(options.runDir);
    cleanup.add(`run directory ${options.runDir}`, () => releaseRunDir(options.runDir));
    const ports = await planPorts(options.basePort, 3);
    await checkPortsFree(ports);
    const restore = useEmbeddedVpcCredentials();
    cleanup.add('credentials', () => Promise.resolve(restore()));

    const cluster = await startCluster({
      runDir: options.runDir,
      ports,
      signal: options.stop,
      progress: options.progress,
      cleanup,
      ...(options.ipamdEnv === undefined ? {} : { ipamdEnv: options.ipamdEnv }),
      ...(options.onWarning === undefined ? {} : { onWarning: options.onWarning }),
    });
    const runtime = new PodRuntime({ exec, plugin: options.plugin, clock: systemClock });
    const scaler = new PodScaler(runtime, cluster.nodes, new PodNamer());
    cleanup.add('pods', () => removePods(runtime, scaler, options));
    const control = await startControlServer(controlSocket(options.runDir), {
      state: () => liveState(cluster, runtime, scaler),
      scale: (perNode, onEvent) => scaler.scaleTo(perNode, onEvent),
    });
    cleanup.add('control socket', () => control.close());
    await writeDemoState(options.runDir, {
      version: DEMO_STATE_VERSION,
      pid: process.pid,
      startedAt: new Date(systemClock.now()).toISOString(),
      ec2: cluster.ec2Url,
      region: cluster.region,
      control: control.path,
      nodes: cluster.nodes.map(demoNodeInfo),
    });

    const total = options.podsPerNode * cluster.nodes.length;
    const created = await Promise.race([
      scaler.scaleTo(options.podsPerNode, podsStep(options, total)),
      whenAborted(options.stop),
    ]);
    failures += created.failed;

    const out = options.out;
    out.write(
      `\nNodes (each a network namespace with its own ipamd, in the embedded VPC ${cluster.ec2Url}):\n${nodesTable(cluster.nodes)}`,
    );
    out.write(
      `\nPods, as 'kubectl get pods --all-namespaces -o wide' shows them:\n${podTableFor(runtime.list(), systemClock.now())}`,
    );
    const probes = await Promise.race([
      probeAcrossNodes(exec, cluster.nodes, runtime.list()),
      whenAborted(options.stop),
    ]);
    const probeText =
      probes.length === 0
        ? '  no pods to ping (start with --pods 1 or more, or scale up)\n'
        : probes.map((p) => `  ${probeLine(p)}\n`).join('');
    out.write(`\nPod → pod across nodes (from inside each pod's network namespace):\n${probeText}`);
    failures += probes.filter((p) => !p.result.ok).length;
    const dashboard = await findDashboard(cluster.nodes[0]?.introspection ?? '');
    out.write(
      `\n${nextSteps({ nodes: cluster.nodes, ec2Url: cluster.ec2Url, region: cluster.region, cli: options.cli, runDir: options.runDir, dashboard, exit: options.exit })}`,
    );
    if (!options.exit) {
      out.write(`\nThe demo is running. Ctrl-C stops it and removes every pod, ipamd, namespace and file it made.\n`);
      await whenAborted(options.stop).catch(() => undefined);
    }
    return failures > 0 ? 1 : 0;
  } finally {
    let step: ProgressStep | undefined;
    const problems = await cleanup.run((what) => {
      if (what === 'pods' || what === 'control socket') return;
      step ??= options.progress.step('cleaning up (ipamd, node and fabric namespaces, run directory)');
      step.update(0, what);
    });
    if (problems.length === 0) step?.succeed('nothing left behind');
    else step?.fail(`${problems.length} clean-up steps failed`);
    for (const { what, error } of problems) options.onWarning?.(`could not remove ${what}: ${messageOf(error)}`);
  }
}
