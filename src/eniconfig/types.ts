/**
 * The ENIConfig custom resource [behaviour §4.2] and the node facts custom networking reads [behaviour §4.3], as plain
 * data. Nothing here does I/O: documents are parsed in documents.ts, checked against the VPC in vpc-check.ts, and read
 * from files or the Kubernetes API by the {@link NodeInfoSource} adapters (port.ts).
 *
 * @example
 * const config: EniConfig = {
 *   apiVersion: ENICONFIG_API_VERSION,
 *   kind: 'ENIConfig',
 *   metadata: { name: 'us-west-2a' },
 *   spec: { subnet: 'subnet-0a1b2c', securityGroups: ['sg-0123'] },
 * };
 */

/** CRD group of ENIConfig (`eniconfigs.crd.k8s.amazonaws.com`). */
export const ENICONFIG_GROUP = 'crd.k8s.amazonaws.com';
/** The only served (and storage) version of the CRD. */
export const ENICONFIG_VERSION = 'v1alpha1';
/** `apiVersion` every ENIConfig document carries. */
export const ENICONFIG_API_VERSION = `${ENICONFIG_GROUP}/${ENICONFIG_VERSION}`;
export const ENICONFIG_KIND = 'ENIConfig';
/** Resource name in API paths: `/apis/crd.k8s.amazonaws.com/v1alpha1/eniconfigs`. */
export const ENICONFIG_PLURAL = 'eniconfigs';

/** Node label for out-of-band ENIConfig management; it beats the annotation and the label keys ([behaviour §4.3] step 1). */
export const EXTERNAL_ENICONFIG_LABEL = 'vpc.amazonaws.com/externalEniConfig';
/** Default of both ENI_CONFIG_ANNOTATION_DEF and ENI_CONFIG_LABEL_DEF. */
export const DEFAULT_ENICONFIG_KEY = 'k8s.amazonaws.com/eniConfig';
/** The name used when the node names no ENIConfig ([behaviour §4.3] step 4). */
export const DEFAULT_ENICONFIG_NAME = 'default';

/** `spec` of an ENIConfig: the subnet new ENIs go into and, optionally, their security groups. */
export interface EniConfigSpec {
  readonly subnet: string;
  /** Absent or empty: new ENIs take the primary ENI's security groups [behaviour §4.4]. */
  readonly securityGroups?: readonly string[];
}

/** A validated ENIConfig (cluster-scoped: no namespace). */
export interface EniConfig {
  readonly apiVersion: typeof ENICONFIG_API_VERSION;
  readonly kind: typeof ENICONFIG_KIND;
  readonly metadata: { readonly name: string; readonly resourceVersion?: string };
  readonly spec: EniConfigSpec;
}

/** Where a document came from, for messages: a file (and the document's index in it) or the Kubernetes API. */
export interface DocumentOrigin {
  /** File path, or e.g. `Kubernetes API` for objects read from a cluster. */
  readonly source: string;
  /** 0-based index of the document in a multi-document YAML file. */
  readonly index?: number;
  /** 0-based index in the document's `items` when it is a List (`kubectl get eniconfigs -o yaml`). */
  readonly item?: number;
}

/** The node facts custom networking reads: its labels and annotations, and the pod capacity for max pods. */
export interface NodeInfo {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** `status.capacity.pods` of the Node (kubelet's max pods), when known. */
  readonly capacityPods?: number;
}

/**
 * Builds an ENIConfig from a name and spec (tools, tests and the custom-networking workflow).
 *
 * @example
 * eniConfig('us-west-2a', { subnet: 'subnet-0a1b2c' }).apiVersion; // 'crd.k8s.amazonaws.com/v1alpha1'
 */
export function eniConfig(name: string, spec: EniConfigSpec): EniConfig {
  return {
    apiVersion: ENICONFIG_API_VERSION,
    kind: ENICONFIG_KIND,
    metadata: { name },
    spec: {
      subnet: spec.subnet,
      ...(spec.securityGroups === undefined ? {} : { securityGroups: [...spec.securityGroups] }),
    },
  };
}

/**
 * A short description of a document's origin: `eniconfigs/a.yaml (document 2)`.
 *
 * @example
 * describeOrigin({ source: 'a.yaml', index: 1 }); // 'a.yaml (document 2)'
 * describeOrigin({ source: 'list.yaml', index: 0, item: 2 }); // 'list.yaml (document 1, item 3)'
 */
export function describeOrigin(origin: DocumentOrigin): string {
  const parts = [
    ...(origin.index === undefined ? [] : [`document ${origin.index + 1}`]),
    ...(origin.item === undefined ? [] : [`item ${origin.item + 1}`]),
  ];
  return parts.length === 0 ? origin.source : `${origin.source} (${parts.join(', ')})`;
}
