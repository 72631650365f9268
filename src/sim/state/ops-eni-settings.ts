/**
 * Tunables of the embedded VPC's ENI operations (per store, so concurrent simulations don't share them), the
 * lazily resolved detach delay, and the instance-type limits the ENI operations enforce.
 *
 * A detach does not finish on a timer: the attachment stays `detaching` until the store clock passes its deadline
 * and the next operation that looks at the ENI settles it. That keeps the simulator free of timers (tests drive a
 * manual clock) while still letting the reference CNI's first DeleteNetworkInterface fail with "in use".
 *
 * @example
 * eniSettings(store).detachDelayMs = 0; // detach completes at once
 * settleDetachments(store);              // before reading ENIs directly from store.enis
 */
import { isNitroOrBareMetal, type NetworkCard } from '../../limits/index.js';
import type { Eni, Instance } from './model.js';
import type { VpcStore } from './store.js';

export interface EniSettings {
  /** Store-clock milliseconds between DetachNetworkInterface and the ENI becoming `available` again. */
  detachDelayMs: number;
  /** Regional quota of network interfaces (AWS default 5000). */
  regionalEniQuota: number;
  /** IPv4 addresses (primary + secondaries + prefixes) an ENI may hold while attached to nothing. */
  unattachedIpv4PerEni: number;
  /** Security groups per ENI (AWS default 5). */
  maxSecurityGroupsPerEni: number;
}

export const DEFAULT_ENI_SETTINGS: Readonly<EniSettings> = Object.freeze({
  detachDelayMs: 500,
  regionalEniQuota: 5000,
  unattachedIpv4PerEni: 50,
  maxSecurityGroupsPerEni: 5,
});

const settingsByStore = new WeakMap<VpcStore, EniSettings>();
/** ENI id → store-clock time at which its `detaching` attachment is gone. */
const detachDeadlines = new WeakMap<VpcStore, Map<string, number>>();

/** The store's ENI settings, created with the defaults on first use; mutate the returned object to change them. */
export function eniSettings(store: VpcStore): EniSettings {
  let settings = settingsByStore.get(store);
  if (settings === undefined) {
    settings = { ...DEFAULT_ENI_SETTINGS };
    settingsByStore.set(store, settings);
  }
  return settings;
}

function deadlines(store: VpcStore): Map<string, number> {
  let map = detachDeadlines.get(store);
  if (map === undefined) {
    map = new Map();
    detachDeadlines.set(store, map);
  }
  return map;
}

/** Puts an attached ENI into `detaching`; it settles once the detach delay has passed (at once when it is 0). */
export function markDetaching(store: VpcStore, eni: Eni): void {
  if (eni.attachment === undefined) return;
  eni.attachment.status = 'detaching';
  eni.status = 'detaching';
  deadlines(store).set(eni.id, store.clock.now() + eniSettings(store).detachDelayMs);
  settleEni(store, eni);
}

/**
 * Finishes a pending detach whose deadline has passed. A `detaching` ENI without a recorded deadline (e.g. one
 * restored from a snapshot) settles at once.
 */
export function settleEni(store: VpcStore, eni: Eni): void {
  if (eni.attachment?.status !== 'detaching') return;
  const map = deadlines(store);
  const deadline = map.get(eni.id);
  if (deadline !== undefined && store.clock.now() < deadline) return;
  map.delete(eni.id);
  eni.attachment = undefined;
  eni.status = 'available';
}

/** Settles every ENI whose detach delay has passed; call before reading `store.enis` directly. */
export function settleDetachments(store: VpcStore): void {
  for (const eni of store.enis.values()) settleEni(store, eni);
}

/** The limits the ENI operations enforce for an instance. */
export interface EniLimits {
  readonly instanceType: string;
  readonly networkCards: readonly NetworkCard[];
  /** IPv4 addresses per ENI, the primary included; each /28 prefix counts as one. */
  readonly ipv4PerEni: number;
  /** Whether the type can hold /28 prefixes (Nitro or bare metal). */
  readonly prefixDelegation: boolean;
  /** Branch ENIs a trunk on this type takes; 0 when the type cannot have a trunk. */
  readonly branchInterfaces: number;
}

/** The resource controller's VLAN ceiling per trunk [sgp §4.3]: no type takes more branches. */
export const MAX_BRANCH_INTERFACES = 120;

/**
 * The limits of an instance's type (an extra type of the store, else the limits table's). A type neither knows gets
 * generous limits (one card of 15 ENIs, 50 addresses each, prefixes allowed, 120 branches) rather than an error: the
 * type was accepted at launch. A type the resource controller's table does not list (`branchInterfaces` null) is not
 * trunking-compatible, as the controller treats it [sgp §4.1].
 */
export function instanceEniLimits(store: VpcStore, instance: Instance): EniLimits {
  const limits = store.instanceTypeLimits(instance.instanceType);
  if (limits === undefined) {
    return {
      instanceType: instance.instanceType,
      networkCards: [{ index: 0, maxEnis: 15 }],
      ipv4PerEni: 50,
      prefixDelegation: true,
      branchInterfaces: MAX_BRANCH_INTERFACES,
    };
  }
  return {
    instanceType: limits.instanceType,
    networkCards: limits.networkCards,
    ipv4PerEni: limits.ipv4PerEni,
    prefixDelegation: isNitroOrBareMetal(limits),
    branchInterfaces: limits.branchInterfaces ?? 0,
  };
}

/** The instance an ENI is attached to (or still detaching from), if any. */
export function attachedInstance(store: VpcStore, eni: Eni): Instance | undefined {
  return eni.attachment === undefined ? undefined : store.instances.get(eni.attachment.instanceId);
}

/** Addresses an ENI counts toward its per-ENI limit: primary, secondaries and one per prefix. */
export function addressCount(eni: Eni): number {
  return 1 + eni.secondaryIps.length + eni.prefixes.length;
}
