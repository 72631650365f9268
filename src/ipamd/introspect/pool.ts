/**
 * `/v1/pool` (ours; the reference has no equivalent): why the warm pool is the size it is. ipamd keeps a
 * {@link PoolReport} up to date after every pool tick (the plan it made, the numbers it made it from, and the
 * recent EC2 actions and errors); this module turns it into the JSON document operators and `vpc-cni pool` read.
 *
 * Times are milliseconds since the epoch in the report and RFC 3339 strings in the document; optional facts are
 * `null` in the document so every key is always present.
 *
 * @example
 * const report: PoolReport = {
 *   generatedAt: clock.now(),
 *   mode: { prefixDelegation: false, customNetworking: false },
 *   targets: { warmEniTarget: 1, warmIpTarget: 0, minimumIpTarget: 0, warmPrefixTarget: 0 },
 *   cards: [{ networkCard: 0, plannedAt: clock.now(), plan, stats: snapshot.stats, limits, unmanagedEnis: 0, trunkReserve: 0 }],
 *   recentActions: [{ at: clock.now(), action: 'AssignPrivateIpAddresses', eniId: 'eni-0a', detail: 'assign 9 IPs', outcome: 'ok' }],
 *   recentErrors: [],
 * };
 * poolDocument(report).cards[0]?.summary; // 'grow: ask EC2 for 9 more IPs on eni-0a (...the policy's reason...)'
 */
import type { PoolStats } from '../../ipam/types.js';
import type {
  FreeEniDecision,
  PoolLimits,
  PoolMode,
  PoolPlan,
  PoolState,
  PoolTargets,
  ResizeDecision,
} from '../../ipam/policy-types.js';
import { goTime } from './json.js';

/** One EC2 call the pool executor made. */
export interface PoolActionRecord {
  /** When the call finished (ms since the epoch). */
  readonly at: number;
  /** The EC2 action: `AssignPrivateIpAddresses`, `CreateNetworkInterface`, `DeleteNetworkInterface`, ... */
  readonly action: string;
  readonly networkCard?: number;
  readonly eniId?: string;
  /** What was asked, in words: `assign 5 IPs`, `create an ENI with 16 prefixes`, `unassign 10.0.1.5/32`. */
  readonly detail: string;
  readonly outcome: 'ok' | 'error';
  /** EC2's error code (e.g. `InsufficientFreeAddressesInSubnet`) when the outcome is `error`. */
  readonly errorCode?: string;
  readonly durationMs?: number;
}

/** A failure that affected the pool (EC2, IMDS, host networking, datastore), with what to do about it. */
export interface PoolErrorRecord {
  readonly at: number;
  /** A stable code: a `VpcCniError` code or EC2's error code. */
  readonly code: string;
  readonly message: string;
  readonly networkCard?: number;
  /** The EC2 action or ipamd step that failed. */
  readonly action?: string;
  /** What an operator can do, e.g. `add a subnet with free /28 blocks or turn off prefix delegation`. */
  readonly hint?: string;
}

/** The last pool tick of one network card. */
export interface PoolCardReport {
  readonly networkCard: number;
  readonly plannedAt: number;
  readonly plan: PoolPlan;
  /** The datastore statistics the plan was made from. */
  readonly stats: PoolStats;
  readonly limits: PoolLimits;
  readonly unmanagedEnis: number;
  readonly trunkReserve: number;
  /** When the pool last shrank (shrinking is throttled to once per 30 s). */
  readonly lastDecreaseAt?: number;
  /** When EC2 last said the subnet was out of addresses or /28 blocks (growing backs off for 2 min). */
  readonly lastInsufficientAt?: number;
  /** Why attaching/detaching is blocked (shutting down, node unschedulable), if it is. */
  readonly attachmentBlockedBy?: string;
}

/** Everything `/v1/pool` shows. JSON-plain: numbers, strings, booleans, arrays and plain objects only. */
export interface PoolReport {
  readonly generatedAt: number;
  readonly mode: PoolMode;
  readonly targets: PoolTargets;
  /** Ordered by network card. */
  readonly cards: readonly PoolCardReport[];
  /** Newest first; ipamd keeps a bounded history. */
  readonly recentActions: readonly PoolActionRecord[];
  /** Newest first; ipamd keeps a bounded history. */
  readonly recentErrors: readonly PoolErrorRecord[];
}

/** One card in the `/v1/pool` document: the report's card with its plan spelled out. */
export interface PoolCardDocument extends Pick<
  PoolCardReport,
  'networkCard' | 'stats' | 'limits' | 'unmanagedEnis' | 'trunkReserve'
> {
  readonly plannedAt: string;
  /** One line: what the last tick decided and why. */
  readonly summary: string;
  readonly resize: ResizeDecision;
  readonly freeEni: FreeEniDecision;
  readonly state: PoolState;
  readonly lastDecreaseAt: string | null;
  readonly lastInsufficientAt: string | null;
  readonly attachmentBlockedBy: string | null;
}

/** The `/v1/pool` document: the report with RFC 3339 times and `null` for absent facts. */
export interface PoolDocument {
  readonly generatedAt: string;
  readonly mode: PoolMode;
  readonly targets: PoolTargets;
  readonly cards: readonly PoolCardDocument[];
  readonly recentActions: readonly (Omit<
    PoolActionRecord,
    'at' | 'networkCard' | 'eniId' | 'errorCode' | 'durationMs'
  > & {
    readonly at: string;
    readonly networkCard: number | null;
    readonly eniId: string | null;
    readonly errorCode: string | null;
    readonly durationMs: number | null;
  })[];
  readonly recentErrors: readonly (Omit<PoolErrorRecord, 'at' | 'networkCard' | 'action' | 'hint'> & {
    readonly at: string;
    readonly networkCard: number | null;
    readonly action: string | null;
    readonly hint: string | null;
  })[];
}

function noun(unit: 'ip' | 'prefix', count: number): string {
  if (unit === 'ip') return count === 1 ? 'IP' : 'IPs';
  return count === 1 ? 'prefix' : 'prefixes';
}

/**
 * One line saying what the last tick decided and why.
 *
 * @example
 * planSummary({ resize: { kind: 'steady', reason: 'at target' }, freeEni: { kind: 'keep', reason: '-' }, state });
 * // 'steady: at target'
 */
export function planSummary(plan: PoolPlan): string {
  const resize = plan.resize;
  let text: string;
  switch (resize.kind) {
    case 'steady':
      text = `steady: ${resize.reason}`;
      break;
    case 'assign': {
      const first = resize.candidates[0];
      text = `grow: ask EC2 for ${first.count} more ${noun(resize.unit, first.count)} on ${first.eniId} (${resize.reason})`;
      break;
    }
    case 'allocate-eni':
      text = `grow: attach a new ENI with ${resize.count} ${noun(resize.unit, resize.count)} (${resize.reason})`;
      break;
    case 'release':
      text = `shrink: release ${resize.cidrs.length} of ${resize.over} surplus CIDRs (${resize.reason})`;
      break;
  }
  return plan.freeEni.kind === 'free-eni' ? `${text}; free ${plan.freeEni.eniId} (${plan.freeEni.reason})` : text;
}

const time = (ms: number | undefined): string | null => (ms === undefined ? null : goTime(ms));
const orNull = <T>(value: T | undefined): T | null => value ?? null;

/** A JSON-plain deep copy (the policy types use optional members, which JSON drops). */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function cardDocument(card: PoolCardReport): PoolCardDocument {
  return {
    networkCard: card.networkCard,
    plannedAt: goTime(card.plannedAt),
    summary: planSummary(card.plan),
    resize: plain(card.plan.resize),
    freeEni: plain(card.plan.freeEni),
    state: plain(card.plan.state),
    stats: plain(card.stats),
    limits: plain(card.limits),
    unmanagedEnis: card.unmanagedEnis,
    trunkReserve: card.trunkReserve,
    lastDecreaseAt: time(card.lastDecreaseAt),
    lastInsufficientAt: time(card.lastInsufficientAt),
    attachmentBlockedBy: orNull(card.attachmentBlockedBy),
  };
}

/**
 * The `/v1/pool` document for a report.
 *
 * @example
 * JSON.stringify(poolDocument(report)); // '{"generatedAt":"2024-05-01T12:00:02.5Z","mode":{...},"cards":[...],...}'
 */
export function poolDocument(report: PoolReport): PoolDocument {
  return {
    generatedAt: goTime(report.generatedAt),
    mode: plain(report.mode),
    targets: plain(report.targets),
    cards: [...report.cards].sort((a, b) => a.networkCard - b.networkCard).map(cardDocument),
    recentActions: report.recentActions.map((a) => ({
      at: goTime(a.at),
      action: a.action,
      networkCard: orNull(a.networkCard),
      eniId: orNull(a.eniId),
      detail: a.detail,
      outcome: a.outcome,
      errorCode: orNull(a.errorCode),
      durationMs: orNull(a.durationMs),
    })),
    recentErrors: report.recentErrors.map((e) => ({
      at: goTime(e.at),
      code: e.code,
      message: e.message,
      networkCard: orNull(e.networkCard),
      action: orNull(e.action),
      hint: orNull(e.hint),
    })),
  };
}
