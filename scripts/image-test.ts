// The image end to end (run by scripts/image-test.sh after it built the image): the embedded VPC with its data plane,
// then the two containers of the aws-node DaemonSet run with podman in one node's network namespace, with the host
// paths the DaemonSet mounts replaced by temporary directories:
//   1. aws-vpc-cni-init (`init`, privileged): the CNI plugins land in the bin dir, tcp_early_demux and rp_filter change
//      in the node namespace;
//   2. aws-node (`aws-node`): aws-cni and 10-aws.conflist land in the mounted dirs only after ipamd is ready; the
//      probes (`vpc-cni health --live/--ready`) pass;
//   3. a pod: the INSTALLED conflist run as libcni runs it, with the INSTALLED plugins, in a pod namespace → a VPC
//      address inside the pod; then DEL;
//   4. SIGTERM stops aws-node with exit 0.
// Everything is removed afterwards (containers, namespaces, relays, the sim, the directory), also on failure.
//
// The sim's EC2 and IMDS listen on 127.0.0.1 of this machine's namespace, which the container (in the node namespace)
// cannot reach; two relays carry them over a unix socket to 127.0.0.1 of the node namespace, same ports.
//
//   npx tsx scripts/image-test.ts IMAGE        (as root, podman and runc installed)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { NetlinkExecutor } from '../src/netlink/exec.js';
import { execCniPlugin } from '../src/netlink/cni-exec.js';
import { createNamespaces, deleteNamespaces, newRunPrefix, removeLeftoverNamespaces } from '../src/netlink/netns.js';
import { systemClock } from '../src/obs/clock.js';
import { silenceSdkNodeVersionWarning } from '../src/obs/warnings.js';
import { startSim } from '../src/sim/index.js';

silenceSdkNodeVersionWarning();
const image = process.argv[2] ?? 'localhost/vpc-cni:test';
const repo = new URL('..', import.meta.url).pathname;
// This machine's hard limits are below podman's defaults; crun refuses its hybrid cgroups, runc does not.
const PODMAN = ['podman', '--runtime', 'runc'];
const LIMITS = ['--ulimit', 'nofile=1024:20000', '--ulimit', 'nproc=1024:1024'];
const step = (text: string): boolean => process.stdout.write(`image-test: ${text}\n`);
const fail = (text: string): never => {
  throw new Error(text);
};

/** Runs podman asynchronously: the sim and the relays' far ends live in this process and must keep serving. */
function podman(args: string[], check = true): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PODMAN[0] as string, [...PODMAN.slice(1), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (check && code !== 0) reject(new Error(`podman ${args.slice(0, 3).join(' ')} ...: exit ${code}\n${out}`));
      else resolve({ code: code ?? -1, out });
    });
  });
}

const nsRun = (netns: string, argv: string[]): string =>
  spawnSync('nsenter', [`--net=/var/run/netns/${netns}`, '--', ...argv], { encoding: 'utf8' }).stdout.trim();

/** The aws-node container's env as the plain DaemonSet sets it (values only, not the downward API's). */
async function daemonSetEnv(): Promise<Record<string, string>> {
  const text = await readFile(join(repo, 'deploy/kubernetes/aws-node-daemonset.yaml'), 'utf8');
  const ds = parseAllDocuments(text)[0]?.toJS() as {
    spec: { template: { spec: { containers: { name: string; env: { name: string; value?: string }[] }[] } } };
  };
  const container = ds.spec.template.spec.containers.find((c) => c.name === 'aws-node') ?? fail('no aws-node');
  return Object.fromEntries(container.env.flatMap((e) => (e.value === undefined ? [] : [[e.name, e.value]])));
}

/** unix socket → 127.0.0.1:port in this namespace (the far end of a relay). */
function unixToTcp(path: string, port: number): Promise<Server> {
  const server = createServer((client) => {
    const upstream = createConnection(port, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    const close = (): void => void (client.destroy(), upstream.destroy());
    client.on('error', close);
    upstream.on('error', close);
  });
  return new Promise((resolve) => server.listen(path, () => resolve(server)));
}

/** 127.0.0.1:port in the node namespace → unix socket, for each pair: one node process run there by nsenter. */
async function relayIntoNamespace(netns: string, pairs: [number, string][]): Promise<ChildProcess> {
  const script = `const net = require('node:net'); let left = ${pairs.length};
for (const [port, path] of ${JSON.stringify(pairs)}) net.createServer((c) => { const u = net.connect(path);
  c.pipe(u).pipe(c); c.on('error', () => u.destroy()); u.on('error', () => c.destroy()); })
  .listen(port, '127.0.0.1', () => { if (--left === 0) console.log('ready'); });`;
  const child = spawn('nsenter', [`--net=/var/run/netns/${netns}`, '--', process.execPath, '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`relay exited ${code}`)));
  });
  return child;
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Runs the installed conflist's plugins in order (ADD) or reverse (DEL), as libcni does. */
async function runConflist(
  command: 'ADD' | 'DEL',
  ctx: { conflist: string; binDir: string; node: string; pod: string },
) {
  const list = JSON.parse(ctx.conflist) as { name: string; cniVersion: string; plugins: Record<string, unknown>[] };
  const plugins = command === 'ADD' ? list.plugins : [...list.plugins].reverse();
  let prevResult: unknown;
  for (const plugin of plugins) {
    const conf = { ...plugin, name: list.name, cniVersion: list.cniVersion, ...(prevResult ? { prevResult } : {}) };
    const out = await execCniPlugin({
      plugin: join(ctx.binDir, String(plugin['type'])),
      nodeNetns: `/var/run/netns/${ctx.node}`,
      env: {
        PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
        CNI_COMMAND: command,
        CNI_CONTAINERID: 'image-test-c1',
        CNI_NETNS: `/var/run/netns/${ctx.pod}`,
        CNI_IFNAME: 'eth0',
        CNI_PATH: ctx.binDir,
        CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=image-test;K8S_POD_INFRA_CONTAINER_ID=c1',
      },
      stdin: JSON.stringify(conf),
    });
    if (out.exitCode !== 0)
      fail(`${command} ${String(plugin['type'])}: exit ${out.exitCode} ${out.stdout} ${out.stderr}`);
    if (command === 'ADD') prevResult = out.json;
  }
  return prevResult as { ips?: { address: string }[] } | undefined;
}

async function main(): Promise<void> {
  const exec = new NetlinkExecutor({ confined: true });
  await removeLeftoverNamespaces(exec);
  const dir = await mkdtemp(join(tmpdir(), 'vcni-image-'));
  const container = `vcni-image-${process.pid}`;
  const pod = `${newRunPrefix('vcni')}-img`;
  const undo: (() => unknown)[] = [() => rm(dir, { recursive: true, force: true })];
  try {
    const sim = await startSim({
      scenario: 'eksworkshop',
      host: '127.0.0.1',
      port: 0,
      clock: systemClock,
      dataPlane: true,
    });
    undo.push(() => sim.close());
    await sim.settled();
    const [instanceId, node] =
      Object.entries(sim.describe().instances).find(([, i]) => i.netns !== null) ?? fail('no node namespace');
    const netns = node.netns ?? '';
    const ec2Port = Number(new URL(sim.ec2Url).port);
    const imdsPort = Number(new URL(node.imds).port);
    step(`embedded VPC up; node ${instanceId} (${node.privateIp}) in namespace ${netns}`);

    const servers = [
      await unixToTcp(join(dir, 'ec2.sock'), ec2Port),
      await unixToTcp(join(dir, 'imds.sock'), imdsPort),
    ];
    undo.push(() => servers.forEach((s) => s.close()));
    const relay = await relayIntoNamespace(netns, [
      [ec2Port, join(dir, 'ec2.sock')],
      [imdsPort, join(dir, 'imds.sock')],
    ]);
    undo.push(() => relay.kill('SIGKILL'));

    const host = {
      bin: join(dir, 'opt/cni/bin'),
      netd: join(dir, 'etc/cni/net.d'),
      log: join(dir, 'var/log/aws-routed-eni'),
      run: join(dir, 'var/run/aws-node'),
      sock: join(dir, 'sock'),
      lock: join(dir, 'run/xtables.lock'),
    };
    for (const d of [host.bin, host.netd, host.log, host.run, host.sock, join(dir, 'run')])
      await mkdir(d, { recursive: true });
    await writeFile(host.lock, '');
    const network = ['--network', `ns:/var/run/netns/${netns}`];
    const imds = `http://127.0.0.1:${imdsPort}`;

    // 1. The init container.
    await exec.sysctl(netns, { 'net.ipv4.tcp_early_demux': '1', 'net/ipv4/conf/eth0/rp_filter': '0' });
    const initStart = performance.now();
    const init = await podman([
      'run',
      '--rm',
      '--privileged',
      ...LIMITS,
      ...network,
      '-v',
      `${host.bin}:/host/opt/cni/bin`,
      '-e',
      'DISABLE_TCP_EARLY_DEMUX=true',
      '-e',
      'ENABLE_IPv6=false',
      '-e',
      'HOST_CNI_BIN_PATH=/host/opt/cni/bin',
      '-e',
      `AWS_EC2_METADATA_SERVICE_ENDPOINT=${imds}`,
      image,
      'init',
    ]);
    step(`init (${Math.round(performance.now() - initStart)} ms):\n${init.out.trim().replace(/^/gm, '    ')}`);
    const plugins = (await readdir(host.bin)).sort();
    if (plugins.join(',') !== 'bandwidth,host-local,loopback,portmap,tuning')
      fail(`plugins installed: ${plugins.join(',')}`);
    if (nsRun(netns, ['sysctl', '-n', 'net.ipv4.tcp_early_demux']) !== '0') fail('tcp_early_demux is not 0');
    if (nsRun(netns, ['sysctl', '-n', 'net.ipv4.conf.eth0.rp_filter']) !== '2') fail('rp_filter is not 2');
    step('init: 5 plugins in the bin dir, tcp_early_demux=0 and eth0 rp_filter=2 in the node namespace');

    // 2. aws-node: the DaemonSet's env, pointed at the embedded VPC. The plugin runs on this machine, so its log file
    // and ipamd's socket are paths that exist both here and in the container (the socket dir is mounted at its own
    // path); the checkpoint stays in /var/run/aws-node as on a node.
    const env = {
      ...(await daemonSetEnv()),
      AWS_ENDPOINT_URL_EC2: `http://127.0.0.1:${ec2Port}`,
      AWS_EC2_METADATA_SERVICE_ENDPOINT: imds,
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_REGION: sim.describe().region,
      AWS_VPC_K8S_PLUGIN_LOG_FILE: join(dir, 'plugin.log'),
      VPC_CNI_IPAMD_SOCKET: join(host.sock, 'ipamd.sock'),
      MY_NODE_NAME: node.nodeName,
    };
    undo.push(() => podman(['rm', '-f', '-t', '0', container], false));
    const started = performance.now();
    await podman([
      'run',
      '-d',
      '--name',
      container,
      '--cap-add',
      'NET_ADMIN',
      '--cap-add',
      'NET_RAW',
      ...LIMITS,
      ...network,
      '-v',
      `${host.bin}:/host/opt/cni/bin`,
      '-v',
      `${host.netd}:/host/etc/cni/net.d`,
      '-v',
      `${host.log}:/host/var/log/aws-routed-eni`,
      '-v',
      `${host.run}:/var/run/aws-node`,
      '-v',
      `${host.sock}:${host.sock}`,
      '-v',
      `${host.lock}:/run/xtables.lock`,
      ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
      image,
      'aws-node',
    ]);
    const conflistPath = join(host.netd, '10-aws.conflist');
    const running = async (): Promise<boolean> =>
      (await podman(['inspect', '-f', '{{.State.Running}}', container], false)).out.trim() === 'true';
    await waitFor('10-aws.conflist', 180_000, async () => {
      if (existsSync(conflistPath)) return true;
      if (!(await running())) fail(`aws-node stopped:\n${(await podman(['logs', container], false)).out}`);
      return undefined;
    });
    const readyLine = (await readFile(join(host.log, 'ipamd.log'), 'utf8'))
      .split('\n')
      .find((l) => l.includes('ipamd is ready'));
    const readyAt = Date.parse(
      (JSON.parse(readyLine ?? fail('ipamd never logged "ipamd is ready"')) as { time: string }).time,
    );
    const installedAt = (await stat(conflistPath)).mtimeMs;
    if (installedAt < readyAt) fail(`10-aws.conflist was written ${readyAt - installedAt} ms before ipamd was ready`);
    if (!existsSync(join(host.bin, 'aws-cni'))) fail('aws-cni was not installed');
    step(
      `aws-node: ipamd ready and aws-cni + 10-aws.conflist installed ${Math.round(performance.now() - started)} ms after start (conflist written ${Math.round(installedAt - readyAt)} ms after "ipamd is ready")`,
    );
    for (const probe of ['--live', '--ready']) {
      const r = await podman(['exec', container, '/app/bin/vpc-cni', 'health', probe], false);
      if (r.code !== 0) fail(`probe vpc-cni health ${probe}: exit ${r.code}: ${r.out}`);
    }
    step('probes: vpc-cni health --live and --ready exit 0 in the running container');

    // 3. A pod through the installed conflist and plugins.
    await createNamespaces(exec, [pod]);
    undo.push(() => deleteNamespaces(exec, [pod]));
    const ctx = { conflist: await readFile(conflistPath, 'utf8'), binDir: host.bin, node: netns, pod };
    const result = await runConflist('ADD', ctx);
    const address = result?.ips?.[0]?.address ?? fail(`no address in ${JSON.stringify(result)}`);
    const ip = address.split('/')[0] ?? '';
    const owner = [...sim.store.enis.values()].find(
      (e) => e.attachment?.instanceId === instanceId && e.secondaryIps.includes(ip),
    );
    if (owner === undefined) fail(`${ip} is not a secondary address of an ENI of ${instanceId} in EC2`);
    const inPod = nsRun(pod, ['ip', '-o', '-4', 'addr', 'show', 'dev', 'eth0']);
    if (!inPod.includes(` ${address.split('/')[0] ?? ''}/`)) fail(`the pod's eth0 has not ${address}: ${inPod}`);
    step(
      `pod: ADD through the installed ${(JSON.parse(ctx.conflist) as { plugins: { type: string }[] }).plugins
        .map((p) => p.type)
        .join(' + ')} gave ${address} (a secondary IP of ${owner?.id ?? ''} in EC2), on the pod's eth0`,
    );
    await runConflist('DEL', ctx);
    step('pod: DEL done');

    // 4. SIGTERM.
    await podman(['stop', '-t', '20', container]);
    const code = (await podman(['inspect', '-f', '{{.State.ExitCode}}', container])).out.trim();
    if (code !== '0') fail(`aws-node exited ${code} on SIGTERM:\n${(await podman(['logs', container], false)).out}`);
    step('aws-node: SIGTERM → exit 0');
    step('PASS');
  } finally {
    for (const action of undo.reverse())
      await Promise.resolve(action()).catch((e: unknown) => step(`cleanup: ${String(e)}`));
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`image-test: FAIL: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
