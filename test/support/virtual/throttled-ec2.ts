/**
 * EC2 as a whole cluster sees it, in virtual time: {@link SharedEc2} is the account — one set of EC2's documented
 * per-action token buckets (the sim's {@link Throttle}) for every node, a latency per call, and the embedded VPC's
 * state behind it (through {@link SimEc2}, so the state operations and error mapping are the ones the unit tests use).
 * {@link ThrottledEc2} is one node's EC2 adapter over it, built from the production adapter's own call path
 * (src/cloud/ec2/call.ts: client-side budget, full-jitter retry, classification) with virtual-time sleeps, so that
 * ipamd's behaviour on `RequestLimitExceeded` is the production one, not a second implementation.
 *
 * What is modelled: a request takes its bucket's token when it arrives (a throttled one never reaches the service
 * and is answered after `throttledMs`); an accepted one takes a uniform `latencyMs` and changes the state when it
 * answers. Throttled answers are SDK-shaped service exceptions (`RequestLimitExceeded`, 503), as the SDK hands them
 * to the call path. What is not: pagination (the sim answers a filtered Describe in one page, fewer than 1000 items
 * here), and DescribeNetworkInterfaces' strip-and-retry of unknown ids (the sim reports them directly).
 *
 * @example
 * const account = new SharedEc2({ store, timers, random: seeded(1) });
 * const ec2 = new ThrottledEc2(account, { clock, sleep: (ms) => timers.sleep(ms), random: seeded(2) });
 * await ec2.assignPrivateIps(eniId, { count: 9 }); // retried with back-off when the account's bucket is empty
 */
import { Ec2Budget, type BudgetOptions, type RequestShape } from '../../../src/cloud/ec2/budget.js';
import { createCallPath, type Ec2Call } from '../../../src/cloud/ec2/call.js';
import { DEFAULT_EC2_RETRY, type RetryPolicy, type Sleep } from '../../../src/cloud/ec2/retry.js';
import { isCloudError } from '../../../src/cloud/errors.js';
import type { Clock } from '../../../src/ipam/clock.js';
import type { EniId } from '../../../src/ipam/types.js';
import { classify, Throttle, type ThrottleSettings, type VpcStore } from '../../../src/sim/index.js';
import type { AwsCallRecord } from '../../../src/cloud/calls.js';
import type {
  CreateEniRequest,
  Ec2Api,
  Ec2Eni,
  Ec2Filter,
  Ec2InstanceAttachments,
  Ec2Subnet,
} from '../../../src/cloud/ec2/port.js';
import type { Timers } from '../../../src/obs/timers.js';
import { SimEc2 } from './sim-ports.js';

/** Per bucket key: tokens taken (accepted requests) with their times, and requests refused. */
export interface BucketTally {
  readonly key: string;
  readonly capacity: number;
  readonly refillPerSecond: number;
  readonly acceptedAt: number[];
  readonly throttledAt: number[];
  throttled: number;
}

export interface SharedEc2Options {
  readonly store: VpcStore;
  readonly timers: Timers;
  /** [0, 1) for latencies. */
  readonly random: () => number;
  /** Uniform latency of an accepted call, ms; [100, 300] by default. */
  readonly latencyMs?: readonly [number, number];
  /** Latency of a throttled answer, ms; 50 by default. */
  readonly throttledMs?: number;
  readonly throttle?: Partial<ThrottleSettings>;
}

const SUBNET_FULL = new Set(['InsufficientFreeAddressesInSubnet', 'InsufficientCidrBlocks']);

const shapeOf = (shape: RequestShape): { has(name: string): boolean } => ({ has: () => shape === 'filtered' });

/** An SDK service exception as the SDK hands it to the call path. */
function serviceException(code: string, status: number, message: string): Error {
  return Object.assign(new Error(message), {
    name: code,
    Code: code,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
}

/** The account: shared buckets, latency, the VPC; see the module comment. */
export class SharedEc2 {
  readonly throttle: Throttle;
  readonly sim: SimEc2;
  readonly tallies = new Map<string, BucketTally>();
  /** Answers InsufficientFreeAddressesInSubnet / InsufficientCidrBlocks, with their times. */
  readonly subnetFullAt: number[] = [];
  /** Answers NetworkInterfaceLimitExceeded (the region's ENI quota), with their times. */
  readonly eniQuotaAt: number[] = [];
  readonly #timers: Timers;
  readonly #random: () => number;
  readonly #latency: readonly [number, number];
  readonly #throttledMs: number;
  readonly #clock: Clock;

  constructor(options: SharedEc2Options) {
    this.#clock = options.store.clock;
    this.throttle = new Throttle({ clock: this.#clock, ...options.throttle });
    this.sim = new SimEc2(options.store);
    this.#timers = options.timers;
    this.#random = options.random;
    this.#latency = options.latencyMs ?? [100, 300];
    this.#throttledMs = options.throttledMs ?? 50;
  }

  /** One request as EC2 handles it: token on arrival, then latency, then the state change. */
  async request<T>(action: string, shape: RequestShape, work: () => Promise<T>): Promise<T> {
    const tally = this.#tally(action, shape);
    if (!this.throttle.tryTake(action, shapeOf(shape))) {
      tally.throttled += 1;
      tally.throttledAt.push(this.#clock.now());
      await this.#timers.sleep(this.#throttledMs);
      throw serviceException('RequestLimitExceeded', 503, 'Request limit exceeded.');
    }
    tally.acceptedAt.push(this.#clock.now());
    const [low, high] = this.#latency;
    await this.#timers.sleep(low + this.#random() * (high - low));
    try {
      return await work();
    } catch (error) {
      if (isCloudError(error) && SUBNET_FULL.has(error.details.awsCode ?? ''))
        this.subnetFullAt.push(this.#clock.now());
      if (isCloudError(error) && error.details.awsCode === 'NetworkInterfaceLimitExceeded')
        this.eniQuotaAt.push(this.#clock.now());
      throw error;
    }
  }

  /** Requests refused with RequestLimitExceeded so far. */
  throttled(): number {
    let n = 0;
    for (const t of this.tallies.values()) n += t.throttled;
    return n;
  }

  #tally(action: string, shape: RequestShape): BucketTally {
    const { key, spec } = classify(action, shapeOf(shape));
    let tally = this.tallies.get(key);
    if (tally === undefined) {
      const scale = this.throttle.settings.scale;
      tally = {
        key,
        capacity: spec.capacity * scale,
        refillPerSecond: spec.refillPerSecond * scale,
        acceptedAt: [],
        throttledAt: [],
        throttled: 0,
      };
      this.tallies.set(key, tally);
    }
    return tally;
  }
}

export interface ThrottledEc2Options {
  readonly clock: Clock;
  readonly sleep: Sleep;
  readonly random: () => number;
  /** The production adapter's client-side budget (`false` = none); its defaults when absent. */
  readonly budget?: false | Omit<BudgetOptions, 'clock' | 'sleep'>;
  readonly retry?: RetryPolicy;
  readonly observe?: (record: AwsCallRecord) => void;
}

/** One node's EC2 adapter over the shared account; see the module comment. */
export class ThrottledEc2 implements Ec2Api {
  readonly budget: Ec2Budget | undefined;
  readonly #account: SharedEc2;
  readonly #call: Ec2Call;

  constructor(account: SharedEc2, options: ThrottledEc2Options) {
    this.#account = account;
    this.budget =
      options.budget === false
        ? undefined
        : new Ec2Budget({ clock: options.clock, sleep: options.sleep, ...options.budget });
    this.#call = createCallPath({
      clock: options.clock,
      sleep: options.sleep,
      retry: options.retry ?? DEFAULT_EC2_RETRY,
      random: options.random,
      ...(this.budget === undefined ? {} : { budget: this.budget }),
      ...(options.observe === undefined ? {} : { observe: options.observe }),
    });
  }

  #send<T>(action: string, work: (sim: SimEc2) => Promise<T>, shape: RequestShape = 'filtered'): Promise<T> {
    return this.#call(action, () => this.#account.request(action, shape, () => work(this.#account.sim)), { shape });
  }

  describeInstance(instanceId: string): Promise<Ec2InstanceAttachments> {
    return this.#send('DescribeInstances', (sim) => sim.describeInstance(instanceId), 'unfiltered');
  }

  createNetworkInterface(request: CreateEniRequest): Promise<Ec2Eni> {
    return this.#send('CreateNetworkInterface', (sim) => sim.createNetworkInterface(request));
  }

  attachNetworkInterface(request: {
    eniId: EniId;
    instanceId: string;
    deviceIndex: number;
    networkCardIndex: number;
  }): Promise<string> {
    return this.#send('AttachNetworkInterface', (sim) => sim.attachNetworkInterface(request));
  }

  setDeleteOnTermination(eniId: EniId, attachmentId: string): Promise<void> {
    return this.#send('ModifyNetworkInterfaceAttribute', (sim) => sim.setDeleteOnTermination(eniId, attachmentId));
  }

  detachNetworkInterface(attachmentId: string): Promise<void> {
    return this.#send('DetachNetworkInterface', (sim) => sim.detachNetworkInterface(attachmentId));
  }

  deleteNetworkInterface(eniId: EniId): Promise<void> {
    return this.#send('DeleteNetworkInterface', (sim) => sim.deleteNetworkInterface(eniId));
  }

  assignPrivateIps(
    eniId: EniId,
    request: { count: number } | { prefixCount: number },
  ): Promise<{ ips: string[]; prefixes: string[] }> {
    return this.#send('AssignPrivateIpAddresses', (sim) => sim.assignPrivateIps(eniId, request));
  }

  unassignPrivateIps(
    eniId: EniId,
    request: { ips: readonly string[] } | { prefixes: readonly string[] },
  ): Promise<void> {
    const list = 'ips' in request ? request.ips : request.prefixes;
    if (list.length === 0) return Promise.resolve();
    return this.#send('UnassignPrivateIpAddresses', (sim) => sim.unassignPrivateIps(eniId, request));
  }

  describeNetworkInterfaces(ids: readonly EniId[]): Promise<{ enis: Ec2Eni[]; missing: EniId[] }> {
    return this.#send('DescribeNetworkInterfaces', (sim) => sim.describeNetworkInterfaces(ids), 'unfiltered');
  }

  findNetworkInterfaces(filters: readonly Ec2Filter[]): Promise<Ec2Eni[]> {
    return this.#send('DescribeNetworkInterfaces', (sim) => sim.findNetworkInterfaces(filters));
  }

  createTags(resourceIds: readonly string[], tags: Readonly<Record<string, string>>): Promise<void> {
    if (resourceIds.length === 0 || Object.keys(tags).length === 0) return Promise.resolve();
    return this.#send('CreateTags', (sim) => sim.createTags(resourceIds, tags));
  }

  describeSubnets(filters: readonly Ec2Filter[]): Promise<Ec2Subnet[]> {
    return this.#send('DescribeSubnets', (sim) => sim.describeSubnets(filters));
  }

  modifyNetworkInterfaceGroups(eniId: EniId, groups: readonly string[]): Promise<void> {
    return this.#send('ModifyNetworkInterfaceAttribute', (sim) => sim.modifyNetworkInterfaceGroups(eniId, groups));
  }
}
