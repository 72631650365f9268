// CNI ADD/DEL latency of the aws-cni plugin against Debian's Go ptp + host-local, measured the same way in the same
// run: each plugin exec'd as a runtime does (nsenter into the node namespace, CNI_* environment, config on stdin),
// one fresh pod namespace per ADD, the two plugins alternating. Ours runs in a node of the embedded VPC with ipamd
// warm (its pool pre-grown: prefix delegation, MINIMUM_IP_TARGET addresses); the Go pair runs in a throwaway node
// namespace of its own with {type ptp, ipam {type host-local, ranges [[{subnet 10.99.0.0/24}]], dataDir <tmp>}}.
// Then a burst of concurrent ADDs (and their DELs) on one node, for each. The plugin and ipamd are the shipped build
// (bin/aws-cni, and bin/vpc-cni, which runs dist/); the embedded VPC runs in this process.
//
// ipamd's checkpoint (AWS_VPC_K8S_CNI_BACKING_STORE) goes to /dev/shm by default: on a node it is
// /var/run/aws-node/ipam.json, and /var/run is a tmpfs there (it is not on every test machine). --disk-store puts it
// in the temp directory instead, to show what the checkpoint's fsyncs cost on a disk.
//
// Run after `npm run build`, as root:  npx tsx bench/cni-latency.ts [--n 30] [--burst 50] [--disk-store] [--json]
// [--also PATH] --also PATH measures a second aws-cni build (another commit's bin/aws-cni, say) in the same run,
// against the same ipamd, in turn with the other two: an A/B comparison that the machine's noise does not decide.
// Everything it creates (namespaces, ipamd, the embedded VPC, temp files) is removed, also on failure or Ctrl-C.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { NetlinkExecutor } from '../src/netlink/exec.js';
import { newRunPrefix, removeLeftoverNamespaces } from '../src/netlink/netns.js';
import { systemClock } from '../src/obs/clock.js';
import { startSim, type RunningSim } from '../src/sim/index.js';
import { startIpamd, waitForWarmPool, type IpamdProcess } from './lib/cni-ipamd.js';
import { phaseMedians, renderSummary, summarize, type Burst, type Samples } from './lib/cni-report.js';
import { addPhases, delPhases, GO, goPairRunner, Namespaces, PATH, runner } from './lib/cni-runner.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const PLUGIN = join(root, 'bin', 'aws-cni');

const { values: flags } = parseArgs({
  options: {
    n: { type: 'string', default: '30' },
    burst: { type: 'string', default: '50' },
    json: { type: 'boolean', default: false },
    'disk-store': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
    also: { type: 'string' },
  },
});
if (flags.help) {
  process.stdout.write(
    'usage: npx tsx bench/cni-latency.ts [--n 30] [--burst 50] [--disk-store] [--json] [--also PATH-TO-ANOTHER-aws-cni]\n',
  );
  process.exit(0);
}
const N = Number(flags.n);
const BURST = Number(flags.burst);
if (!Number.isInteger(N) || N < 1 || N > 500 || !Number.isInteger(BURST) || BURST < 0 || BURST > 200) {
  process.stderr.write('--n must be 1..500 and --burst 0..200\n');
  process.exit(2);
}
if (process.getuid?.() !== 0) {
  process.stderr.write('cni-latency: needs root (network namespaces)\n');
  process.exit(2);
}
for (const file of [
  PLUGIN,
  join(root, 'dist', 'cli', 'main.js'),
  join(GO, 'ptp'),
  join(GO, 'host-local'),
  ...(flags.also === undefined ? [] : [flags.also]),
]) {
  if (!existsSync(file)) {
    process.stderr.write(
      `cni-latency: ${file} is missing (npm run build; apt-get install containernetworking-plugins)\n`,
    );
    process.exit(2);
  }
}

const log = (text: string): void => {
  process.stderr.write(`${text}\n`);
};
const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

// ---- what this run creates, removed in cleanup() --------------------------------------------------------------------

const exec = new NetlinkExecutor({ confined: true });
await removeLeftoverNamespaces(exec);
const namespaces = new Namespaces(exec, newRunPrefix('vcni'));
const dir = await mkdtemp(join(tmpdir(), 'vcni-bench-'));
const storeDir = flags['disk-store'] || !existsSync('/dev/shm') ? dir : await mkdtemp('/dev/shm/vcni-bench-');
let sim: RunningSim | undefined;
let ipamd: IpamdProcess | undefined;

let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    const child = ipamd;
    if (child !== undefined && child.exitCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await new Promise((resolve) => child.once('exit', resolve));
      clearTimeout(killer);
    }
    await namespaces.deleteAll().catch((error: unknown) => log(`cleanup: ${message(error)}`));
    await sim?.close().catch((error: unknown) => log(`cleanup: ${message(error)}`));
    await rm(dir, { recursive: true, force: true });
    await rm(storeDir, { recursive: true, force: true });
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`cni-latency: ${signal}, cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}
process.once('exit', () => ipamd?.kill('SIGKILL'));

// ---- the runs
// ---------------------------------------------------------------------------------------------------------

try {
  // Our node: the first instance of the embedded VPC, ipamd with a pool big enough for the whole run, pre-grown.
  sim = await startSim({ scenario: 'eksworkshop', host: '127.0.0.1', port: 0, clock: systemClock, dataPlane: true });
  await sim.settled();
  const node = Object.entries(sim.describe().instances).find(([, info]) => info.netns !== null);
  if (node === undefined || node[1].netns === null) throw new Error('the embedded VPC has no node with a namespace');
  const [instanceId, instance] = node;
  const nodeNetns = `/var/run/netns/${node[1].netns}`;
  const nodeDir = join(dir, 'node');
  await mkdir(nodeDir);
  const socket = join(nodeDir, 'ipamd.sock');
  const introspection = join(nodeDir, 'introspection.sock');
  const runs = flags.also === undefined ? 1 : 2; // addresses cool down for 30 s after a DEL: each runner needs its own
  const warm = Math.max(64, (N + BURST) * runs + 16);
  log(
    `cni-latency: embedded VPC up; starting ipamd on ${instanceId} (${instance.instanceType}), pool pre-grown to ${warm} addresses`,
  );
  ipamd = await startIpamd(join(root, 'bin', 'vpc-cni'), {
    PATH,
    AWS_ENDPOINT_URL_EC2: sim.ec2Url,
    AWS_EC2_METADATA_SERVICE_ENDPOINT: instance.imds,
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'x',
    AWS_REGION: sim.describe().region,
    AWS_VPC_K8S_CNI_LOG_FILE: 'stdout',
    AWS_VPC_K8S_CNI_LOGLEVEL: 'INFO',
    VPC_CNI_HOST_NETNS: nodeNetns,
    VPC_CNI_IPAMD_SOCKET: socket,
    AWS_VPC_K8S_CNI_BACKING_STORE: join(storeDir, 'ipam.json'),
    INTROSPECTION_BIND_ADDRESS: `unix:${introspection}`,
    DISABLE_METRICS: 'true',
    ENABLE_PREFIX_DELEGATION: 'true',
    MINIMUM_IP_TARGET: String(warm),
    WARM_IP_TARGET: '16',
    VPC_CNI_MAX_PODS: String(warm + 16),
  });
  const total = await waitForWarmPool(introspection, warm);
  log(`cni-latency: ipamd warm: ${total} addresses`);

  const pluginLog = join(nodeDir, 'plugin.log');
  const ours = runner(namespaces, {
    name: 'aws-cni',
    plugin: PLUGIN,
    nodeNetns,
    conf: {
      cniVersion: '0.4.0',
      name: 'aws-cni',
      type: 'aws-cni',
      vethPrefix: 'eni',
      mtu: '9001',
      podSGEnforcingMode: 'strict',
      pluginLogFile: pluginLog,
      pluginLogLevel: 'Debug',
      ipamdSocket: socket,
    },
  });
  // --also: the other build, same node, same ipamd, its own log file.
  const alsoLog = join(nodeDir, 'plugin-also.log');
  const also =
    flags.also === undefined
      ? undefined
      : runner(namespaces, {
          name: 'aws-cni (--also)',
          plugin: flags.also,
          nodeNetns,
          conf: { ...ours.conf, pluginLogFile: alsoLog },
        });
  const go = await goPairRunner(namespaces, dir);

  // One warm-up ADD+DEL each (page cache, ipamd's first connection), not counted.
  const runners = [ours, ...(also === undefined ? [] : [also]), go];
  for (const r of runners) {
    const pod = await r.newPod();
    await r.call('ADD', pod);
    await r.call('DEL', pod);
    await namespaces.delete([pod.ns]);
  }

  // One entry per runner, in the runners' order: the order of the report's rows.
  const samples: Record<string, Samples> = Object.fromEntries(runners.map((r) => [r.name, { ADD: [], DEL: [] }]));
  const phasesBefore = (await addPhases(pluginLog)).length;
  const delPhasesBefore = (await delPhases(pluginLog)).length;
  const alsoBefore = { ADD: (await addPhases(alsoLog)).length, DEL: (await delPhases(alsoLog)).length };
  log(`cni-latency: ${N} sequential ADD+DEL each, alternating`);
  for (let i = 0; i < N; i++) {
    // Each runner goes first as often as the others.
    const order = runners.map((_, k) => runners[(i + k) % runners.length] ?? ours);
    for (const r of order) {
      const pod = await r.newPod();
      const sample = samples[r.name] ?? { ADD: [], DEL: [] };
      sample.ADD.push(await r.call('ADD', pod));
      sample.DEL.push(await r.call('DEL', pod));
      await namespaces.delete([pod.ns]);
    }
  }

  // Where our ADD's time goes, from the plugin's debug log: runtime start-up, ipamd's RPC, the wiring.
  const phases = phaseMedians((await addPhases(pluginLog)).slice(phasesBefore));
  const delPhaseMedians = phaseMedians((await delPhases(pluginLog)).slice(delPhasesBefore));
  const alsoPhases =
    also === undefined
      ? undefined
      : {
          ADD: phaseMedians((await addPhases(alsoLog)).slice(alsoBefore.ADD)),
          DEL: phaseMedians((await delPhases(alsoLog)).slice(alsoBefore.DEL)),
        };

  const bursts: Record<string, Burst> = {};
  if (BURST > 0) {
    log(`cni-latency: a burst of ${BURST} concurrent ADDs (then DELs) each`);
    for (const r of runners) {
      const pods = [];
      for (let i = 0; i < BURST; i++) pods.push(await r.newPod());
      let started = performance.now();
      await Promise.all(pods.map((pod) => r.call('ADD', pod)));
      const add = performance.now() - started;
      started = performance.now();
      await Promise.all(pods.map((pod) => r.call('DEL', pod)));
      const del = performance.now() - started;
      await namespaces.delete(pods.map((pod) => pod.ns));
      bursts[r.name] = { add, del };
    }
  }

  const summary = summarize({
    n: N,
    burst: BURST,
    checkpoint: storeDir === dir ? 'disk' : 'tmpfs',
    names: { ours: ours.name, go: go.name, also: also?.name },
    samples,
    bursts,
    phases,
    delPhases: delPhaseMedians,
    alsoPhases,
  });
  process.stdout.write(flags.json ? `${JSON.stringify(summary, null, 2)}\n` : renderSummary(summary));
} finally {
  await cleanup();
}
