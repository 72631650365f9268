/**
 * The one port custom networking reads the node and its ENIConfigs through. Two adapters implement it with the same
 * semantics: the static source (static-source.ts: a node file and a directory of ENIConfig documents, for hosts
 * without a cluster) and the Kubernetes source (src/k8s/node-source.ts: Node and ENIConfig informers, events).
 * {@link openNodeInfoSource} (open.ts) picks one and loads it lazily.
 *
 * @example
 * const source: NodeInfoSource = await openNodeInfoSource({ kind: 'static', nodeName: 'node-1', eniConfigDir: '/etc/eniconfigs' });
 * const choice = selectEniConfigName(await source.node(), { labelKey: 'topology.kubernetes.io/zone' });
 * const config = await source.eniConfig(choice.name); // undefined when no such ENIConfig exists
 * const stop = source.watch(() => log.info({}, 'node or ENIConfigs changed'));
 */
import type { EniConfig, NodeInfo } from './types.js';

/** Reasons of the events custom networking records on the Node (Kubernetes `Event.reason`). */
export type NodeProblemReason = 'EniConfigNotFound' | 'EniConfigInvalid';

/** A problem operators must see: a Warning event on the Node with a cluster, a log line without one. */
export interface NodeProblem {
  readonly reason: NodeProblemReason;
  /** The precise reason, e.g. "ENIConfig 'us-west-2a': subnet subnet-… is in us-west-2b but this node is in us-west-2a". */
  readonly message: string;
}

export interface NodeInfoSource {
  /** For logs: where the facts come from. */
  readonly kind: 'static' | 'kubernetes';
  /**
   * This node's name, labels, annotations and pod capacity, as last seen. Rejects with NODE_INFO_UNAVAILABLE when
   * the node cannot be read (API server unreachable, no Node object of that name, source closed).
   */
  node(): Promise<NodeInfo>;
  /**
   * The ENIConfig of this name; `undefined` when none exists. Rejects with ENICONFIG_INVALID_DOCUMENT or
   * ENICONFIG_DUPLICATE_NAME when its definition is unusable (the error names the document and the field).
   */
  eniConfig(name: string): Promise<EniConfig | undefined>;
  /** Calls `onChange` after the node's labels, annotations or capacity or any ENIConfig changed; returns an unsubscribe. */
  watch(onChange: () => void): () => void;
  /** Records a problem on the node (Kubernetes: a Warning Event on the Node; static: a log line). Never rejects. */
  report(problem: NodeProblem): Promise<void>;
  /** Stops watches, polls and connections. */
  close(): Promise<void>;
}

/** Custom networking: the ENIConfig that applies to this node [behaviour §4.3–4.4], looked up per new ENI. */
export type EniConfigSource = () => Promise<{ readonly subnet: string; readonly securityGroups: readonly string[] }>;
