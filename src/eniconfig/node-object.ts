/**
 * A Kubernetes Node object as the {@link NodeInfo} custom networking reads (no YAML here: the Kubernetes source uses
 * it on objects from the API, the node file parser on `kind: Node` documents).
 *
 * @example
 * nodeInfoFromKubernetes({ metadata: { name: 'n1' }, status: { capacity: { pods: '29' } } }, 'API').capacityPods; // 29
 */
import { EniConfigError } from './errors.js';
import type { NodeInfo } from './types.js';

/**
 * A plain mapping (not null, not a list).
 *
 * @example
 * isRecord({ a: 1 }); // true
 * isRecord([1]);      // false
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A mapping of strings (labels, annotations); absent is empty; anything else is NODE_INFO_INVALID.
 *
 * @example
 * stringMap({ zone: 'a' }, 'labels', 'nodes.yaml'); // { zone: 'a' }
 */
export function stringMap(value: unknown, field: string, where: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw invalid(where, `${field} must be a mapping of strings`);
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw invalid(where, `${field}.${key} must be a string, got ${JSON.stringify(v)}`);
    out[key] = v;
  }
  return out;
}

/**
 * A NODE_INFO_INVALID error: `where: problem`.
 *
 * @example
 * throw invalid('nodes.yaml', 'name is required');
 */
export function invalid(where: string, problem: string): EniConfigError {
  return new EniConfigError('NODE_INFO_INVALID', `${where}: ${problem}`, { origin: where });
}

/**
 * `status.capacity.pods` ("110") as a number; undefined when absent or not a plain integer.
 *
 * @example
 * capacityPodsOf('110'); // 110
 * capacityPodsOf('1k');  // undefined
 */
export function capacityPodsOf(value: unknown): number | undefined {
  const text = typeof value === 'number' ? String(value) : value;
  return typeof text === 'string' && /^\d+$/.test(text) ? Number(text) : undefined;
}

/**
 * A Kubernetes Node object (from the API or `kubectl get node -o yaml`) as {@link NodeInfo}.
 *
 * @example
 * nodeInfoFromKubernetes({ metadata: { name: 'n1', labels: { a: 'b' } }, status: { capacity: { pods: '29' } } }, 'API');
 * // { name: 'n1', labels: { a: 'b' }, annotations: {}, capacityPods: 29 }
 */
export function nodeInfoFromKubernetes(value: unknown, where: string): NodeInfo {
  const metadata = isRecord(value) ? value['metadata'] : undefined;
  if (!isRecord(metadata) || typeof metadata['name'] !== 'string' || metadata['name'] === '') {
    throw invalid(where, 'a Node needs metadata.name');
  }
  const status = isRecord(value) ? value['status'] : undefined;
  const capacity = isRecord(status) ? status['capacity'] : undefined;
  const pods = capacityPodsOf(isRecord(capacity) ? capacity['pods'] : undefined);
  return {
    name: metadata['name'],
    labels: stringMap(metadata['labels'], 'metadata.labels', where),
    annotations: stringMap(metadata['annotations'], 'metadata.annotations', where),
    ...(pods === undefined ? {} : { capacityPods: pods }),
  };
}
