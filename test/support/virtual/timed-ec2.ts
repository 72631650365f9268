/**
 * An EC2 port that costs time and budget, for the control-plane benchmarks: every call first asks the sim's
 * {@link Throttle} (EC2's documented per-action token buckets, refilled from the virtual clock, scaled down to the
 * node's share of the account) for a token, then waits its latency on the injected timers, then runs on the inner
 * port (usually {@link SimEc2}). A throttled call fails after a short wait with `CLOUD_THROTTLED`
 * (`RequestLimitExceeded`), as EC2 answers it. Counts every call, the mutating ones and the throttled ones.
 *
 * With FakeTimers in manual mode (`autoSleep = false`) the latency is virtual time: pods that arrive while
 * AssignPrivateIpAddresses is in flight really wait for it.
 *
 * @example
 * world.timers.autoSleep = false;
 * const ec2 = new TimedEc2(world.ec2, { timers: world.timers, clock: world.clock, throttleScale: 0.1 });
 * const ipamd = world.ipamd({ ec2 });
 * // … drive world.timers.advance(…) …
 * ec2.counts(); // { calls: 41, mutating: 17, throttled: 0, byAction: { AssignPrivateIpAddresses: 9, … } }
 */
import { CloudError } from '../../../src/cloud/errors.js';
import type { Clock } from '../../../src/ipam/clock.js';
import type { EniId } from '../../../src/ipam/types.js';
import { Throttle } from '../../../src/sim/index.js';
import type {
  CreateEniRequest,
  Ec2Api,
  Ec2Eni,
  Ec2Filter,
  Ec2InstanceAttachments,
  Ec2Subnet,
} from '../../../src/cloud/ec2/port.js';
import type { Timers } from '../../../src/obs/timers.js';

/**
 * Median latency of each EC2 action in milliseconds, as seen from a node (ours: order of magnitude from the EC2
 * API's usual answers; attach is "until EC2 reports it attached"). Actions not listed take {@link DEFAULT_LATENCY_MS}.
 */
export const EC2_LATENCY_MS: Readonly<Record<string, number>> = Object.freeze({
  AssignPrivateIpAddresses: 300,
  UnassignPrivateIpAddresses: 300,
  CreateNetworkInterface: 1_000,
  AttachNetworkInterface: 2_000,
  ModifyNetworkInterfaceAttribute: 300,
  DetachNetworkInterface: 1_000,
  DeleteNetworkInterface: 500,
  CreateTags: 200,
});

export const DEFAULT_LATENCY_MS = 150;
/** How long EC2 takes to answer RequestLimitExceeded. */
export const THROTTLED_LATENCY_MS = 50;

export interface TimedEc2Options {
  readonly timers: Timers;
  readonly clock: Clock;
  /** Multiplies EC2's bucket sizes and refill rates: the node's share of the account (0.1 = one node of ten). */
  readonly throttleScale?: number;
  readonly latencyMs?: Readonly<Record<string, number>>;
  /** [0, 1): each latency is drawn uniformly from ±25 % around the median; default: always the median. */
  readonly random?: () => number;
}

export interface Ec2Counts {
  readonly calls: number;
  /** Calls that change EC2 state (everything but Describe*), throttled attempts included. */
  readonly mutating: number;
  readonly throttled: number;
  readonly byAction: Readonly<Record<string, number>>;
}

const isMutating = (action: string): boolean => !action.startsWith('Describe');

/** See the module comment. */
export class TimedEc2 implements Ec2Api {
  readonly inner: Ec2Api;
  readonly throttle: Throttle;
  readonly #timers: Timers;
  readonly #latency: Readonly<Record<string, number>>;
  readonly #random: () => number;
  readonly #byAction = new Map<string, number>();
  #calls = 0;
  #mutating = 0;
  #throttled = 0;

  constructor(inner: Ec2Api, options: TimedEc2Options) {
    this.inner = inner;
    this.#timers = options.timers;
    this.#latency = { ...EC2_LATENCY_MS, ...options.latencyMs };
    this.#random = options.random ?? (() => 0.5);
    this.throttle = new Throttle({ clock: options.clock, scale: options.throttleScale ?? 1 });
  }

  counts(): Ec2Counts {
    return {
      calls: this.#calls,
      mutating: this.#mutating,
      throttled: this.#throttled,
      byAction: Object.fromEntries(this.#byAction),
    };
  }

  async #call<T>(action: string, filtered: boolean, work: () => Promise<T>): Promise<T> {
    this.#calls += 1;
    if (isMutating(action)) this.#mutating += 1;
    this.#byAction.set(action, (this.#byAction.get(action) ?? 0) + 1);
    if (!this.throttle.tryTake(action, { has: () => filtered })) {
      this.#throttled += 1;
      await this.#timers.sleep(THROTTLED_LATENCY_MS);
      throw new CloudError('CLOUD_THROTTLED', `${action}: Request limit exceeded.`, {
        operation: action,
        awsCode: 'RequestLimitExceeded',
        httpStatus: 503,
      });
    }
    const median = this.#latency[action] ?? DEFAULT_LATENCY_MS;
    await this.#timers.sleep(Math.round(median * (0.75 + 0.5 * this.#random())));
    return work();
  }

  describeInstance(instanceId: string): Promise<Ec2InstanceAttachments> {
    return this.#call('DescribeInstances', true, () => this.inner.describeInstance(instanceId));
  }

  createNetworkInterface(request: CreateEniRequest): Promise<Ec2Eni> {
    return this.#call('CreateNetworkInterface', true, () => this.inner.createNetworkInterface(request));
  }

  attachNetworkInterface(request: {
    eniId: EniId;
    instanceId: string;
    deviceIndex: number;
    networkCardIndex: number;
  }): Promise<string> {
    return this.#call('AttachNetworkInterface', true, () => this.inner.attachNetworkInterface(request));
  }

  setDeleteOnTermination(eniId: EniId, attachmentId: string): Promise<void> {
    return this.#call('ModifyNetworkInterfaceAttribute', true, () =>
      this.inner.setDeleteOnTermination(eniId, attachmentId),
    );
  }

  detachNetworkInterface(attachmentId: string): Promise<void> {
    return this.#call('DetachNetworkInterface', true, () => this.inner.detachNetworkInterface(attachmentId));
  }

  deleteNetworkInterface(eniId: EniId): Promise<void> {
    return this.#call('DeleteNetworkInterface', true, () => this.inner.deleteNetworkInterface(eniId));
  }

  assignPrivateIps(
    eniId: EniId,
    request: { count: number } | { prefixCount: number },
  ): Promise<{ ips: string[]; prefixes: string[] }> {
    return this.#call('AssignPrivateIpAddresses', true, () => this.inner.assignPrivateIps(eniId, request));
  }

  unassignPrivateIps(
    eniId: EniId,
    request: { ips: readonly string[] } | { prefixes: readonly string[] },
  ): Promise<void> {
    return this.#call('UnassignPrivateIpAddresses', true, () => this.inner.unassignPrivateIps(eniId, request));
  }

  describeNetworkInterfaces(ids: readonly EniId[]): Promise<{ enis: Ec2Eni[]; missing: EniId[] }> {
    // By ids: EC2 treats an id list like a filter for the bucket choice.
    return this.#call('DescribeNetworkInterfaces', true, () => this.inner.describeNetworkInterfaces(ids));
  }

  findNetworkInterfaces(filters: readonly Ec2Filter[]): Promise<Ec2Eni[]> {
    return this.#call('DescribeNetworkInterfaces', filters.length > 0, () => this.inner.findNetworkInterfaces(filters));
  }

  createTags(resourceIds: readonly string[], tags: Readonly<Record<string, string>>): Promise<void> {
    return this.#call('CreateTags', true, () => this.inner.createTags(resourceIds, tags));
  }

  describeSubnets(filters: readonly Ec2Filter[]): Promise<Ec2Subnet[]> {
    return this.#call('DescribeSubnets', filters.length > 0, () => this.inner.describeSubnets(filters));
  }

  modifyNetworkInterfaceGroups(eniId: EniId, groups: readonly string[]): Promise<void> {
    return this.#call('ModifyNetworkInterfaceAttribute', true, () =>
      this.inner.modifyNetworkInterfaceGroups(eniId, groups),
    );
  }
}
