/**
 * The ipamd context: `deps` plus the node facts and the shared mutable state, built once node initialisation has
 * found the instance. The pool manager, the reconciler, the backend and the leaked-ENI cleaner all take it, so no
 * module keeps a singleton.
 *
 * @example
 * const ctx = createContext(deps, node);
 * await ctx.persist(); // writes the checkpoint of the datastore as it is now
 */
import type { Config } from '../config/types.js';
import type { Clock } from '../ipam/clock.js';
import type { Datastore } from '../ipam/datastore.js';
import type { EniId } from '../ipam/types.js';
import type { CheckpointStore } from './checkpoint/port.js';
import type { Ec2Api, Ec2Subnet } from '../cloud/ec2/port.js';
import type { HostNetwork } from '../netlink/port.js';
import type { Imds, ImdsEni, InstanceIdentity } from '../cloud/imds/port.js';
import type { IpamdMetrics } from './metrics/port.js';
import { serializeCheckpoint } from '../ipam/checkpoint.js';
import { ActionHistory, type TrackingContext } from './pool/history.js';
import type { PoolStatus } from './pool/status.js';
import { resolveTimings, type IpamdTimings } from './timings.js';
import { ReconcileCooldown } from './eni/reconcile-cooldown.js';
import { Serial } from './serial.js';
import type { Logger } from '../obs/logger.js';
import type { Timers } from '../obs/timers.js';
import type { EniConfigSource } from '../eniconfig/port.js';
import type { PodIpAnnotations } from '../k8s/pod-ips.js';

/** Waits for IMDS to show a just-attached ENI with at least one of its new addresses [behaviour §3.6]. */
export type EniWaiter = (target: {
  readonly eniId: EniId;
  readonly primaryMac: string;
  readonly wantIps: number;
  readonly wantPrefixes: number;
}) => Promise<{ readonly eni: ImdsEni; readonly complete: boolean }>;

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
  /** Default: poll `imds.attachedEnis` with back-off 100 ms × 2, 12 tries (see eni/lifecycle.ts). */
  readonly eniWaiter?: EniWaiter;
  /** Required with custom networking; the custom-networking work supplies it. */
  readonly eniConfigSource?: EniConfigSource;
  /** The node's max pods when known (kubelet / Node capacity); default: eni-max-pods of the instance type. */
  readonly maxPods?: number;
  readonly timings?: Partial<IpamdTimings>;
  /** Why ENIs may not be attached/detached now (e.g. node unschedulable without AWS_MANAGE_ENIS_NON_SCHEDULABLE). */
  readonly attachmentBlocked?: () => string | undefined;
  /** ANNOTATE_POD_IP=true: the pod annotation `vpc.amazonaws.com/pod-ips`, written on ADD and cleared on DEL. */
  readonly podIps?: PodIpAnnotations;
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

/** The node's VPC and zone subnets as EC2 last described them (DescribeSubnets), and when (ipamd's clock). */
export interface DescribedSubnets {
  readonly at: number;
  readonly subnets: readonly Ec2Subnet[];
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
  /** The last DescribeSubnets answer (start-up, subnet discovery); the dashboard shows their free addresses. */
  describedSubnets: DescribedSubnets | undefined;
}

export interface IpamdContext extends TrackingContext {
  readonly deps: IpamdDeps;
  readonly node: NodeState;
  readonly timings: IpamdTimings;
  readonly serial: Serial;
  readonly cooldown: ReconcileCooldown;
  readonly status: PoolStatus;
  readonly history: ActionHistory;
  readonly log: Logger;
  /** Writes the checkpoint (every allocation) through the checkpoint store; rejects when the write fails. */
  persist(): Promise<void>;
}

/**
 * The context of a node, with fresh shared state unless the caller passes the lock and history it already has.
 *
 * @example
 * const ctx = createContext(deps, node, { serial, history });
 * ctx.timings.poolIntervalMs; // 5000 unless deps.timings says otherwise
 */
export function createContext(
  deps: IpamdDeps,
  node: NodeState,
  shared: { serial?: Serial; history?: ActionHistory } = {},
): IpamdContext {
  const timings = resolveTimings(deps.timings);
  const status: PoolStatus = { lastActionAt: deps.clock.now(), terminating: false };
  return {
    deps,
    node,
    timings,
    clock: deps.clock,
    serial: shared.serial ?? new Serial(),
    cooldown: new ReconcileCooldown(deps.clock, timings.reconcileCooldownMs),
    status,
    history: shared.history ?? new ActionHistory(),
    log: deps.logger,
    persist: () => deps.checkpoint.write(serializeCheckpoint(node.datastore.toCheckpoint())),
  };
}
