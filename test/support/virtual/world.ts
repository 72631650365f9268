/**
 * A whole world for ipamd tests: the embedded VPC built by the `eksworkshop` scenario (node 10.11.16.31, an
 * m5.large in subnet 10.11.0.0/19), the sim-backed EC2 and IMDS ports, the in-memory host, checkpoint, metrics,
 * logger and timers, and the config from an environment. `world.ipamd()` builds an ipamd over all of it; a second
 * call over the same world is a restart (same VPC, same checkpoint).
 *
 * @example
 * const world = buildWorld({ env: { WARM_IP_TARGET: '3' } });
 * await withIpamd(world, async (ipamd) => {
 *   await addPods(ipamd, 'web', 2);
 *   assertInSync(world, ipamd);
 * });
 */
import { strict as assert } from 'node:assert';
import { loadConfig } from '../../../src/config/index.js';
import { manualClock, type ManualClock } from '../../../src/ipam/clock.js';
import type { EniId } from '../../../src/ipam/types.js';
import type { AddNetworkReply, AddNetworkRequest, DelNetworkRequest } from '../../../src/rpc/types.js';
import {
  createSubnet,
  ImdsPropagation,
  settleDetachments,
  VpcStore,
  eksworkshop,
  type Instance,
} from '../../../src/sim/index.js';
import { Ipamd } from '../../../src/ipamd/ipamd.js';
import type { IpamdDeps } from '../../../src/ipamd/context.js';
import type { IpamdTimings } from '../../../src/ipamd/timings.js';
import {
  FakeHostNetwork,
  FakeTimers,
  MemoryCheckpointStore,
  RecordingMetrics,
  recordingLogger,
  type LogLine,
} from './fakes.js';
import { SimEc2, SimImds } from './sim-ports.js';

export const NODE_IP = '10.11.16.31';
export const START = Date.UTC(2024, 4, 1, 12, 0, 0);

export interface WorldOptions {
  readonly env?: Record<string, string>;
  readonly lagMs?: number;
  readonly timings?: Partial<IpamdTimings>;
  readonly maxPods?: number;
}

export interface World {
  readonly clock: ManualClock;
  readonly store: VpcStore;
  readonly instance: Instance;
  readonly propagation: ImdsPropagation;
  readonly ec2: SimEc2;
  readonly imds: SimImds;
  readonly host: FakeHostNetwork;
  readonly checkpoint: MemoryCheckpointStore;
  readonly metrics: RecordingMetrics;
  readonly timers: FakeTimers;
  readonly lines: LogLine[];
  deps(overrides?: Partial<IpamdDeps>): IpamdDeps;
  ipamd(overrides?: Partial<IpamdDeps>): Ipamd;
}

export function buildWorld(options: WorldOptions = {}): World {
  const clock = manualClock(START);
  const store = new VpcStore({ region: eksworkshop.region, clock });
  eksworkshop.build(store);
  const instance = [...store.instances.values()].find((i) => i.privateIpAddress === NODE_IP);
  if (instance === undefined) throw new Error(`the scenario has no node ${NODE_IP}`);
  const propagation = new ImdsPropagation(store, { lagMs: options.lagMs ?? 0 });
  const lines: LogLine[] = [];
  const { config } = loadConfig({ ...options.env });
  const world: World = {
    clock,
    store,
    instance,
    propagation,
    ec2: new SimEc2(store),
    imds: new SimImds(propagation, instance.id),
    host: new FakeHostNetwork(),
    checkpoint: new MemoryCheckpointStore(),
    metrics: new RecordingMetrics(),
    timers: new FakeTimers(clock),
    lines,
    deps: (overrides = {}) => ({
      config,
      ec2: world.ec2,
      imds: world.imds,
      host: world.host,
      checkpoint: world.checkpoint,
      metrics: world.metrics,
      clock,
      timers: world.timers,
      logger: recordingLogger(lines),
      random: () => 0.5,
      ...(options.timings === undefined ? {} : { timings: options.timings }),
      ...(options.maxPods === undefined ? {} : { maxPods: options.maxPods }),
      ...overrides,
    }),
    ipamd: (overrides = {}) => new Ipamd(world.deps(overrides)),
  };
  return world;
}

type IpamdBody<T> = (ipamd: Ipamd) => T | Promise<T>;

/**
 * Starts an ipamd over the world (with `overrides` of its dependencies), runs `body` with it and stops it, also
 * when `body` throws: a failed assertion leaves no loop running into the next test. A second call over the same
 * world is a restart.
 *
 * @example
 * const [address] = await withIpamd(world, (ipamd) => addPods(ipamd, 'web', 1));
 * await withIpamd(world, { ec2: slowEc2 }, (ipamd) => assert.equal(ipamd.phase, 'running'));
 */
export function withIpamd<T>(world: World, body: IpamdBody<T>): Promise<T>;
export function withIpamd<T>(world: World, overrides: Partial<IpamdDeps>, body: IpamdBody<T>): Promise<T>;
export async function withIpamd<T>(
  world: World,
  overridesOrBody: Partial<IpamdDeps> | IpamdBody<T>,
  body?: IpamdBody<T>,
): Promise<T> {
  const run = typeof overridesOrBody === 'function' ? overridesOrBody : body;
  if (run === undefined) throw new TypeError('withIpamd: no body to run');
  const ipamd = world.ipamd(typeof overridesOrBody === 'function' ? {} : overridesOrBody);
  await ipamd.start();
  try {
    return await run(ipamd);
  } finally {
    await ipamd.stop();
  }
}

/** A new subnet in the node's VPC and zone; `tags` as key → value. */
export function zoneSubnet(
  world: World,
  cidr: string,
  tags: Record<string, string> = {},
): ReturnType<typeof createSubnet> {
  return createSubnet(world.store, {
    vpcId: world.instance.vpcId,
    cidr,
    availabilityZone: world.instance.availabilityZone,
    tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
  });
}

/** Takes every free address of the node's subnet, as other nodes would: EC2 then refuses new ENIs there. */
export function fillNodeSubnet(world: World): void {
  const subnet = world.store.subnet(world.instance.subnetId);
  world.store.allocateIps(subnet, world.store.availableIpAddressCount(subnet));
}

/**
 * Moves the fake timers on step by step and checks `count()` after each: `[ms, expected]` pairs, e.g. how many
 * times a periodic job has run by then.
 */
export async function assertCountsOverTime(
  world: World,
  count: () => number,
  steps: readonly (readonly [ms: number, expected: number])[],
): Promise<void> {
  for (const [ms, expected] of steps) {
    await world.timers.advance(ms);
    assert.equal(count(), expected, `after another ${ms} ms`);
  }
}

/** EC2's view of the node: attached ENI → its secondary /32s and /28s, sorted. */
function ec2View(world: World): Map<EniId, string[]> {
  settleDetachments(world.store);
  const view = new Map<EniId, string[]>();
  for (const eni of world.store.enis.values()) {
    if (eni.attachment?.instanceId !== world.instance.id) continue;
    view.set(eni.id, [...eni.secondaryIps.map((ip) => `${ip}/32`), ...eni.prefixes].sort());
  }
  return view;
}

/** The datastore's view in the same shape. */
function datastoreView(ipamd: Ipamd): Map<EniId, string[]> {
  const snapshot = ipamd.snapshots().get(0);
  return new Map((snapshot?.enis ?? []).map((eni) => [eni.id, eni.cidrs.map((c) => c.cidr).sort()]));
}

/** Every CIDR the datastore holds (/32s and /28s), ENI by ENI. */
export function datastoreCidrs(ipamd: Ipamd): string[] {
  return [...datastoreView(ipamd).values()].flat();
}

/** The invariant every pool action and reconcile keeps: EC2 and the datastore hold the same ENIs and CIDRs. */
export function assertInSync(world: World, ipamd: Ipamd, message?: string): void {
  assert.deepEqual(datastoreView(ipamd), ec2View(world), message);
}

export function addRequest(pod: string, overrides: Partial<AddNetworkRequest> = {}): AddNetworkRequest {
  return {
    clientVersion: 'test',
    k8sPodName: pod,
    k8sPodNamespace: 'default',
    k8sPodInfraContainerId: `c-${pod}`,
    containerId: `c-${pod}`,
    ifName: 'eth0',
    networkName: 'aws-cni',
    netns: `/var/run/netns/${pod}`,
    requiresMultiNicAttachment: false,
    ...overrides,
  };
}

export function delRequest(pod: string, overrides: Partial<DelNetworkRequest> = {}): DelNetworkRequest {
  return {
    clientVersion: 'test',
    k8sPodName: pod,
    k8sPodNamespace: 'default',
    k8sPodInfraContainerId: `c-${pod}`,
    reason: 'PodDeleted',
    containerId: `c-${pod}`,
    ifName: 'eth0',
    networkName: 'aws-cni',
    k8sPodUid: `uid-${pod}`,
    ...overrides,
  };
}

/** Adds pods `prefix-0` … `prefix-(n−1)`; returns their addresses (failing replies throw). */
export async function addPods(ipamd: Ipamd, prefix: string, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const reply = await ipamd.backend.addNetwork(addRequest(`${prefix}-${i}`));
    if (!reply.success) throw new Error(`${prefix}-${i}: ${reply.errorCode}: ${reply.errorMessage}`);
    out.push(reply.ipAllocationMetadata[0]?.ipv4Addr ?? '');
  }
  return out;
}

/**
 * Adds `web-0` … `web-8`, which take the nine warm addresses on the node's primary ENI (an m5.large with the default
 * WARM_ENI_TARGET), then `web-9`, whose address needs what the node has not got yet: a second ENI. Returns web-9's
 * reply, success or not.
 */
export async function addTenthPod(ipamd: Ipamd): Promise<AddNetworkReply> {
  await addPods(ipamd, 'web', 9);
  return ipamd.backend.addNetwork(addRequest('web-9'));
}
