/**
 * What each instance's IMDS shows of its network interfaces, lagging behind EC2 as the real one does [ec2-imds §5.4]:
 * a newly attached ENI's MAC appears only after the attach lag, a detached one lingers until the detach lag has
 * passed, and `local-ipv4s` / `ipv4-prefix` follow Assign/UnassignPrivateIpAddresses after the address lag.
 *
 * Nothing runs on a timer. Store events are recorded with the time they become visible (event time + lag) in a
 * queue per ENI (so changes to one ENI apply in order), and each read first applies every change that is due by
 * the store clock. `frozen` stops applying changes, so tests can hold IMDS out of sync with EC2 for as long as they
 * like; `flush()` applies everything at once.
 *
 * The primary ENI (device 0, card 0) is visible at once: an instance boots with it.
 *
 * @example
 * const imds = new ImdsPropagation(store, { lagMs: 2000 });
 * attachEni(store, { eniId, instanceId, deviceIndex: 1 });
 * imds.view(instanceId).interfaces().length; // 1 (the primary) until the store clock is 2 s later
 */
import type { Eni } from '../state/model.js';
import type { VpcEvents, VpcStore } from '../state/store.js';

/** Propagation delays (store-clock ms) and the freeze switch. */
export interface ImdsLagSettings {
  readonly attachLagMs: number;
  readonly detachLagMs: number;
  readonly addressLagMs: number;
  readonly frozen: boolean;
}

export interface ImdsPropagationOptions extends Partial<ImdsLagSettings> {
  /** Sets all three lags at once (the specific ones win). */
  readonly lagMs?: number;
}

/** An ENI as one instance's IMDS shows it. Addresses are the ones IMDS knows, which may differ from EC2's. */
export interface VisibleEni {
  readonly eniId: string;
  readonly instanceId: string;
  readonly macAddress: string;
  readonly subnetId: string;
  readonly vpcId: string;
  readonly deviceIndex: number;
  readonly networkCardIndex: number;
  readonly privateIpAddress: string;
  /** Security groups when the attach was seen; IMDS readers should prefer the ENI's current groups. */
  readonly groups: readonly string[];
  readonly secondaryIps: readonly string[];
  readonly prefixes: readonly string[];
}

interface MutableEni extends VisibleEni {
  secondaryIps: string[];
  prefixes: string[];
}

interface Change {
  readonly visibleAt: number;
  apply(): void;
}

function capture(eni: Eni, instanceId: string): MutableEni {
  return {
    eniId: eni.id,
    instanceId,
    macAddress: eni.macAddress,
    subnetId: eni.subnetId,
    vpcId: eni.vpcId,
    deviceIndex: eni.attachment?.deviceIndex ?? 0,
    networkCardIndex: eni.attachment?.networkCardIndex ?? 0,
    privateIpAddress: eni.privateIpAddress,
    groups: [...eni.groups],
    secondaryIps: [...eni.secondaryIps],
    prefixes: [...eni.prefixes],
  };
}

function checkLag(name: string, value: number): number {
  if (!(Number.isFinite(value) && value >= 0)) throw new RangeError(`${name} must be a number >= 0, got ${value}`);
  return value;
}

/** The store-wide propagation queue; one {@link ImdsView} per instance reads from it. */
export class ImdsPropagation {
  readonly store: VpcStore;
  #settings: ImdsLagSettings;
  readonly #visible = new Map<string, MutableEni>();
  readonly #queues = new Map<string, Change[]>();
  readonly #listeners: { [K in keyof VpcEvents]?: (...args: VpcEvents[K]) => void } = {};

  constructor(store: VpcStore, options: ImdsPropagationOptions = {}) {
    this.store = store;
    this.#settings = { attachLagMs: 0, detachLagMs: 0, addressLagMs: 0, frozen: false };
    this.configure(options);
    for (const eni of store.enis.values()) {
      if (eni.attachment !== undefined && eni.attachment.status !== 'detaching')
        this.#visible.set(eni.id, capture(eni, eni.attachment.instanceId));
    }
    this.#listen();
  }

  get settings(): ImdsLagSettings {
    return this.#settings;
  }

  /** Changes lags or the freeze switch. Changes already queued keep the visibility time they were given. */
  configure(options: ImdsPropagationOptions): void {
    const all = options.lagMs;
    const next = {
      attachLagMs: checkLag('attachLagMs', options.attachLagMs ?? all ?? this.#settings.attachLagMs),
      detachLagMs: checkLag('detachLagMs', options.detachLagMs ?? all ?? this.#settings.detachLagMs),
      addressLagMs: checkLag('addressLagMs', options.addressLagMs ?? all ?? this.#settings.addressLagMs),
      frozen: options.frozen ?? this.#settings.frozen,
    };
    this.#settings = Object.freeze(next);
  }

  /** Applies every queued change now, due or not (even when frozen). */
  flush(): void {
    for (const [eniId, queue] of this.#queues) {
      for (const change of queue) change.apply();
      this.#queues.delete(eniId);
    }
  }

  /** Changes recorded but not yet visible. */
  pending(): number {
    let count = 0;
    for (const queue of this.#queues.values()) count += queue.length;
    return count;
  }

  /** The interfaces an instance's IMDS shows now, by card then device index. */
  interfaces(instanceId: string): VisibleEni[] {
    this.#advance();
    return [...this.#visible.values()]
      .filter((eni) => eni.instanceId === instanceId)
      .sort((a, b) => a.networkCardIndex - b.networkCardIndex || a.deviceIndex - b.deviceIndex);
  }

  view(instanceId: string): ImdsView {
    return new ImdsView(this, instanceId);
  }

  /** Stops listening to the store. */
  close(): void {
    for (const [event, listener] of Object.entries(this.#listeners)) {
      this.store.events.off(event as keyof VpcEvents, listener);
    }
  }

  #listen(): void {
    const on = <K extends keyof VpcEvents>(event: K, listener: (...args: VpcEvents[K]) => void): void => {
      (this.#listeners as Record<K, typeof listener>)[event] = listener;
      this.store.events.on(event, listener as never);
    };
    on('eni-attached', ({ eni, instanceId }) => {
      const snapshot = capture(eni, instanceId);
      const primary = snapshot.deviceIndex === 0 && snapshot.networkCardIndex === 0;
      this.#record(eni.id, primary ? 0 : this.#settings.attachLagMs, () => this.#visible.set(eni.id, snapshot));
    });
    on('eni-detached', ({ eni, instanceId }) => {
      this.#record(eni.id, this.#settings.detachLagMs, () => {
        if (this.#visible.get(eni.id)?.instanceId === instanceId) this.#visible.delete(eni.id);
      });
    });
    on('addresses-assigned', ({ eni, ips, prefixes }) => {
      const added = { ips: [...ips], prefixes: [...prefixes] };
      this.#record(eni.id, this.#settings.addressLagMs, () => {
        const visible = this.#visible.get(eni.id);
        if (visible === undefined) return;
        for (const ip of added.ips) if (!visible.secondaryIps.includes(ip)) visible.secondaryIps.push(ip);
        for (const prefix of added.prefixes) if (!visible.prefixes.includes(prefix)) visible.prefixes.push(prefix);
      });
    });
    on('addresses-unassigned', ({ eni, ips, prefixes }) => {
      const removed = { ips: new Set(ips), prefixes: new Set(prefixes) };
      this.#record(eni.id, this.#settings.addressLagMs, () => {
        const visible = this.#visible.get(eni.id);
        if (visible === undefined) return;
        visible.secondaryIps = visible.secondaryIps.filter((ip) => !removed.ips.has(ip));
        visible.prefixes = visible.prefixes.filter((prefix) => !removed.prefixes.has(prefix));
      });
    });
  }

  #record(eniId: string, lagMs: number, apply: () => void): void {
    const queue = this.#queues.get(eniId) ?? [];
    queue.push({ visibleAt: this.store.clock.now() + lagMs, apply });
    this.#queues.set(eniId, queue);
    // Apply what is due right away, so that a store nobody reads IMDS from does not accumulate changes.
    this.#advance();
  }

  #advance(): void {
    if (this.#settings.frozen) return;
    const now = this.store.clock.now();
    for (const [eniId, queue] of this.#queues) {
      let due = 0;
      while (due < queue.length && (queue[due]?.visibleAt ?? Infinity) <= now) queue[due++]?.apply();
      if (due === queue.length) this.#queues.delete(eniId);
      else if (due > 0) queue.splice(0, due);
    }
  }
}

/** One instance's IMDS, as of the store clock's now. */
export class ImdsView {
  readonly propagation: ImdsPropagation;
  readonly instanceId: string;

  constructor(propagation: ImdsPropagation, instanceId: string) {
    this.propagation = propagation;
    this.instanceId = instanceId;
  }

  get store(): VpcStore {
    return this.propagation.store;
  }

  interfaces(): VisibleEni[] {
    return this.propagation.interfaces(this.instanceId);
  }

  /** The interface at device 0 of card 0, when visible. */
  primary(): VisibleEni | undefined {
    return this.interfaces().find((eni) => eni.deviceIndex === 0 && eni.networkCardIndex === 0);
  }
}

const byStore = new WeakMap<VpcStore, ImdsPropagation>();

/** The store's shared propagation (created with no lag on first use), for the IMDS servers and the admin API. */
export function imdsPropagationOf(store: VpcStore): ImdsPropagation {
  let propagation = byStore.get(store);
  if (propagation === undefined) {
    propagation = new ImdsPropagation(store);
    byStore.set(store, propagation);
  }
  return propagation;
}
