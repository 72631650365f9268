/**
 * What every part of ipamd shares: the one `deps` object (ports, clock, timers, logger, config), the reference's
 * timings, the node facts learnt at start-up ({@link NodeState}), and the small pieces of mutable state the pool
 * manager, the reconciler and the CNI backend all read ({@link PoolStatus}, the reconcile cool-down cache, the
 * serialising lock). Nothing here does I/O; the composition root (main.ts) builds the real `deps`.
 *
 * @example
 * const ctx = createContext(deps, node);
 * await ctx.serial.run(() => pool.tick());   // pool ticks and reconciles never overlap
 * ctx.cooldown.add('10.0.1.5/32');            // not re-added by reconcile for 60 s
 */
import type { Config } from '../config/types.js';
import type { Clock } from '../ipam/clock.js';
import type { Datastore } from '../ipam/datastore.js';
import type { EniId } from '../ipam/types.js';
import type { CheckpointStore, Ec2Api, HostNetwork, Imds, ImdsEni, InstanceIdentity, IpamdMetrics } from './ports.js';

/** The subset of pino ipamd logs through: one line per decision, structured facts first. */
export interface Logger {
  debug(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/**
 * A logger adding `fields` to every line, as `child(fields)` would, without creating a child: pino builds a child's
 * bindings (through its redaction) when it is created, which cost ipamd ~0.1 ms per RPC call for a logger that logs
 * one or two lines.
 */
export function withFields(logger: Logger, fields: Record<string, unknown>): Pick<Logger, 'debug' | 'info' | 'warn' | 'error'> {
  return {
    debug: (obj, msg) => logger.debug({ ...fields, ...obj }, msg),
    info: (obj, msg) => logger.info({ ...fields, ...obj }, msg),
    warn: (obj, msg) => logger.warn({ ...fields, ...obj }, msg),
    error: (obj, msg) => logger.error({ ...fields, ...obj }, msg),
  };
}

/** A logger that drops everything (tools and tests that do not care). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

/** Time that passes: tests drive it with a manual clock, production with the event loop ({@link systemTimers}). */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  sleep(ms: number): Promise<void>;
  /**
   * Runs the callback once the I/O under way went out (setImmediate): AddNetwork and DelNetwork log and update metrics
   * after their reply, not before it (~0.6 ms of every pod start, measured). Absent: at once (tests, virtual time).
   */
  defer?(callback: () => void): void;
}

/**
 * The event loop's timers, for the composition root.
 *
 * @example
 * new Ipamd({ ...deps, timers: systemTimers });
 */
export const systemTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, Math.max(0, ms)),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
  defer: (callback) => {
    setImmediate(callback);
  },
};

/** Custom networking: the ENIConfig that applies to this node (reference §4.3–4.4), looked up per new ENI. */
export type EniConfigSource = () => Promise<{ readonly subnet: string; readonly securityGroups: readonly string[] }>;

/** Waits for IMDS to show a just-attached ENI with at least one of its new addresses (reference §3.6). */
export type EniWaiter = (target: {
  readonly eniId: EniId;
  readonly primaryMac: string;
  readonly wantIps: number;
  readonly wantPrefixes: number;
}) => Promise<{ readonly eni: ImdsEni; readonly complete: boolean }>;

/** The reference's constants (`pkg/ipamd/ipamd.go`, `pkg/awsutils`), each overridable through `deps.timings`. */
export const IPAMD_TIMINGS = Object.freeze({
  /** One pool check per interval: half of it before the pool tick, half before the reconcile (2.5 s + 2.5 s). */
  poolIntervalMs: 5_000,
  /** Reconcile runs when this long has passed since the last pool action. */
  reconcileIntervalMs: 60_000,
  /** Released IPs/prefixes are not re-added by reconcile for this long (`ipReconcileCooldown`). */
  reconcileCooldownMs: 60_000,
  decreaseIntervalMs: 30_000,
  insufficientAddressBackoffMs: 120_000,
  minEniAgeMs: 60_000,
  leakedEniIntervalMs: 3_600_000,
  /** The first leaked-ENI run waits a random 0 … this (the reference's 0–299 s), so nodes do not call EC2 together. */
  leakedEniMaxStartDelayMs: 300_000,
  /** A detached CNI ENI younger than this is not deleted. */
  leakedEniMinAgeMs: 300_000,
  /** Sleep between DetachNetworkInterface and DeleteNetworkInterface. */
  detachWaitMs: 2_000,
  /** Detach/delete attempts when freeing an ENI (`maxENIEC2APIRetries`), with exponential back-off. */
  freeEniAttempts: 12,
  freeEniBackoffBaseMs: 200,
  freeEniBackoffMaxMs: 60_000,
  /** Ours: how long AddNetwork waits for the pool to grow before failing (0 = fail at once, as the reference). */
  addWaitMs: 10_000,
  /** Re-read the VPC CIDRs from IMDS this often; re-program SNAT when they change (§2.3 step 14). */
  vpcCidrRefreshMs: 30_000,
  /**
   * Ours: start-up's DescribeSubnets answer serves the first subnet discovery (the pre-scaling ENI, a moment
   * later) when it is younger than this; the reference asks twice. 0 = always ask.
   */
  subnetReuseMs: 10_000,
});

export type IpamdTimings = { -readonly [K in keyof typeof IPAMD_TIMINGS]: number };

/** The share of the account's EC2 buckets a paced node fleet takes together (VPC_CNI_EC2_PACING_NODES). */
export const PACED_ACCOUNT_SHARE = 0.9;

/**
 * Timings for an ipamd paced to `share` of the account's EC2 buckets: it may call DescribeSubnets only once per
 * 1 / (20 × share) s (that bucket refills 20 per second), so start-up's answer must serve the first discovery that long.
 *
 * @example
 * pacedTimings(0.9 / 1000).subnetReuseMs; // 56556
 */
export function pacedTimings(share: number): Pick<IpamdTimings, 'subnetReuseMs'> {
  return { subnetReuseMs: Math.ceil(1000 / (20 * share)) + 1000 };
}

/** Everything ipamd needs from the outside, in one object. */
export interface IpamdDeps {
  readonly config: Config;
  readonly ec2: Ec2Api;
  readonly imds: Imds;
  readonly host: HostNetwork;
  readonly checkpoint: CheckpointStore;
  readonly metrics: IpamdMetrics;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  /** [0, 1) for the leaked-ENI start delay and back-off jitter; default Math.random. */
  readonly random?: () => number;
  /** Default: poll `imds.attachedEnis` with back-off 100 ms × 2, 12 tries (see eni-lifecycle.ts). */
  readonly eniWaiter?: EniWaiter;
  /** Required with custom networking; the custom-networking work supplies it. */
  readonly eniConfigSource?: EniConfigSource;
  /** The node's max pods when known (kubelet / Node capacity); default: eni-max-pods of the instance type. */
  readonly maxPods?: number;
  readonly timings?: Partial<IpamdTimings>;
  /** Why ENIs may not be attached/detached now (e.g. node unschedulable without AWS_MANAGE_ENIS_NON_SCHEDULABLE). */
  readonly attachmentBlocked?: () => string | undefined;
}

/** Host-side facts of a managed ENI, for its routing table and for tearing it down. */
export interface EniFacts {
  readonly id: EniId;
  readonly mac: string;
  readonly deviceNumber: number;
  readonly primaryIp: string;
  readonly subnetId: string;
  readonly subnetCidr: string;
  readonly routeTableId: number;
}

/** The instance as node initialisation found it. One datastore: network card 0 (multi-NIC is not supported yet). */
export interface NodeState {
  readonly identity: InstanceIdentity;
  readonly vpcId: string;
  readonly primaryEni: EniFacts & { securityGroups: readonly string[] };
  vpcCidrs: readonly string[];
  readonly limits: {
    /** min(MAX_ENI, instance limit). */
    readonly maxEnis: number;
    /** IPv4 addresses per ENI − 1: secondary IPs, or /28 prefixes in PD, one ENI can hold. */
    readonly maxIpsPerEni: number;
    readonly ipv4PerEni: number;
    maxPods: number;
    /** False when the type cannot hold trunk ENIs (SGP reserve not needed). */
    readonly trunkCompatible: boolean;
  };
  /** ENABLE_PREFIX_DELEGATION after the non-Nitro fall-back. */
  readonly prefixDelegation: boolean;
  readonly datastore: Datastore;
  readonly enis: Map<EniId, EniFacts>;
  /**
   * Attached ENIs ipamd must leave alone (no_manage tag, untagged with MANAGE_UNTAGGED_ENI=false, EFA-only, cards
   * > 0), with their network card: those on card 0 still hold ENI slots.
   */
  readonly unmanaged: Map<EniId, number>;
  readonly efaEnis: Set<EniId>;
  trunkEniId: EniId | undefined;
}

/** Pool facts shared by the pool manager (writer), the reconciler and the backend (readers, for reasons). */
export interface PoolStatus {
  /** Last successful increase, decrease, ENI free or reconcile: reconcile waits 60 s after it. */
  lastActionAt: number;
  lastDecreaseAt?: number;
  /** The last insufficient-address answer: starts the 120 s back-off. */
  lastInsufficient?: { readonly at: number; readonly code: string; readonly awsCode: string; readonly subnetId: string };
  /** The last EC2 failure of a pool action, for AddNetwork's reason. */
  lastError?: { readonly at: number; readonly code: string; readonly awsCode?: string; readonly action: string; readonly message: string };
  /** The last failed EC2 attempt that is being retried (the call is still in flight), for AddNetwork's reason. */
  lastRetry?: Ec2RetryNote;
  terminating: boolean;
}

/** An EC2 attempt that failed and will be retried, as the EC2 adapter reports it (its `onRetry`). */
export interface Ec2RetryNote {
  readonly at: number;
  readonly action: string;
  readonly code: string;
  readonly awsCode?: string;
  readonly message: string;
}

/**
 * A promise-chain lock: pool ticks, reconciles and DEL's mode-mismatch clean-up run one at a time, so that a plan is
 * never executed against a datastore another EC2 action is changing.
 *
 * @example
 * const serial = new Serial();
 * await serial.run(() => pool.tick()); // waits for the reconcile in flight
 */
export class Serial {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(work, work);
    this.#tail = next.catch(() => undefined);
    return next;
  }

  /** Resolves once everything queued so far has finished. */
  async idle(): Promise<void> {
    await this.#tail;
  }
}

/**
 * The reference's `ReconcileCooldownCache`: CIDR text → when reconcile may re-add it.
 *
 * @example
 * const cooldown = new ReconcileCooldown(clock, 60_000);
 * cooldown.add('10.0.1.5/32');
 * cooldown.check('10.0.1.5/32'); // 'cooling'
 */
export class ReconcileCooldown {
  readonly #until = new Map<string, number>();
  readonly #clock: Clock;
  readonly #ms: number;

  constructor(clock: Clock, ms: number) {
    this.#clock = clock;
    this.#ms = ms;
  }

  add(cidr: string): void {
    this.#until.set(cidr, this.#clock.now() + this.#ms);
  }

  /** `absent`: never released; `cooling`: released less than the cool-down ago; `expired`: must be verified. */
  check(cidr: string): 'absent' | 'cooling' | 'expired' {
    const until = this.#until.get(cidr);
    if (until === undefined) return 'absent';
    return this.#clock.now() < until ? 'cooling' : 'expired';
  }

  remove(cidr: string): void {
    this.#until.delete(cidr);
  }
}

/**
 * An error's stable code, EC2 code and message, for logs, history and replies.
 *
 * @example
 * errorFacts(new CloudError('CLOUD_SUBNET_FULL', 'full', { operation: 'x', awsCode: 'InsufficientFreeAddressesInSubnet' }));
 * // { code: 'CLOUD_SUBNET_FULL', awsCode: 'InsufficientFreeAddressesInSubnet', message: 'full' }
 */
export function errorFacts(error: unknown): { code: string; awsCode?: string; message: string } {
  if (error instanceof Error) {
    const record = error as Error & { code?: unknown; details?: { awsCode?: unknown } };
    const code = typeof record.code === 'string' ? record.code : error.name;
    const awsCode = typeof record.details?.awsCode === 'string' ? record.details.awsCode : undefined;
    return awsCode === undefined ? { code, message: error.message } : { code, awsCode, message: error.message };
  }
  return { code: 'UNKNOWN', message: String(error) };
}
