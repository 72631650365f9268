/**
 * Scaling the demo's workload: a number of pods per node, reached by creating pods (round-robin over the nodes, as
 * a scheduler spreads a Deployment) or removing the newest ones on each node. One scaling runs at a time; every
 * pod created, removed or failed is reported as an event, so the CLI and the control socket can show progress.
 *
 * @example
 * const scaler = new PodScaler(runtime, nodes, new PodNamer());
 * await scaler.scaleTo(20, (event) => console.log(event));
 */
import { requireInstanceLimits } from '../limits/index.js';
import { mapLimit } from './cleanup.js';
import type { DemoNode } from './cluster.js';
import { DemoError } from './errors.js';
import type { PodName, PodNamer } from './names.js';
import type { DemoPod, PodRuntime } from './pods.js';
import { messageOf } from '../errors.js';

export type ScaleEvent =
  | { readonly kind: 'plan'; readonly perNode: number; readonly add: number; readonly remove: number }
  | {
      readonly kind: 'added';
      readonly pod: string;
      readonly ip: string;
      readonly node: string;
      readonly ms: number;
      readonly done: number;
      readonly total: number;
    }
  | {
      readonly kind: 'removed';
      readonly pod: string;
      readonly ip: string;
      readonly node: string;
      readonly done: number;
      readonly total: number;
    }
  | {
      readonly kind: 'failed';
      readonly pod: string;
      readonly node: string;
      readonly message: string;
      readonly done: number;
      readonly total: number;
    }
  | {
      readonly kind: 'done';
      readonly perNode: number;
      readonly pods: number;
      readonly failed: number;
      readonly ms: number;
    };

/** Pods in flight at once, about one per node as each node's kubelet would; more only adds latency on 2 vCPUs. */
const CONCURRENCY = 3;

/**
 * Pods a node can give VPC addresses to in secondary-IP mode: every ENI's addresses but its primary
 * (m5.large: 3 × (10 − 1) = 27). The kubelet's max-pods (29) also counts host-network pods, which need none.
 */
export function podCapacity(instanceType: string): number {
  const limits = requireInstanceLimits(instanceType);
  return limits.maxEnis * (limits.ipv4PerEni - 1);
}

/** Refuses a pod count no node can hold, saying what the limit is and why. */
export function checkPodsPerNode(perNode: number, nodes: readonly Pick<DemoNode, 'instanceType'>[]): void {
  for (const node of nodes) {
    const capacity = podCapacity(node.instanceType);
    if (perNode > capacity) {
      const limits = requireInstanceLimits(node.instanceType);
      throw new DemoError(
        'DEMO_TOO_MANY_PODS',
        `${perNode} pods per node do not fit: a node of type ${node.instanceType} has addresses for ${capacity} pods ` +
          `(${limits.maxEnis} ENIs × ${limits.ipv4PerEni - 1} secondary IPs); ask for at most ${capacity}`,
      );
    }
  }
}

export class PodScaler {
  readonly #runtime: PodRuntime;
  readonly #nodes: readonly DemoNode[];
  readonly #namer: PodNamer;
  #perNode = 0;
  #queue: Promise<unknown> = Promise.resolve();
  #stopping = false;

  constructor(runtime: PodRuntime, nodes: readonly DemoNode[], namer: PodNamer) {
    this.#runtime = runtime;
    this.#nodes = nodes;
    this.#namer = namer;
  }

  /** The pods per node asked for last. */
  get perNode(): number {
    return this.#perNode;
  }

  /** Starts no more pods and resolves once the scaling in progress (if any) has finished its pods in flight. */
  async drain(): Promise<void> {
    this.#stopping = true;
    await this.#queue;
  }

  /** Creates or removes pods until every node runs `perNode`; waits for a scaling already running. */
  scaleTo(
    perNode: number,
    onEvent: (event: ScaleEvent) => void = () => undefined,
  ): Promise<Extract<ScaleEvent, { kind: 'done' }>> {
    checkPodsPerNode(perNode, this.#nodes);
    if (this.#stopping) return Promise.reject(new DemoError('DEMO_INTERRUPTED', 'the demo is stopping'));
    const run = this.#queue.then(() => this.#scale(perNode, onEvent));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #scale(perNode: number, onEvent: (event: ScaleEvent) => void): Promise<Extract<ScaleEvent, { kind: 'done' }>> {
    const started = performance.now();
    this.#perNode = perNode;
    const live = this.#runtime.list().filter((pod) => pod.status !== 'Terminating');
    const byNode = new Map(this.#nodes.map((node) => [node.name, live.filter((pod) => pod.node.name === node.name)]));
    const toRemove: DemoPod[] = [];
    const toAdd: { node: DemoNode; name: PodName }[] = [];
    for (const node of this.#nodes) {
      const pods = byNode.get(node.name) ?? [];
      if (pods.length > perNode) toRemove.push(...pods.slice(perNode).reverse());
    }
    // Round-robin over the nodes, so names of both kinds land on every node, as a scheduler spreads replicas.
    for (let round = 0; ; round++) {
      const wanting = this.#nodes.filter((node) => (byNode.get(node.name)?.length ?? 0) + round < perNode);
      if (wanting.length === 0) break;
      for (const node of wanting) toAdd.push({ node, name: this.#namer.next() });
    }
    onEvent({ kind: 'plan', perNode, add: toAdd.length, remove: toRemove.length });
    const total = toAdd.length + toRemove.length;
    let done = 0;
    let failed = 0;
    const fail = (pod: string, node: string, error: unknown): void => {
      failed += 1;
      onEvent({ kind: 'failed', pod, node, message: messageOf(error), done: ++done, total });
    };
    await mapLimit(toRemove, CONCURRENCY, async (pod) => {
      try {
        await this.#runtime.remove(pod);
        onEvent({
          kind: 'removed',
          pod: `${pod.namespace}/${pod.name}`,
          ip: pod.ip ?? '',
          node: pod.node.name,
          done: ++done,
          total,
        });
      } catch (error) {
        fail(`${pod.namespace}/${pod.name}`, pod.node.name, error);
      }
    });
    await mapLimit(toAdd, CONCURRENCY, async ({ node, name }) => {
      if (this.#stopping) return;
      try {
        const pod = await this.#runtime.create(node, name);
        onEvent({
          kind: 'added',
          pod: `${pod.namespace}/${pod.name}`,
          ip: pod.ip ?? '',
          node: node.name,
          ms: pod.addMs ?? 0,
          done: ++done,
          total,
        });
      } catch (error) {
        fail(`${name.namespace}/${name.name}`, node.name, error);
      }
    });
    const pods = this.#runtime.list().filter((pod) => pod.status === 'Running').length;
    const result = { kind: 'done', perNode, pods, failed, ms: performance.now() - started } as const;
    onEvent(result);
    return result;
  }
}
