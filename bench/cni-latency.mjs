#!/usr/bin/env node
// CNI ADD/DEL latency of the aws-cni plugin against Debian's Go ptp + host-local, measured the same way in the same
// run: each plugin exec'd as a runtime does (nsenter into the node namespace, CNI_* environment, config on stdin),
// one fresh pod namespace per ADD, the two plugins alternating. Ours runs in a node of the embedded VPC with ipamd
// warm (its pool pre-grown: prefix delegation, MINIMUM_IP_TARGET addresses); the Go pair runs in a throwaway node
// namespace of its own with {type ptp, ipam {type host-local, ranges [[{subnet 10.99.0.0/24}]], dataDir <tmp>}}.
// Then a burst of concurrent ADDs (and their DELs) on one node, for each.
//
// ipamd's checkpoint (AWS_VPC_K8S_CNI_BACKING_STORE) goes to /dev/shm by default: on a node it is
// /var/run/aws-node/ipam.json, and /var/run is a tmpfs there (it is not on every test machine). --disk-store puts it
// in the temp directory instead, to show what the checkpoint's fsyncs cost on a disk.
//
// Run after `npm run build`, as root:  node bench/cni-latency.mjs [--n 30] [--burst 50] [--disk-store] [--json] [--also PATH]
// --also PATH measures a second aws-cni build (another commit's bin/aws-cni, say) in the same run, against the same
// ipamd, in turn with the other two: an A/B comparison that the machine's noise does not decide.
// Everything it creates (namespaces, ipamd, the embedded VPC, temp files) is removed, also on failure or Ctrl-C.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = (path) => import(join(root, 'dist', path));
const PLUGIN = join(root, 'bin', 'aws-cni');
const GO = '/usr/lib/cni';

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
    'usage: node bench/cni-latency.mjs [--n 30] [--burst 50] [--disk-store] [--json] [--also PATH-TO-ANOTHER-aws-cni]\n',
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

const [{ startSim }, { systemClock }, { execCniPlugin }, { NetlinkExecutor }, netns] = await Promise.all([
  dist('sim/sim.js'),
  dist('obs/clock.js'),
  dist('netlink/cni-exec.js'),
  dist('netlink/exec.js'),
  dist('netlink/netns.js'),
]);

const log = (text) => process.stderr.write(`${text}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const PATH = process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin';

// ---- what this run creates, removed in cleanup() --------------------------------------------------------------------

const exec = new NetlinkExecutor({ confined: true });
await netns.removeLeftoverNamespaces(exec);
const prefix = netns.newRunPrefix('vcni');
const dir = await mkdtemp(join(tmpdir(), 'vcni-bench-'));
const storeDir = flags['disk-store'] || !existsSync('/dev/shm') ? dir : await mkdtemp('/dev/shm/vcni-bench-');
const namespaces = new Set();
let sim;
let ipamd;

let cleaning;
async function cleanup() {
  cleaning ??= (async () => {
    if (ipamd !== undefined && ipamd.exitCode === null) {
      ipamd.kill('SIGTERM');
      const killer = setTimeout(() => ipamd.kill('SIGKILL'), 10_000);
      await new Promise((resolve) => ipamd.once('exit', resolve));
      clearTimeout(killer);
    }
    await netns.deleteNamespaces(exec, [...namespaces]).catch((error) => log(`cleanup: ${error.message}`));
    await sim?.close().catch((error) => log(`cleanup: ${error.message}`));
    await rm(dir, { recursive: true, force: true });
    await rm(storeDir, { recursive: true, force: true });
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    log(`cni-latency: ${signal}, cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}
process.once('exit', () => ipamd?.kill('SIGKILL'));

async function createNetns(name, sysctls) {
  if (sysctls === undefined) await netns.createNamespaces(exec, [name]);
  else await netns.createNamespace(exec, name, sysctls);
  namespaces.add(name);
  return `/var/run/netns/${name}`;
}

async function deleteNetns(names) {
  await netns.deleteNamespaces(exec, names);
  for (const name of names) namespaces.delete(name);
}

function getJson(socketPath, path) {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body));
        } catch (error) {
          reject(error);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: timeout`)));
    req.on('error', reject);
    req.end();
  });
}

// ---- statistics -------------------------------------------------------------------------------------------------------

function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}
const stats = (values) => ({ median: quantile(values, 0.5), p90: quantile(values, 0.9), n: values.length });
const ms = (value) => `${value.toFixed(1)} ms`;

// ---- the runs ---------------------------------------------------------------------------------------------------------

let podCounter = 0;
const podArgs = (name) =>
  [
    `K8S_POD_NAME=${name}`,
    'K8S_POD_NAMESPACE=bench',
    `K8S_POD_INFRA_CONTAINER_ID=${name}`,
    'IgnoreUnknown=1',
    'K8S_POD_UID=00000000-0000-4000-8000-000000000001',
  ]
    .sort(() => Math.random() - 0.5)
    .join(';');

/** The phase timings of every successful ADD in the plugin's log (its `add: pod ... done` debug lines). */
async function addPhases(file) {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.includes('"totalMs"'))
    .map((line) => JSON.parse(line));
}

/** One plugin under test: how to call it in its node namespace. */
function runner({ name, plugin, nodeNetns, conf }) {
  const call = async (command, pod) => {
    const out = await execCniPlugin({
      plugin,
      nodeNetns,
      env: {
        PATH,
        CNI_COMMAND: command,
        CNI_CONTAINERID: pod.containerId,
        CNI_NETNS: pod.path,
        CNI_IFNAME: 'eth0',
        CNI_PATH: GO,
        CNI_ARGS: podArgs(pod.name),
      },
      stdin: JSON.stringify(command === 'DEL' && pod.result !== undefined ? { ...conf, prevResult: pod.result } : conf),
      timeoutMs: 60_000,
    });
    if (out.exitCode !== 0)
      throw new Error(
        `${name} ${command} ${pod.name}: exit ${out.exitCode}: ${out.stdout.trim()} ${out.stderr.trim()}`,
      );
    if (command === 'ADD') pod.result = out.json;
    return out.ms;
  };
  const newPod = async () => {
    podCounter += 1;
    const ns = `${prefix}-p${podCounter}`;
    const path = await createNetns(ns);
    return { ns, path, name: `pod-${podCounter}`, containerId: `bench${String(podCounter).padStart(59, '0')}` };
  };
  return { name, conf, nodeNetns, call, newPod };
}

async function startIpamd(instance, env) {
  const child = spawn(process.execPath, [join(root, 'bin', 'vpc-cni'), 'ipamd'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`ipamd not ready in 90 s:\n${lines.slice(-10).join('\n')}`)),
      90_000,
    );
    let partial = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop();
      for (const line of parts) {
        if (lines.length < 2000) lines.push(line);
        if (line.includes('"msg":"ipamd is ready"')) {
          clearTimeout(timer);
          resolve();
        }
      }
    });
    child.stderr.resume();
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ipamd exited (${code}):\n${lines.slice(-10).join('\n')}`));
    });
  });
  return child;
}

/** Waits until every pool tick since `since` decided nothing and at least `minimum` addresses are assigned to the node. */
async function waitForWarmPool(introspection, minimum) {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const pool = await getJson(introspection, '/v1/pool');
    const enis = await getJson(introspection, '/v1/enis');
    const total = Object.values(enis).reduce((sum, card) => sum + card.TotalIPs, 0);
    const steady = pool.cards.every((card) => card.resize.kind === 'steady');
    if (steady && total >= minimum) return total;
    if (Date.now() > deadline)
      throw new Error(
        `ipamd's pool did not reach ${minimum} addresses: ${pool.cards.map((c) => c.summary).join('; ')}`,
      );
    await sleep(500);
  }
}

try {
  // Our node: the first instance of the embedded VPC, ipamd with a pool big enough for the whole run, pre-grown.
  sim = await startSim({ scenario: 'eksworkshop', host: '127.0.0.1', port: 0, clock: systemClock, dataPlane: true });
  await sim.settled();
  const [instanceId, instance] = Object.entries(sim.describe().instances).find(([, info]) => info.netns !== null);
  const nodeDir = join(dir, 'node');
  await mkdir(nodeDir);
  const socket = join(nodeDir, 'ipamd.sock');
  const introspection = join(nodeDir, 'introspection.sock');
  const runs = flags.also === undefined ? 1 : 2; // addresses cool down for 30 s after a DEL: each runner needs its own
  const warm = Math.max(64, (N + BURST) * runs + 16);
  log(
    `cni-latency: embedded VPC up; starting ipamd on ${instanceId} (${instance.instanceType}), pool pre-grown to ${warm} addresses`,
  );
  ipamd = await startIpamd(instance, {
    PATH,
    AWS_ENDPOINT_URL_EC2: sim.ec2Url,
    AWS_EC2_METADATA_SERVICE_ENDPOINT: instance.imds,
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'x',
    AWS_REGION: sim.describe().region,
    AWS_VPC_K8S_CNI_LOG_FILE: 'stdout',
    AWS_VPC_K8S_CNI_LOGLEVEL: 'INFO',
    VPC_CNI_HOST_NETNS: `/var/run/netns/${instance.netns}`,
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

  const ours = runner({
    name: 'aws-cni',
    plugin: PLUGIN,
    nodeNetns: `/var/run/netns/${instance.netns}`,
    conf: {
      cniVersion: '0.4.0',
      name: 'aws-cni',
      type: 'aws-cni',
      vethPrefix: 'eni',
      mtu: '9001',
      podSGEnforcingMode: 'strict',
      pluginLogFile: join(nodeDir, 'plugin.log'),
      pluginLogLevel: 'Debug',
      ipamdSocket: socket,
    },
  });
  // --also: the other build, same node, same ipamd, its own log file (its phases are not reported).
  const also =
    flags.also === undefined
      ? undefined
      : runner({
          name: 'aws-cni (--also)',
          plugin: flags.also,
          nodeNetns: ours.nodeNetns,
          conf: { ...ours.conf, pluginLogFile: join(nodeDir, 'plugin-also.log') },
        });
  // The Go pair's node: a throwaway namespace, forwarding on as on a node.
  const goNode = await createNetns(`${prefix}-gonode`, { 'net.ipv4.ip_forward': 1 });
  const goData = join(dir, 'host-local');
  const go = runner({
    name: 'ptp+host-local',
    plugin: join(GO, 'ptp'),
    nodeNetns: goNode,
    conf: {
      cniVersion: '0.4.0',
      name: 'gobench',
      type: 'ptp',
      ipam: { type: 'host-local', ranges: [[{ subnet: '10.99.0.0/24' }]], dataDir: goData },
    },
  });

  // One warm-up ADD+DEL each (page cache, ipamd's first connection), not counted.
  const runners = [ours, ...(also === undefined ? [] : [also]), go];
  for (const r of runners) {
    const pod = await r.newPod();
    await r.call('ADD', pod);
    await r.call('DEL', pod);
    await deleteNetns([pod.ns]);
  }

  const samples = Object.fromEntries(runners.map((r) => [r.name, { ADD: [], DEL: [] }]));
  const phasesBefore = (await addPhases(ours.conf.pluginLogFile)).length;
  log(`cni-latency: ${N} sequential ADD+DEL each, alternating`);
  for (let i = 0; i < N; i++) {
    // Each runner goes first as often as the others.
    const order = runners.map((_, k) => runners[(i + k) % runners.length]);
    for (const r of order) {
      const pod = await r.newPod();
      samples[r.name].ADD.push(await r.call('ADD', pod));
      samples[r.name].DEL.push(await r.call('DEL', pod));
      await deleteNetns([pod.ns]);
    }
  }

  // Where our ADD's time goes, from the plugin's debug log: runtime start-up, ipamd's RPC, the wiring.
  const phaseRows = (await addPhases(ours.conf.pluginLogFile)).slice(phasesBefore);
  const phases = Object.fromEntries(
    ['startupMs', 'ipamdMs', 'wiringMs', 'totalMs'].map((key) => [
      key,
      quantile(
        phaseRows.map((row) => row[key]),
        0.5,
      ),
    ]),
  );

  const bursts = {};
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
      await deleteNetns(pods.map((pod) => pod.ns));
      bursts[r.name] = { add, del };
    }
  }

  const summary = {
    n: N,
    burst: BURST,
    checkpoint: storeDir === dir ? 'disk' : 'tmpfs',
    plugins: {},
    ratio: {},
    addPhases: phases,
  };
  for (const { name } of runners)
    summary.plugins[name] = {
      ADD: stats(samples[name].ADD),
      DEL: stats(samples[name].DEL),
      burst: bursts[name] ?? null,
    };
  const a = summary.plugins[ours.name];
  const b = summary.plugins[go.name];
  summary.ratio = {
    addMedian: a.ADD.median / b.ADD.median,
    addP90: a.ADD.p90 / b.ADD.p90,
    delMedian: a.DEL.median / b.DEL.median,
    delP90: a.DEL.p90 / b.DEL.p90,
    ...(BURST > 0 ? { burstAdd: a.burst.add / b.burst.add, burstDel: a.burst.del / b.burst.del } : {}),
  };
  if (also !== undefined) {
    const c = summary.plugins[also.name];
    summary.ratioAlso = {
      addMedian: c.ADD.median / b.ADD.median,
      addMedianVsOurs: c.ADD.median / a.ADD.median,
      delMedian: c.DEL.median / b.DEL.median,
    };
  }

  if (flags.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else {
    const rows = [
      [
        '',
        'ADD median',
        'ADD p90',
        'DEL median',
        'DEL p90',
        ...(BURST > 0 ? [`burst ${BURST} ADD`, `burst ${BURST} DEL`] : []),
      ],
      ...runners.map(({ name }) => {
        const p = summary.plugins[name];
        return [
          name,
          ms(p.ADD.median),
          ms(p.ADD.p90),
          ms(p.DEL.median),
          ms(p.DEL.p90),
          ...(BURST > 0 ? [ms(p.burst.add), ms(p.burst.del)] : []),
        ];
      }),
      [
        'ratio',
        `${summary.ratio.addMedian.toFixed(2)}×`,
        `${summary.ratio.addP90.toFixed(2)}×`,
        `${summary.ratio.delMedian.toFixed(2)}×`,
        `${summary.ratio.delP90.toFixed(2)}×`,
        ...(BURST > 0 ? [`${summary.ratio.burstAdd.toFixed(2)}×`, `${summary.ratio.burstDel.toFixed(2)}×`] : []),
      ],
    ];
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    process.stdout.write(
      `CNI latency, ${N} sequential ADD+DEL each (alternating), exec'd in node namespaces like a runtime; ipamd's checkpoint on ${summary.checkpoint}\n`,
    );
    for (const row of rows) process.stdout.write(`${row.map((cell, c) => cell.padEnd(widths[c])).join('  ')}\n`);
    if (summary.ratioAlso !== undefined) {
      const r = summary.ratioAlso;
      process.stdout.write(
        `--also: ADD median ${r.addMedian.toFixed(2)}× the Go pair, ${r.addMedianVsOurs.toFixed(2)}× this build's; DEL median ${r.delMedian.toFixed(2)}× the Go pair\n`,
      );
    }
    process.stdout.write(
      `aws-cni ADD phases (medians, from its debug log): runtime start-up ${ms(phases.startupMs)}, ipamd RPC ${ms(phases.ipamdMs)}, ` +
        `wiring ${ms(phases.wiringMs)}; in-process total ${ms(phases.totalMs)} (the rest of the ADD median is exec, exit and nsenter)\n`,
    );
  }
} finally {
  await cleanup();
}
