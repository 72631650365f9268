/**
 * The objects the Kubernetes API STAND-IN (standin.ts) builds and merges: Nodes from NodeInfo, Pods, CNINodes as the
 * VPC resource controller creates them, and RFC 7386 JSON merge patch.
 *
 * @example
 * mergePatch({ a: { b: 1 } }, { a: { b: null } }); // { a: {} }
 */
import type { NodeInfo } from '../../../src/eniconfig/types.js';

/** A JSON object as the stand-in stores it. */
export type K8sObject = Record<string, unknown> & { metadata: Record<string, unknown> & { name: string } };

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * RFC 7386 JSON merge patch: objects merge key by key, `null` removes a key, anything else replaces.
 *
 * @example
 * mergePatch({ a: { b: 1, c: 2 } }, { a: { c: null, d: 3 } }); // { a: { b: 1, d: 3 } }
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

/**
 * A NodeInfo as a Node object (status.capacity.pods as the string Kubernetes uses).
 *
 * @example
 * nodeObject({ name: 'n', labels: {}, annotations: {}, capacityPods: 20 }).status; // { capacity: { pods: '20' }, allocatable: { pods: '20' } }
 */
export function nodeObject(node: NodeInfo): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: node.name, labels: { ...node.labels }, annotations: { ...node.annotations } },
    spec: {},
    status:
      node.capacityPods === undefined
        ? {}
        : { capacity: { pods: String(node.capacityPods) }, allocatable: { pods: String(node.capacityPods) } },
  };
}

/** A Pod with one container and the given annotations. */
export function podObject(namespace: string, name: string, annotations: Record<string, string>): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, annotations: { ...annotations } },
    spec: { containers: [{ name: 'app', image: 'app' }] },
  };
}

/** A CNINode as the resource controller creates it [cninode §1.2] (OS label, finalizer), with `features`. */
export function cniNodeObject(name: string, features: readonly { name: string; value?: string }[]): K8sObject {
  return {
    apiVersion: 'vpcresources.k8s.aws/v1alpha1',
    kind: 'CNINode',
    metadata: { name, labels: { 'kubernetes.io/os': 'linux' }, finalizers: ['networking.k8s.aws/resource-cleanup'] },
    spec: { features: features.map((f) => ({ ...f })), tags: {} },
  };
}
