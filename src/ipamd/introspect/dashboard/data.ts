/**
 * `/v1/dashboard` (ours): everything the dashboard page (`/ui/`, see `page.ts`) draws, in one JSON document
 * built from the {@link IntrospectionSource}: the node, its limits, each ENI's address slots (assigned with the pod,
 * warm, cooling down), the subnets' free addresses and the pool's recent EC2 actions. Slots are expanded here, not
 * in the browser: a /28 prefix becomes its 16 addresses, so the page only draws.
 *
 * Like `/v1/enis` it leaves out container ids (anyone who can reach the port could forge a DelNetwork with them).
 * Times are milliseconds since the epoch, read from ipamd's clock; `null` means "not known".
 *
 * @example
 * const doc = dashboardDocument(source);
 * doc.enis[0]?.blocks[0]?.slots[0]; // { address: '10.0.1.16', state: 'warm', pod: null, namespace: null, since: null }
 */
import { formatIpv4, parseCidr, subnetUsableCount } from '../../../ipam/cidr.js';
import type { AddressView, CidrView, DatastoreSnapshot, EniView } from '../../../ipam/types.js';
import type { IntrospectionSource } from '../source.js';
import { planSummary } from '../pool.js';

export type SlotState = 'assigned' | 'warm' | 'cooldown';

export interface DashboardSlot {
  readonly address: string;
  readonly state: SlotState;
  readonly pod: string | null;
  readonly namespace: string | null;
  /** Assigned: when; cooling down: when it was released. */
  readonly since: number | null;
}

export interface DashboardBlock {
  readonly cidr: string;
  readonly isPrefix: boolean;
  /** False for a CIDR of the other mode (a /32 left over in prefix mode, or the reverse): never given to pods. */
  readonly inMode: boolean;
  readonly slots: readonly DashboardSlot[];
}

export interface DashboardEni {
  readonly id: string;
  readonly networkCard: number;
  readonly deviceNumber: number;
  readonly isPrimary: boolean;
  readonly isTrunk: boolean;
  readonly isEfa: boolean;
  readonly excluded: boolean;
  readonly subnetId: string;
  readonly blocks: readonly DashboardBlock[];
  readonly counts: { readonly assigned: number; readonly warm: number; readonly cooldown: number };
}

export interface DashboardSubnet {
  readonly id: string;
  readonly cidr: string;
  readonly availabilityZone: string;
  readonly free: number;
  /** Addresses EC2 lets instances use (the block less the 5 AWS reserves); `null` if the CIDR does not parse. */
  readonly usable: number | null;
  /** True when one of this node's ENIs is in the subnet. */
  readonly inUse: boolean;
}

export interface DashboardDocument {
  /** False until ipamd has initialised the node (no ENIs yet). */
  readonly ready: boolean;
  readonly generatedAt: number | null;
  readonly node: {
    readonly name: string | null;
    readonly instanceId: string | null;
    readonly instanceType: string | null;
    readonly availabilityZone: string | null;
    readonly privateIp: string | null;
  };
  readonly prefixDelegation: boolean;
  readonly customNetworking: boolean;
  /** IP_COOLDOWN_PERIOD: how long a released address rests before it is handed out again. */
  readonly cooldownMs: number;
  readonly limits: {
    readonly maxPods: number | null;
    readonly maxEnis: number | null;
    readonly maxIpsPerEni: number | null;
  };
  readonly targets: {
    readonly warmEniTarget: number;
    readonly warmIpTarget: number;
    readonly minimumIpTarget: number;
    readonly warmPrefixTarget: number;
  };
  /** What the last pool tick decided and why, per card. */
  readonly plan: readonly string[];
  readonly totals: {
    readonly enis: number;
    readonly assigned: number;
    readonly warm: number;
    readonly cooldown: number;
  };
  readonly enis: readonly DashboardEni[];
  /** `null` when ipamd does not share what EC2 said about its subnets (or EC2 has not been asked yet). */
  readonly subnets: readonly DashboardSubnet[] | null;
  /** When EC2 described them. */
  readonly subnetsAt: number | null;
  readonly recentActions: readonly {
    readonly at: number;
    readonly action: string;
    readonly eniId: string | null;
    readonly detail: string;
    readonly outcome: 'ok' | 'error';
    readonly errorCode: string | null;
    readonly durationMs: number | null;
  }[];
  readonly recentErrors: readonly {
    readonly at: number;
    readonly code: string;
    readonly message: string;
    readonly hint: string | null;
  }[];
}

/** The page shows this many actions and errors; the pool report may keep more. */
export const SHOWN_ACTIONS = 12;
export const SHOWN_ERRORS = 5;

function slotOf(address: string, view: AddressView | undefined, snapshot: DatastoreSnapshot): DashboardSlot {
  if (view?.ipamKey !== undefined) {
    const meta = view.ipamMetadata ?? {};
    return {
      address,
      state: 'assigned',
      pod: meta.k8sPodName ?? null,
      namespace: meta.k8sPodNamespace ?? null,
      since: view.assignedTime ?? null,
    };
  }
  const released = view?.unassignedTime;
  // The datastore's rule (datastore-model.ts isCoolingDown): less than the cooldown since release.
  if (released !== undefined && snapshot.takenAt - released < snapshot.ipCooldownMs) {
    return { address, state: 'cooldown', pod: null, namespace: null, since: released };
  }
  return { address, state: 'warm', pod: null, namespace: null, since: null };
}

function blockOf(cidr: CidrView, snapshot: DatastoreSnapshot): DashboardBlock {
  const views = new Map(cidr.addresses.map((view) => [view.address, view] as const));
  const { network, prefixLength } = parseCidr(cidr.cidr, { allowHostBits: true });
  const size = Math.min(2 ** (32 - prefixLength), 256);
  const slots: DashboardSlot[] = [];
  for (let i = 0; i < size; i++) {
    const address = formatIpv4(network + i);
    slots.push(slotOf(address, views.get(address), snapshot));
  }
  return { cidr: cidr.cidr, isPrefix: cidr.isPrefix, inMode: cidr.isPrefix === snapshot.prefixDelegation, slots };
}

function eniOf(eni: EniView, snapshot: DatastoreSnapshot): DashboardEni {
  // IPv6 prefixes (/80) are not drawn as slots: the dashboard is about the IPv4 pool.
  const blocks = eni.cidrs.filter((cidr) => !cidr.cidr.includes(':')).map((cidr) => blockOf(cidr, snapshot));
  const counts = { assigned: 0, warm: 0, cooldown: 0 };
  for (const block of blocks) {
    if (!block.inMode || eni.isExcludedForPodIPs) continue;
    for (const slot of block.slots) counts[slot.state] += 1;
  }
  return {
    id: eni.id,
    networkCard: snapshot.networkCard,
    deviceNumber: eni.deviceNumber,
    isPrimary: eni.isPrimary,
    isTrunk: eni.isTrunk,
    isEfa: eni.isEFA,
    excluded: eni.isExcludedForPodIPs,
    subnetId: eni.subnetId,
    blocks,
    counts,
  };
}

function usable(cidr: string): number | null {
  try {
    return subnetUsableCount(parseCidr(cidr, { allowHostBits: true }));
  } catch {
    return null;
  }
}

/**
 * The `/v1/dashboard` document. Reads the source once per call (cheap, no side effects).
 *
 * @example
 * JSON.stringify(dashboardDocument(source)); // '{"ready":true,"generatedAt":1714564802500,"node":{...},...}'
 */
export function dashboardDocument(source: IntrospectionSource): DashboardDocument {
  const snapshots = [...source.snapshots()].sort(([a], [b]) => a - b).map(([, snapshot]) => snapshot);
  const report = source.pool();
  const identity = source.identity?.();
  const enis = snapshots.flatMap((snapshot) => snapshot.enis.map((eni) => eniOf(eni, snapshot)));
  const card = report?.cards[0];
  const takenAt = snapshots.reduce<number | null>(
    (latest, s) => (latest === null || s.takenAt > latest ? s.takenAt : latest),
    null,
  );
  const subnetsInUse = new Set(enis.map((eni) => eni.subnetId));
  const seen = source.subnets?.();
  const totals = { enis: enis.length, assigned: 0, warm: 0, cooldown: 0 };
  for (const eni of enis) {
    totals.assigned += eni.counts.assigned;
    totals.warm += eni.counts.warm;
    totals.cooldown += eni.counts.cooldown;
  }
  return {
    ready: enis.length > 0,
    generatedAt: takenAt ?? report?.generatedAt ?? null,
    node: {
      name: source.config.node.name ?? null,
      instanceId: identity?.instanceId ?? null,
      instanceType: identity?.instanceType ?? null,
      availabilityZone: identity?.availabilityZone ?? null,
      privateIp: identity?.localIpv4 ?? null,
    },
    prefixDelegation:
      report?.mode.prefixDelegation ?? snapshots[0]?.prefixDelegation ?? source.config.pool.prefixDelegation,
    customNetworking: report?.mode.customNetworking ?? source.config.customNetworking.enabled,
    cooldownMs: snapshots[0]?.ipCooldownMs ?? source.config.pool.ipCooldownMs,
    limits: {
      maxPods: card?.limits.maxPods ?? null,
      maxEnis: card?.limits.maxEnis ?? null,
      maxIpsPerEni: card?.limits.maxIpsPerEni ?? null,
    },
    targets: {
      warmEniTarget: source.config.pool.warmEniTarget,
      warmIpTarget: source.config.pool.warmIpTarget,
      minimumIpTarget: source.config.pool.minimumIpTarget,
      warmPrefixTarget: source.config.pool.warmPrefixTarget,
      ...report?.targets,
    },
    plan: (report?.cards ?? []).map((c) => planSummary(c.plan)),
    totals,
    enis,
    subnets:
      seen === undefined
        ? null
        : [...seen.subnets]
            .sort((a, b) => Number(subnetsInUse.has(b.id)) - Number(subnetsInUse.has(a.id)) || a.id.localeCompare(b.id))
            .map((s) => ({
              id: s.id,
              cidr: s.cidr,
              availabilityZone: s.availabilityZone,
              free: s.availableIpAddressCount,
              usable: usable(s.cidr),
              inUse: subnetsInUse.has(s.id),
            })),
    subnetsAt: seen?.at ?? null,
    recentActions: (report?.recentActions ?? [])
      .slice(0, SHOWN_ACTIONS)
      .map((a) => ({
        at: a.at,
        action: a.action,
        eniId: a.eniId ?? null,
        detail: a.detail,
        outcome: a.outcome,
        errorCode: a.errorCode ?? null,
        durationMs: a.durationMs ?? null,
      })),
    recentErrors: (report?.recentErrors ?? [])
      .slice(0, SHOWN_ERRORS)
      .map((e) => ({ at: e.at, code: e.code, message: e.message, hint: e.hint ?? null })),
  };
}
