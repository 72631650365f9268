/**
 * Node facts as data: the static source's node file, and the Kubernetes Node object mapped to {@link NodeInfo}.
 *
 * A node file is YAML or JSON in any of these shapes (several YAML documents may be mixed):
 *
 * ```yaml
 * nodes:                                   # the mapping `custom-networking apply` writes without a cluster
 *   - name: ip-10-11-16-31.ap-northeast-2.compute.internal
 *     labels: { topology.kubernetes.io/zone: ap-northeast-2a }
 *     annotations: { k8s.amazonaws.com/eniConfig: ap-northeast-2a }
 *     capacityPods: 20
 * ---
 * name: node-2                             # one node
 * ---
 * apiVersion: v1                           # `kubectl get node NAME -o yaml` (or a NodeList / List)
 * kind: Node
 * metadata: { name: node-3, labels: {}, annotations: {} }
 * status: { capacity: { pods: "110" } }
 * ```
 *
 * @example
 * parseNodeInfoText('name: node-1\nlabels: { a: b }\n', 'nodes.yaml'); // [{ name: 'node-1', labels: { a: 'b' }, annotations: {} }]
 * formatNodeInfoFile([{ name: 'node-1', labels: {}, annotations: { 'k8s.amazonaws.com/eniConfig': 'us-west-2a' } }]);
 */
import { stringify } from 'yaml';
import { capacityPodsOf, invalid, isRecord, nodeInfoFromKubernetes, stringMap } from './node-object.js';
import { readTextDocuments } from './text-documents.js';
import type { NodeInfo } from './types.js';

function plainNode(value: Record<string, unknown>, where: string): NodeInfo {
  const known = ['name', 'labels', 'annotations', 'capacityPods'];
  const unknown = Object.keys(value).filter((k) => !known.includes(k));
  if (unknown.length > 0)
    throw invalid(where, `unknown field ${unknown.join(', ')} (a node entry has ${known.join(', ')})`);
  const name = value['name'];
  if (typeof name !== 'string' || name === '') throw invalid(where, 'name is required (the Kubernetes node name)');
  const pods = value['capacityPods'];
  if (pods !== undefined && capacityPodsOf(pods) === undefined)
    throw invalid(where, `capacityPods must be a whole number, got ${JSON.stringify(pods)}`);
  const capacityPods = capacityPodsOf(pods);
  return {
    name,
    labels: stringMap(value['labels'], 'labels', where),
    annotations: stringMap(value['annotations'], 'annotations', where),
    ...(capacityPods === undefined ? {} : { capacityPods }),
  };
}

function nodesOf(value: unknown, where: string): NodeInfo[] {
  if (!isRecord(value)) throw invalid(where, 'expected a mapping (a node, a `nodes:` list, or a Kubernetes Node)');
  const kind = value['kind'];
  if (kind === 'Node') return [nodeInfoFromKubernetes(value, where)];
  if ((kind === 'NodeList' || kind === 'List') && Array.isArray(value['items'])) {
    return value['items'].map((item: unknown, i) => nodeInfoFromKubernetes(item, `${where} items[${i}]`));
  }
  if (kind !== undefined) throw invalid(where, `kind ${JSON.stringify(kind)} is not a Node, NodeList or List`);
  if (Array.isArray(value['nodes'])) {
    return value['nodes'].map((entry: unknown, i) => {
      if (!isRecord(entry)) throw invalid(`${where} nodes[${i}]`, 'expected a mapping with name, labels, annotations');
      return plainNode(entry, `${where} nodes[${i}]`);
    });
  }
  return [plainNode(value, where)];
}

/**
 * Every node a node file describes. Throws NODE_INFO_INVALID naming the file, document and field.
 *
 * @example
 * parseNodeInfoText('nodes: [{ name: a }, { name: b }]', 'nodes.yaml').map((n) => n.name); // ['a', 'b']
 */
export function parseNodeInfoText(text: string, source: string): NodeInfo[] {
  const docs = readTextDocuments(text, source);
  return docs.flatMap((doc) => {
    const where = doc.index !== undefined && docs.length > 1 ? `${source} (document ${doc.index + 1})` : source;
    // The first problem only: the file is refused as a whole.
    if ('problems' in doc) throw invalid(where, doc.problems[0] ?? 'not valid YAML');
    return 'empty' in doc ? [] : nodesOf(doc.value, where);
  });
}

/**
 * A node file (YAML, `nodes:` list) for the static source, as `custom-networking apply` writes it without a cluster.
 *
 * @example
 * writeFileSync('/etc/vpc-cni/nodes.yaml', formatNodeInfoFile(nodes));
 */
export function formatNodeInfoFile(nodes: readonly NodeInfo[]): string {
  const entries = nodes.map((n) => ({
    name: n.name,
    labels: { ...n.labels },
    annotations: { ...n.annotations },
    ...(n.capacityPods === undefined ? {} : { capacityPods: n.capacityPods }),
  }));
  return `# vpc-cni node facts for the static node source (no Kubernetes API server)\n${stringify({ nodes: entries })}`;
}
