/**
 * The objects of the Kubernetes API STAND-IN (standin.ts): Nodes, ENIConfigs, Pods, CNINodes and Events (core/v1 and
 * events.k8s.io/v1), with the bookkeeping a client relies on — one cluster-wide `resourceVersion` counter bumped by
 * every change, `uid` and `creationTimestamp` on create, JSON merge patch (RFC 7386) that honours a
 * `metadata.resourceVersion` in the patch as a precondition (409 when stale, as the API server does), and a bounded
 * history of changes that watches replay from a resourceVersion (older than the history → 410 Gone).
 *
 * This is NOT an API server: no admission, no RBAC, no field or label selectors beyond `metadata.name=`. Namespaced
 * objects (Pods, Events) are keyed `namespace/name`. Refusals a test wants (403 without a permission, 409 conflicts,
 * a server that does not answer) are faults (faults.ts). Tests, the demo and the custom-networking workflow change
 * it directly through these methods or over HTTP.
 *
 * @example
 * const state = new StandinState(clock);
 * state.putNode({ name: 'node-1', labels: {}, annotations: {}, capacityPods: 29 });
 * state.patchNode('node-1', { metadata: { annotations: { 'k8s.amazonaws.com/eniConfig': 'us-west-2a' } } });
 */
import type { Clock } from '../../../src/ipam/clock.js';
import { ENICONFIG_API_VERSION, ENICONFIG_KIND, type EniConfig, type NodeInfo } from '../../../src/eniconfig/types.js';
import { StandinFaults } from './faults.js';
import { cniNodeObject, isObject, mergePatch, nodeObject, podObject, type K8sObject } from './objects.js';

export { mergePatch, type K8sObject };

export type Collection = 'nodes' | 'eniconfigs' | 'pods' | 'cninodes' | 'eventsv1';

/** The key of an object in its collection: `namespace/name` for namespaced objects, else the name. */
export function keyOf(object: { metadata: { name: string; namespace?: unknown } }): string {
  const ns = object.metadata.namespace;
  return typeof ns === 'string' && ns !== '' ? `${ns}/${object.metadata.name}` : object.metadata.name;
}

/** One change, as a watch sends it. */
export interface WatchEntry {
  readonly rv: number;
  readonly collection: Collection;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly object: K8sObject;
}

/**
 * Why a stand-in operation was refused: the HTTP status and Kubernetes `Status.reason`.
 *
 * @example
 * throw new StandinRefusal(409, 'AlreadyExists', 'eniconfigs "a" already exists');
 */
export class StandinRefusal extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

const HISTORY_LIMIT = 1_000;

/**
 * The stand-in's objects and their change history (see the module comment).
 *
 * @example
 * const state = new StandinState(systemClock);
 * state.putEniConfig(eniConfig('us-west-2a', { subnet }));
 * state.events('default'); // what the adapter posted
 */
export class StandinState {
  readonly #clock: Clock;
  readonly #objects: Record<Collection, Map<string, K8sObject>> = {
    nodes: new Map(),
    eniconfigs: new Map(),
    pods: new Map(),
    cninodes: new Map(),
    eventsv1: new Map(),
  };
  readonly #history: WatchEntry[] = [];
  readonly #listeners = new Set<(entry: WatchEntry) => void>();
  readonly #events: K8sObject[] = [];
  #rv = 1;
  #uid = 0;
  /** resourceVersion of the newest entry dropped from the history (a watch from before it gets 410 Gone). */
  #trimmedUpTo = 0;
  /** Every HTTP request served, in order (`GET /api/v1/nodes?watch=true`), for tests. */
  readonly requests: string[] = [];
  /** Refusals to inject (faults.ts): `state.faults.forbid('patch', 'pods')`, `state.faults.add({ ... })`. */
  readonly faults = new StandinFaults();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** The current cluster-wide resourceVersion. */
  get resourceVersion(): number {
    return this.#rv;
  }

  list(collection: Collection): K8sObject[] {
    return [...this.#objects[collection].values()].map((o) => structuredClone(o));
  }

  /** By name, or `namespace/name` for Pods and Events. */
  get(collection: Collection, name: string): K8sObject | undefined {
    const object = this.#objects[collection].get(name);
    return object === undefined ? undefined : structuredClone(object);
  }

  /** Creates (409 if it exists) with fresh uid and creationTimestamp. */
  create(collection: Collection, object: K8sObject): K8sObject {
    const name = object.metadata.name;
    if (this.#objects[collection].has(keyOf(object)))
      throw new StandinRefusal(409, 'AlreadyExists', `${collection} "${name}" already exists`);
    this.#uid += 1;
    const uid = `00000000-0000-4000-8000-${this.#uid.toString(16).padStart(12, '0')}`;
    const created = {
      ...structuredClone(object),
      metadata: {
        ...structuredClone(object.metadata),
        uid,
        creationTimestamp: new Date(this.#clock.now()).toISOString(),
      },
    };
    return this.#store(collection, created, 'ADDED');
  }

  /** Replaces an existing object (404 if absent; 409 if the given resourceVersion is stale). */
  replace(collection: Collection, object: K8sObject): K8sObject {
    const current = this.#objects[collection].get(keyOf(object));
    if (current === undefined)
      throw new StandinRefusal(404, 'NotFound', `${collection} "${object.metadata.name}" not found`);
    const given = object.metadata['resourceVersion'];
    if (given !== undefined && given !== current.metadata['resourceVersion']) {
      throw new StandinRefusal(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${collection} "${object.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
    const metadata = {
      ...structuredClone(object.metadata),
      uid: current.metadata['uid'],
      creationTimestamp: current.metadata['creationTimestamp'],
    };
    return this.#store(collection, { ...structuredClone(object), metadata }, 'MODIFIED');
  }

  /**
   * JSON merge patch of an existing object (`key` = name, or `namespace/name`); name, namespace, uid and
   * creationTimestamp cannot change. A `metadata.resourceVersion` in the patch must be the current one (else 409).
   */
  patch(collection: Collection, key: string, patch: unknown): K8sObject {
    const current = this.#objects[collection].get(key);
    const name = key.slice(key.indexOf('/') + 1);
    if (current === undefined) throw new StandinRefusal(404, 'NotFound', `${collection} "${name}" not found`);
    const given = isObject(patch) && isObject(patch['metadata']) ? patch['metadata']['resourceVersion'] : undefined;
    if (given !== undefined && given !== null && given !== current.metadata['resourceVersion']) {
      throw new StandinRefusal(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${collection} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
    const merged = mergePatch(current, patch) as K8sObject;
    const metadata = {
      ...(isObject(merged.metadata) ? merged.metadata : {}),
      name,
      ...(current.metadata['namespace'] === undefined ? {} : { namespace: current.metadata['namespace'] }),
      uid: current.metadata['uid'],
      creationTimestamp: current.metadata['creationTimestamp'],
    };
    return this.#store(collection, { ...merged, metadata }, 'MODIFIED');
  }

  /** Deletes (`key` = name, or `namespace/name`); returns the deleted object, or undefined when there was none. */
  delete(collection: Collection, key: string): K8sObject | undefined {
    const current = this.#objects[collection].get(key);
    if (current === undefined) return undefined;
    this.#objects[collection].delete(key);
    this.#rv += 1;
    const gone = { ...current, metadata: { ...current.metadata, resourceVersion: String(this.#rv) } };
    this.#record({ rv: this.#rv, collection, type: 'DELETED', object: gone });
    return structuredClone(gone);
  }

  /** Creates or replaces a Node from NodeInfo (or a Node object). */
  putNode(node: NodeInfo | K8sObject): K8sObject {
    const object = 'metadata' in node ? node : nodeObject(node);
    return this.#objects.nodes.has(object.metadata.name)
      ? this.replace('nodes', { ...object, metadata: { ...object.metadata, resourceVersion: undefined } })
      : this.create('nodes', object);
  }

  patchNode(name: string, patch: unknown): K8sObject {
    return this.patch('nodes', name, patch);
  }

  /** Creates or replaces an ENIConfig. */
  putEniConfig(config: EniConfig | K8sObject): K8sObject {
    const object = {
      ...structuredClone(config),
      apiVersion: ENICONFIG_API_VERSION,
      kind: ENICONFIG_KIND,
    } as unknown as K8sObject;
    const { resourceVersion: _rv, ...metadata } = object.metadata;
    const fresh = { ...object, metadata: { ...metadata, name: object.metadata.name } };
    return this.#objects.eniconfigs.has(fresh.metadata.name)
      ? this.replace('eniconfigs', fresh)
      : this.create('eniconfigs', fresh);
  }

  deleteEniConfig(name: string): boolean {
    return this.delete('eniconfigs', name) !== undefined;
  }

  /** Creates a Pod (as the API server would hold it) with the given annotations. */
  putPod(namespace: string, name: string, annotations: Record<string, string> = {}): K8sObject {
    return this.create('pods', podObject(namespace, name, annotations));
  }

  /** Creates a CNINode as the VPC resource controller does [cninode §1.2], with the given features. */
  putCniNode(name: string, features: readonly { name: string; value?: string }[] = []): K8sObject {
    return this.create('cninodes', cniNodeObject(name, features));
  }

  addEvent(event: K8sObject): K8sObject {
    this.#rv += 1;
    const stored = {
      ...structuredClone(event),
      metadata: { ...structuredClone(event.metadata), resourceVersion: String(this.#rv) },
    };
    this.#events.push(stored);
    return structuredClone(stored);
  }

  /** Events recorded so far (optionally of one namespace). */
  events(namespace?: string): K8sObject[] {
    return this.#events
      .filter((e) => namespace === undefined || e.metadata['namespace'] === namespace)
      .map((e) => structuredClone(e));
  }

  /** History entries newer than `rv`, or undefined when `rv` is older than what is kept (→ 410 Gone). */
  since(rv: number): WatchEntry[] | undefined {
    if (rv < this.#trimmedUpTo) return undefined;
    return this.#history.filter((e) => e.rv > rv);
  }

  subscribe(listener: (entry: WatchEntry) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  #store(collection: Collection, object: K8sObject, type: 'ADDED' | 'MODIFIED'): K8sObject {
    this.#rv += 1;
    const stored = { ...object, metadata: { ...object.metadata, resourceVersion: String(this.#rv) } };
    this.#objects[collection].set(keyOf(stored), stored);
    this.#record({ rv: this.#rv, collection, type, object: structuredClone(stored) });
    return structuredClone(stored);
  }

  #record(entry: WatchEntry): void {
    this.#history.push(entry);
    if (this.#history.length > HISTORY_LIMIT) this.#trimmedUpTo = this.#history.shift()?.rv ?? this.#trimmedUpTo;
    for (const listener of [...this.#listeners]) listener(entry);
  }
}
