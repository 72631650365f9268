/**
 * The embedded VPC's request gate: EC2's per-action throttling plus injected faults, as one {@link RequestGate} for
 * the EC2 server. Order per request: the token is taken on arrival (a throttled request never reaches the "service",
 * so it gets neither latency nor a fault), then the fault's latency is waited out, then its error is thrown.
 *
 * @example
 * const gate = createGate({ clock: store.clock });
 * gate.faults.set('AssignPrivateIpAddresses', { code: 'InternalError', probability: 1, count: 1 });
 * await startEc2Server({ store, handlers, gate });
 */
import type { Clock } from '../../ipam/clock.js';
import type { RequestGate } from '../ec2/handler.js';
import type { Params } from '../ec2/params.js';
import { FaultInjector, type FaultOptions } from './faults.js';
import { Throttle, type ThrottleSettings } from './throttle.js';

export { FaultInjector, type FaultRule, type FaultOptions, type FaultDecision, ANY_ACTION } from './faults.js';
export { Throttle, classify, type BucketSpec, type ThrottleSettings, type ThrottleCategory } from './throttle.js';

export interface GateOptions {
  readonly clock: Clock;
  /** Throttle settings; throttling is on with the documented buckets unless `enabled: false`. */
  readonly throttle?: Partial<ThrottleSettings>;
  readonly faults?: FaultOptions;
  /** Waits out injected latency; a real timer by default. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** A RequestGate whose throttle and faults stay reachable for the admin endpoint and tests. */
export interface SimGate extends RequestGate {
  readonly throttle: Throttle;
  readonly faults: FaultInjector;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function createGate(options: GateOptions): SimGate {
  const throttle = new Throttle({ clock: options.clock, ...options.throttle });
  const faults = new FaultInjector(options.faults);
  const sleep = options.sleep ?? realSleep;
  return {
    throttle,
    faults,
    async admit(action: string, params: Params): Promise<void> {
      throttle.take(action, params);
      const decision = faults.decide(action);
      if (decision.latencyMs > 0) await sleep(decision.latencyMs);
      if (decision.error !== undefined) throw decision.error;
    },
  };
}
