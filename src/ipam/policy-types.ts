/**
 * Inputs and outputs of the warm-pool policy [behaviour §3.2–3.7; behaviour §10.1]. The policy is a set of pure
 * functions: the reconciler hands it a {@link DatastoreSnapshot} plus the effective configuration and timers, gets back
 * a {@link PoolPlan} for one tick of the reference's `updateIPPoolIfRequired`, and carries the plan out through the
 * EC2 port (the Prepare/Allocate split of cilium's IPAM).
 *
 * @example
 * const plan = planPool({
 *   snapshot,
 *   targets: { warmEniTarget: 1, warmIpTarget: 0, minimumIpTarget: 0, warmPrefixTarget: 0 },
 *   limits: { maxEnis: 3, maxIpsPerEni: 9, maxPods: 29 },
 *   mode: { prefixDelegation: false, customNetworking: false },
 *   unmanagedEnis: 0,
 *   trunkReserve: 0,
 *   timing: { now: clock.now() },
 * });
 * if (plan.resize.kind === 'assign') await ec2.assignPrivateIpAddresses(plan.resize.candidates[0].eniId, ...);
 */
import type { DatastoreSnapshot, EniId } from './types.js';

/**
 * The reference's timers. Each can be overridden per call (tests, the simulator's accelerated time); these are the
 * reference's constants (`decreaseIPPoolInterval`, `insufficientCidrErrorCooldown`, `minENILifeTime`).
 */
export const POLICY_DEFAULTS = Object.freeze({
  /** Shrinking (releasing IPs/prefixes) happens at most once per this interval. */
  decreaseIntervalMs: 30_000,
  /** After InsufficientCidrBlocks / InsufficientFreeAddressesInSubnet no increase is attempted for this long. */
  insufficientAddressBackoffMs: 120_000,
  /** ENIs younger than this are never freed. */
  minEniAgeMs: 60_000,
});

/**
 * The warm-pool knobs, already validated (non-negative integers). As in the reference, 0 means "unset" for the two
 * IP targets; "IP targets defined" ⇔ `warmIpTarget ≠ 0 || minimumIpTarget ≠ 0`, and then they override
 * `warmEniTarget` (SIP) and `warmPrefixTarget` (PD) for growing and shrinking.
 */
export interface PoolTargets {
  /** WARM_ENI_TARGET: keep this many ENIs' worth of free IPs (SIP, no IP targets). */
  readonly warmEniTarget: number;
  /** WARM_IP_TARGET: keep this many free IPs; 0 = unset. */
  readonly warmIpTarget: number;
  /** MINIMUM_IP_TARGET: keep at least this many IPs in total; 0 = unset. */
  readonly minimumIpTarget: number;
  /** WARM_PREFIX_TARGET: PD, keep this many /28 prefixes with no pod on them. */
  readonly warmPrefixTarget: number;
}

export interface PoolLimits {
  /** ENIs the node may have on this card: min(MAX_ENI, instance limit). */
  readonly maxEnis: number;
  /**
   * Secondary slots per ENI: the instance type's IPv4 addresses per ENI − 1 (the ENI's primary address). In PD
   * this is also the number of /28 prefixes an ENI can hold [behaviour §10.1].
   */
  readonly maxIpsPerEni: number;
  /** The node's maxPods; once the pool holds this many addresses it is never "too low". */
  readonly maxPods: number;
}

export interface PoolMode {
  /** ENABLE_PREFIX_DELEGATION: grow in /28 prefixes of 16 addresses instead of /32 secondary IPs. */
  readonly prefixDelegation: boolean;
  /** AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: pods use ENIConfig subnets, so the primary ENI is never grown. */
  readonly customNetworking: boolean;
}

/** Clock reading and the reference's timers, all in milliseconds since the epoch. */
export interface PolicyTiming {
  readonly now: number;
  /** When the last decrease ran (the reference's `lastDecreaseIPPool`); absent if never. */
  readonly lastDecreaseAt?: number;
  /** When EC2 last answered an insufficient-address error (`lastInsufficientCidrError`); absent if never. */
  readonly lastInsufficientAt?: number;
  readonly decreaseIntervalMs?: number;
  readonly insufficientAddressBackoffMs?: number;
  readonly minEniAgeMs?: number;
}

export interface PolicyInput {
  readonly snapshot: DatastoreSnapshot;
  readonly targets: PoolTargets;
  readonly limits: PoolLimits;
  readonly mode: PoolMode;
  /** ENIs on this card tagged `node.k8s.amazonaws.com/no_manage` (not in the datastore, but they hold slots). */
  readonly unmanagedEnis: number;
  /** 1 when a slot must stay free for the SGP trunk ENI (card 0, SGP on, trunk-capable, no trunk yet), else 0. */
  readonly trunkReserve: number;
  readonly timing: PolicyTiming;
  /**
   * Why ipamd may not attach or detach anything right now (shutting down; node tainted unschedulable without
   * AWS_MANAGE_ENIS_NON_SCHEDULABLE). Blocks growing and ENI freeing, not releasing, as in the reference.
   */
  readonly attachmentBlockedBy?: string;
}

/** A yes/no answer with the numbers behind it, for logs and the introspection endpoint. */
export interface Verdict {
  readonly result: boolean;
  readonly reason: string;
}

/** What the pool grows in: /32 secondary IPs (SIP) or /28 prefixes (PD). */
export type PoolUnit = 'ip' | 'prefix';

/** An existing ENI with free slots, and how many IPs/prefixes to ask EC2 for on it. */
export interface AssignCandidate {
  readonly eniId: EniId;
  readonly deviceNumber: number;
  /** min(free slots on the ENI, wanted). */
  readonly count: number;
}

/** A new ENI and the number of IPs/prefixes to create it with. */
export interface EniRequest {
  readonly unit: PoolUnit;
  readonly count: number;
}

/** One /32 or /28 with no assigned address, to unassign from its ENI. */
export interface ReleaseCidr {
  readonly eniId: EniId;
  readonly cidr: string;
  readonly isPrefix: boolean;
}

/**
 * The resize half of one pool tick. The executor acts on it and then on {@link PoolPlan.freeEni}.
 *
 * - `steady`: nothing to do; `reason` says why (at target, maxPods ceiling, back-off, throttle, no room).
 * - `assign`: ask EC2 for `candidates[0].count` more IPs/prefixes on `candidates[0]` (on failure other than
 *   PrivateIpAddressLimitExceeded, retry asking for 1). The other candidates are fall-backs, in order, for an
 *   insufficient-address error when subnet discovery is on; if every candidate fails that way, `eniFallback`
 *   (when not null) is the ENI the reference then allocates. Ascending device number.
 * - `allocate-eni`: no existing ENI has a free slot and the node has room for another ENI.
 * - `release`: unassign these CIDRs (none has an assigned address; cooldown /32s are included, a reference quirk).
 *   `cidrs` may be empty when the pool is over target but every CIDR holds a pod: the reference still counts the
 *   attempt, so the executor stamps `lastDecreaseAt = now` for every `release`.
 */
export type ResizeDecision =
  | { readonly kind: 'steady'; readonly reason: string }
  | {
      readonly kind: 'assign';
      readonly unit: PoolUnit;
      /** How many IPs/prefixes the policy wants before capping by each ENI's free slots. */
      readonly wanted: number;
      readonly candidates: readonly [AssignCandidate, ...AssignCandidate[]];
      readonly eniFallback: EniRequest | null;
      readonly reason: string;
    }
  | { readonly kind: 'allocate-eni'; readonly unit: PoolUnit; readonly count: number; readonly reason: string }
  | {
      readonly kind: 'release';
      /** How many CIDRs the pool is over target (the reference's `over`); `cidrs` is at most this long. */
      readonly over: number;
      readonly cidrs: readonly ReleaseCidr[];
      readonly reason: string;
    };

/** At most one ENI to detach and delete this tick (the reference's `tryFreeENI`), or why none. */
export type FreeEniDecision =
  | { readonly kind: 'free-eni'; readonly eniId: EniId; readonly deviceNumber: number; readonly reason: string }
  | { readonly kind: 'keep'; readonly reason: string };

/** [behaviour §3.4]: how far the pool is from the IP targets. All zero when no IP target is defined. */
export interface TargetState {
  readonly ipTargetsDefined: boolean;
  /** IPs missing to reach WARM_IP_TARGET and MINIMUM_IP_TARGET. */
  readonly short: number;
  /** Available IPs beyond WARM_IP_TARGET that can go without dropping below MINIMUM_IP_TARGET. */
  readonly over: number;
  /** PD only (0 otherwise): `ceil(short / 16)`. */
  readonly shortPrefixes: number;
  /** PD only (0 otherwise): free prefixes not needed for the warm or minimum target. */
  readonly overPrefixes: number;
}

/** The numbers a plan was made from, for introspection. */
export interface PoolState {
  readonly targets: PoolTargets;
  readonly target: TargetState;
  readonly tooLow: Verdict;
  readonly tooHigh: Verdict;
  readonly removeExtraEnis: Verdict;
}

export interface PoolPlan {
  readonly resize: ResizeDecision;
  readonly freeEni: FreeEniDecision;
  readonly state: PoolState;
}
