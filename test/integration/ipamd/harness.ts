/**
 * Shared pieces of the ipamd integration tests: the embedded VPC (`eksworkshop`, optionally with a bigger instance
 * launched into it), ipamd run in-process (`runIpamd` with short timings) or as a real child process
 * (`node bin/vpc-cni ipamd`), the plugin's RPC client on the real unix socket, and the three views the tests compare:
 * EC2's (the sim's store), ipamd's (`/v1/enis`) and Prometheus' (`/metrics`).
 *
 * @example
 * const vpc = await startVpc({ instanceType: 'm5.4xlarge' });
 * const ipamd = await startIpamd(ipamdEnv(vpc, { WARM_IP_TARGET: '5' }), { timings: FAST });
 * await ipamd.client.addNetwork(addRequest('web-1'));
 * assert.deepEqual(ipamdView(await getEnis(ipamd.introspection)), ec2View(vpc));
 */
import { strict as assert } from 'node:assert';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../../../src/config/index.js';
import type { IpamdReadyInfo } from '../../../src/ipamd/main.js';
import type { IpamdTimings } from '../../../src/ipamd/runtime.js';
import type { Ec2ApiOptions } from '../../../src/cloud/ec2/client.js';
import { systemClock } from '../../../src/obs/clock.js';
import { silenceSdkNodeVersionWarning } from '../../../src/obs/warnings.js';
import { createRpcClient, type RpcClient } from '../../../src/rpc/client.js';
import type { AddNetworkRequest, DelNetworkRequest } from '../../../src/rpc/types.js';
import { startSim, type RunningSim } from '../../../src/sim/sim.js';
import { launchInstance } from '../../../src/sim/state/ops-instance.js';
import { settleDetachments } from '../../../src/sim/state/ops-eni.js';
import { RPC_CLIENT_VERSION } from '../../../src/version.js';

const run = promisify(execFile);

/** The repository root (the compiled file lives in build/spec/test/integration/ipamd/). */
export const REPO = new URL('../../../../../', import.meta.url).pathname;

/** The seed's first node: an m5.large in 10.11.0.0/19 (ap-northeast-2a). */
export const SEED_NODE_IP = '10.11.16.31';

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
export const FAST_RETRY: NonNullable<Ec2ApiOptions['retry']> = { maxAttempts: 3, baseMs: { transient: 10, throttling: 20 }, capMs: 100 };

silenceSdkNodeVersionWarning();

// The SDK's default credential chain reads these; the embedded VPC accepts any.
process.env['AWS_ACCESS_KEY_ID'] ??= 'AKIDEXAMPLE';
process.env['AWS_SECRET_ACCESS_KEY'] ??= 'secret';
process.env['AWS_EC2_METADATA_DISABLED'] = 'true';

// ---------------------------------------------------------------- the VPC

export interface TestNode {
  readonly instanceId: string;
  readonly instanceType: string;
  readonly imds: string;
  /** The node's network namespace (name) and its path. */
  readonly netns: string;
  readonly nsPath: string;
  readonly privateIp: string;
}

export interface TestVpc {
  readonly sim: RunningSim;
  readonly node: TestNode;
  /** A fresh temporary directory for sockets, checkpoints and logs; removed by close(). */
  readonly dir: string;
  close(): Promise<void>;
}

async function eventuallyValue<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000, intervalMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/**
 * `sim --scenario eksworkshop --data-plane`, and the node the test runs ipamd for: the seed's 10.11.16.31 (an
 * m5.large), or a fresh instance of `instanceType` launched into the same subnet with the same security groups.
 */
export async function startVpc(options: { readonly instanceType?: string; readonly dataPlane?: boolean; readonly imdsTokens?: 'optional' | 'required' } = {}): Promise<TestVpc> {
  const dir = await mkdtemp(join(tmpdir(), 'vcni-ipamd-it-'));
  let sim: RunningSim | undefined;
  try {
    sim = await startSim({
      scenario: 'eksworkshop', host: '127.0.0.1', port: 0, clock: systemClock, dataPlane: options.dataPlane ?? true,
      ...(options.imdsTokens === undefined ? {} : { imdsTokens: options.imdsTokens }),
    });
    const seed = [...sim.store.instances.values()].find((i) => i.privateIpAddress === SEED_NODE_IP);
    if (seed === undefined) throw new Error('the eksworkshop scenario has no node 10.11.16.31');
    let instanceId = seed.id;
    if (options.instanceType !== undefined && options.instanceType !== seed.instanceType) {
      instanceId = launchInstance(sim.store, { instanceType: options.instanceType, subnetId: seed.subnetId, groups: seed.groups }).id;
    }
    const running = sim;
    // IMDS for an instance launched after start comes up on the 'instance-launched' event; the data plane plugs
    // its namespace asynchronously.
    const info = await eventuallyValue(`IMDS of ${instanceId}`, () => {
      const described = running.describe().instances[instanceId];
      return described !== undefined && described.imds !== '' ? described : undefined;
    });
    await running.settled();
    const netns = running.describe().instances[instanceId]?.netns ?? null;
    if (netns === null) throw new Error(`instance ${instanceId} has no node namespace (data plane off?)`);
    const node: TestNode = { instanceId, instanceType: info.instanceType, imds: info.imds, netns, nsPath: `/var/run/netns/${netns}`, privateIp: info.privateIp };
    return {
      sim: running,
      node,
      dir,
      close: async () => {
        await running.close();
        await rm(dir, { recursive: true, force: true });
        // The fabric and node namespaces are named `<prefix>-vpc`, `<prefix>-n<i>`: none may outlive the sim.
        const prefix = netns.replace(/-n\d+$/, '-');
        const left = (await netnsNames()).filter((name) => name.startsWith(prefix));
        if (left.length > 0) throw new Error(`namespaces left behind by the sim: ${left.join(', ')}`);
      },
    };
  } catch (error) {
    await sim?.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

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
export async function ipamdEnv(vpc: TestVpc, extra: Record<string, string> = {}): Promise<Record<string, string>> {
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

/** The last lines of ipamd's log file, for assertion messages. */
export async function logTail(vpc: TestVpc, lines = 40): Promise<string> {
  const text = await readFile(join(vpc.dir, 'ipamd.log'), 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

// ---------------------------------------------------------------- ipamd

export interface RunningIpamd {
  readonly socket: string;
  readonly introspection: string;
  readonly metrics: string;
  readonly instanceId: string;
  readonly client: RpcClient;
  /** Aborts ipamd and resolves with its exit code. */
  stop(): Promise<number>;
}

function rpcClient(socketPath: string): RpcClient {
  return createRpcClient({ socketPath, timeoutMs: 30_000, clientVersion: RPC_CLIENT_VERSION });
}

/** `runIpamd` in this process (the composition root the CLI runs), with the given timings. */
export async function startIpamd(
  env: Record<string, string>,
  options: { readonly timings?: Partial<IpamdTimings>; readonly ec2Retry?: Ec2ApiOptions['retry'] } = { timings: FAST_TIMINGS },
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
  kill(signal: NodeJS.Signals): Promise<number | string>;
}

/** `node bin/vpc-cni ipamd` as a child process, logging JSON lines to stdout; resolves once it logs "ipamd is ready". */
export async function spawnIpamd(env: Record<string, string>, timeoutMs = 30_000): Promise<IpamdProcess> {
  const child = spawn(process.execPath, [join(REPO, 'bin', 'vpc-cni'), 'ipamd'], {
    env: { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...env, AWS_VPC_K8S_CNI_LOG_FILE: 'stdout' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ipamd was not ready after ${timeoutMs} ms:\n${output.slice(-30).join('\n')}`)), timeoutMs);
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
    child.stderr?.on('data', (chunk: Buffer) => output.push(...chunk.toString('utf8').trimEnd().split('\n')));
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
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return {
    child, output, exited, kill, client,
    socket: text('socket'), introspection: text('introspection'), metrics: text('metrics'), instanceId: text('instanceId'),
    stop: async () => {
      const code = await kill('SIGTERM');
      return typeof code === 'number' ? code : -1;
    },
  };
}

// ---------------------------------------------------------------- requests

/** Pods are named `<ns>/<name>`; the container id is derived from the name, as a runtime's sandbox id would be. */
export function containerIdOf(pod: string): string {
  return createHash('sha256').update(pod).digest('hex');
}

export function addRequest(pod: string, overrides: Partial<Omit<AddNetworkRequest, 'clientVersion'>> = {}): Omit<AddNetworkRequest, 'clientVersion'> {
  return {
    k8sPodName: pod, k8sPodNamespace: 'default', k8sPodInfraContainerId: containerIdOf(pod), containerId: containerIdOf(pod),
    ifName: 'eth0', networkName: 'aws-cni', netns: `/var/run/netns/cni-${pod}`, requiresMultiNicAttachment: false, ...overrides,
  };
}

export function delRequest(pod: string, overrides: Partial<Omit<DelNetworkRequest, 'clientVersion'>> = {}): Omit<DelNetworkRequest, 'clientVersion'> {
  return {
    k8sPodName: pod, k8sPodNamespace: 'default', k8sPodInfraContainerId: containerIdOf(pod), reason: 'PodDeleted',
    containerId: containerIdOf(pod), ifName: 'eth0', networkName: 'aws-cni', k8sPodUid: `uid-${pod}`, ...overrides,
  };
}

export interface PodAddress {
  readonly pod: string;
  readonly ip: string;
  readonly deviceNumber: number;
  readonly routeTableId: number;
}

/** Runs `work` over `items` with at most `concurrency` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) results[i] = await work(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/** Adds the pods over the socket, `concurrency` at a time; every reply must succeed. */
export async function addPods(client: RpcClient, pods: readonly string[], concurrency = 8): Promise<PodAddress[]> {
  return mapLimit(pods, concurrency, async (pod) => {
    const reply = await client.addNetwork(addRequest(pod));
    const meta = reply.ipAllocationMetadata[0];
    if (!reply.success || meta === undefined) throw new Error(`AddNetwork ${pod} failed: ${reply.errorCode}: ${reply.errorMessage}`);
    return { pod, ip: meta.ipv4Addr, deviceNumber: meta.deviceNumber, routeTableId: meta.routeTableId };
  });
}

/** Deletes the pods over the socket; every reply must succeed and name the address it released. */
export async function delPods(client: RpcClient, pods: readonly string[], concurrency = 8): Promise<string[]> {
  return mapLimit(pods, concurrency, async (pod) => {
    const reply = await client.delNetwork(delRequest(pod));
    const ip = reply.ipAllocationMetadata[0]?.ipv4Addr;
    if (!reply.success || ip === undefined) throw new Error(`DelNetwork ${pod} failed: ${reply.errorCode}: ${reply.errorMessage}`);
    return ip;
  });
}

// ---------------------------------------------------------------- views

/** EC2's view of the node: attached ENI → its secondary /32s and /28s, sorted (detachments settled first). */
export function ec2View(vpc: TestVpc): Map<string, string[]> {
  settleDetachments(vpc.sim.store);
  const view = new Map<string, string[]>();
  for (const eni of vpc.sim.store.enis.values()) {
    if (eni.attachment?.instanceId !== vpc.node.instanceId) continue;
    view.set(eni.id, [...eni.secondaryIps.map((ip) => `${ip}/32`), ...eni.prefixes].sort());
  }
  return new Map([...view].sort(([a], [b]) => a.localeCompare(b)));
}

/** `/v1/enis` as the tests read it (the reference's ENIInfos per card). */
export interface EnisDocument {
  readonly [card: string]: {
    readonly TotalIPs: number;
    readonly AssignedIPs: number;
    readonly ENIs: Readonly<Record<string, EniJson>>;
  };
}

export interface EniJson {
  readonly ID: string;
  readonly IsPrimary: boolean;
  readonly IsTrunk: boolean;
  readonly IsEFA: boolean;
  readonly DeviceNumber: number;
  readonly AvailableIPv4Cidrs: Readonly<Record<string, CidrJson>>;
  readonly IPv6Cidrs: Readonly<Record<string, CidrJson>>;
  readonly IsExcludedForPodIPs: boolean;
  readonly RouteTableID: number;
  readonly SubnetID: string;
}

export interface CidrJson {
  readonly Cidr: { readonly IP: string; readonly Mask: string };
  readonly IPAddresses: Readonly<Record<string, AddressJson>>;
  readonly IsPrefix: boolean;
  readonly AddressFamily: string;
}

export interface AddressJson {
  readonly Address: string;
  readonly IPAMKey: { readonly networkName: string; readonly containerID: string; readonly ifName: string };
  readonly IPAMMetadata: { readonly k8sPodNamespace?: string; readonly k8sPodName?: string; readonly interfacesCount?: number };
  readonly AssignedTime: string;
  readonly UnassignedTime: string;
}

export async function getText(url: string, init?: RequestInit): Promise<{ status: number; body: string; headers: Headers }> {
  const response = await fetch(url, init);
  return { status: response.status, body: await response.text(), headers: response.headers };
}

export async function getEnis(introspection: string): Promise<EnisDocument> {
  const { status, body } = await getText(`${introspection}/v1/enis`);
  if (status !== 200) throw new Error(`/v1/enis answered ${status}: ${body}`);
  return JSON.parse(body) as EnisDocument;
}

export function card0(doc: EnisDocument): EnisDocument[string] {
  const card = doc['0'];
  if (card === undefined) throw new Error(`/v1/enis has no card 0: ${JSON.stringify(doc).slice(0, 200)}`);
  return card;
}

/** ipamd's view in the shape of {@link ec2View}. */
export function ipamdView(doc: EnisDocument): Map<string, string[]> {
  const enis = Object.values(card0(doc).ENIs);
  return new Map(enis.map((eni) => [eni.ID, Object.keys(eni.AvailableIPv4Cidrs).sort()] as const).sort(([a], [b]) => a.localeCompare(b)));
}

export interface Assignment {
  readonly eniId: string;
  readonly cidr: string;
  readonly address: string;
  readonly pod: string;
}

/** Every assigned address in `/v1/enis` (an address is assigned when its IPAMKey has a network name). */
export function assignments(doc: EnisDocument): Assignment[] {
  const out: Assignment[] = [];
  for (const eni of Object.values(card0(doc).ENIs)) {
    for (const [cidr, info] of Object.entries(eni.AvailableIPv4Cidrs)) {
      for (const address of Object.values(info.IPAddresses)) {
        if (address.IPAMKey.networkName === '') continue;
        out.push({ eniId: eni.ID, cidr, address: address.Address, pod: address.IPAMMetadata.k8sPodName ?? '' });
      }
    }
  }
  return out;
}

/** The unlabelled samples of a Prometheus text page: name → value. */
export async function getMetrics(metrics: string): Promise<Map<string, number>> {
  const { status, body } = await getText(`${metrics}/metrics`);
  if (status !== 200) throw new Error(`/metrics answered ${status}`);
  const samples = new Map<string, number>();
  for (const line of body.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*) (\S+)$/.exec(line);
    if (match !== null) samples.set(match[1] ?? '', Number(match[2]));
  }
  return samples;
}

/** Sum of a labelled metric's samples whose label set contains `labels` (e.g. `api="AssignPrivateIpAddresses"`). */
export async function metricSum(metrics: string, name: string, labels: readonly string[] = []): Promise<number> {
  const { body } = await getText(`${metrics}/metrics`);
  let sum = 0;
  for (const line of body.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!labels.every((label) => line.includes(label))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

// ---------------------------------------------------------------- waiting

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` until it returns a value (not undefined); the last `why` is in the timeout error. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000, intervalMs = 100): Promise<T> {
  return eventuallyValue(what, probe, timeoutMs, intervalMs);
}

/**
 * Waits until EC2 and ipamd agree and neither has changed for `quietMs` (several pool ticks): the node has settled.
 * Returns the agreed view and the last `/v1/enis`.
 */
export async function settle(vpc: TestVpc, ipamd: RunningIpamd, check: (doc: EnisDocument) => boolean = () => true, quietMs = 1_200, timeoutMs = 30_000): Promise<{ view: Map<string, string[]>; doc: EnisDocument }> {
  const deadline = Date.now() + timeoutMs;
  let stableSince = Date.now();
  let last = '';
  let lastDoc: EnisDocument | undefined;
  for (;;) {
    const doc = await getEnis(ipamd.introspection);
    const mine = ipamdView(doc);
    const theirs = ec2View(vpc);
    const key = JSON.stringify([...mine]);
    const agreed = key === JSON.stringify([...theirs]) && check(doc);
    if (!agreed || key !== last) {
      stableSince = Date.now();
      last = agreed ? key : '';
    } else if (Date.now() - stableSince >= quietMs) {
      return { view: mine, doc };
    }
    lastDoc = doc;
    if (Date.now() > deadline) {
      throw new Error(
        `the node did not settle within ${timeoutMs} ms:\nipamd ${JSON.stringify([...mine])}\nEC2   ${JSON.stringify([...theirs])}\n` +
          `check ${String(lastDoc === undefined ? '-' : check(lastDoc))}\n${await logTail(vpc, 20)}`,
      );
    }
    await sleep(100);
  }
}

// ---------------------------------------------------------------- the node namespace

export async function ip(netns: string, args: readonly string[]): Promise<string> {
  const { stdout } = await run('ip', ['-n', netns, ...args]);
  return stdout;
}

export async function ipJson<T>(netns: string, args: readonly string[]): Promise<T> {
  const text = await ip(netns, ['-j', ...args]);
  return (text.trim() === '' ? [] : JSON.parse(text)) as T;
}

/** Pretty-prints JSON with `python3 -m json.tool`, as the seed reads `/v1/enis`; throws if Python cannot parse it. */
export async function pythonJsonTool(body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('python3', ['-m', 'json.tool'], (error, stdout, stderr) => (error === null ? resolve(stdout) : reject(new Error(`python3 -m json.tool: ${stderr}`))));
    child.stdin?.end(body);
  });
}

/** Names of the network namespaces on the machine (`ip netns list`). */
export async function netnsNames(): Promise<string[]> {
  const { stdout } = await run('ip', ['netns', 'list']);
  return stdout.split('\n').map((line) => line.split(' ')[0] ?? '').filter((name) => name !== '');
}

// ---------------------------------------------------------------- consistency

/**
 * The invariants every phase ends with: EC2 and ipamd hold the same CIDRs on the same ENIs; no address is assigned
 * twice; the pods ipamd holds are exactly `live` (pod → address); `/metrics` reports `/v1/enis`' numbers.
 */
export async function assertConsistent(vpc: TestVpc, ipamd: RunningIpamd, live: ReadonlyMap<string, string>, doc?: EnisDocument): Promise<EnisDocument> {
  const current = doc ?? (await getEnis(ipamd.introspection));
  const mine = ipamdView(current);
  const theirs = ec2View(vpc);
  assert.deepEqual([...mine], [...theirs], 'EC2 and ipamd hold the same CIDRs');
  const held = assignments(current);
  const addresses = held.map((a) => a.address);
  assert.equal(new Set(addresses).size, addresses.length, 'no address is assigned twice');
  const sorted = (pairs: Iterable<readonly [string, string]>): [string, string][] => [...pairs].map(([k, v]): [string, string] => [k, v]).sort(([a], [b]) => a.localeCompare(b));
  assert.deepEqual(sorted(held.map((a) => [a.pod, a.address] as const)), sorted(live), 'ipamd holds exactly the live pods');
  const card = card0(current);
  assert.equal(card.AssignedIPs, live.size);
  const metrics = await getMetrics(ipamd.metrics);
  assert.deepEqual(
    { total: metrics.get('awscni_total_ip_addresses'), assigned: metrics.get('awscni_assigned_ip_addresses'), enis: metrics.get('awscni_eni_allocated') },
    { total: card.TotalIPs, assigned: card.AssignedIPs, enis: Object.keys(card.ENIs).length },
    '/metrics reports what /v1/enis shows',
  );
  return current;
}
