/**
 * Which ENIConfig applies to a node — the reference's `GetNodeSpecificENIConfigName` [behaviour §4.3]. First match
 * wins:
 *
 * 1. label `vpc.amazonaws.com/externalEniConfig` (out-of-band management);
 * 2. the annotation named by ENI_CONFIG_ANNOTATION_DEF (default `k8s.amazonaws.com/eniConfig`);
 * 3. the label named by ENI_CONFIG_LABEL_DEF (default `k8s.amazonaws.com/eniConfig`; the documented recommendation
 *    is `topology.kubernetes.io/zone` with ENIConfigs named after their zones);
 * 4. the literal `default`.
 *
 * Empty keys fall back to the defaults, and an empty label or annotation value counts as absent (the reference
 * checks `ok && value != ""`).
 *
 * @example
 * selectEniConfigName({ labels: { 'topology.kubernetes.io/zone': 'us-west-2a' }, annotations: {} },
 *   { annotationKey: 'k8s.amazonaws.com/eniConfig', labelKey: 'topology.kubernetes.io/zone' });
 * // { name: 'us-west-2a', source: 'label', key: 'topology.kubernetes.io/zone' }
 */
import { DEFAULT_ENICONFIG_KEY, DEFAULT_ENICONFIG_NAME, EXTERNAL_ENICONFIG_LABEL, type NodeInfo } from './types.js';

/** Why a name was chosen: the step of [behaviour §4.3] that matched. */
export type EniConfigNameSource = 'external-label' | 'annotation' | 'label' | 'default';

export interface EniConfigChoice {
  readonly name: string;
  readonly source: EniConfigNameSource;
  /** The label or annotation key that matched (absent for `default`). */
  readonly key?: string;
}

/** ENI_CONFIG_ANNOTATION_DEF and ENI_CONFIG_LABEL_DEF (Config.customNetworking's eniConfigAnnotationKey/LabelKey). */
export interface EniConfigKeys {
  readonly annotationKey?: string;
  readonly labelKey?: string;
}

function valueOf(map: Readonly<Record<string, string>>, key: string): string | undefined {
  const value = Object.hasOwn(map, key) ? map[key] : undefined;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The ENIConfig name for a node, and which rule chose it.
 *
 * @example
 * selectEniConfigName({ labels: {}, annotations: {} }, {}); // { name: 'default', source: 'default' }
 */
export function selectEniConfigName(
  node: Pick<NodeInfo, 'labels' | 'annotations'>,
  keys: EniConfigKeys,
): EniConfigChoice {
  const external = valueOf(node.labels, EXTERNAL_ENICONFIG_LABEL);
  if (external !== undefined) return { name: external, source: 'external-label', key: EXTERNAL_ENICONFIG_LABEL };
  const annotationKey =
    keys.annotationKey === undefined || keys.annotationKey === '' ? DEFAULT_ENICONFIG_KEY : keys.annotationKey;
  const annotated = valueOf(node.annotations, annotationKey);
  if (annotated !== undefined) return { name: annotated, source: 'annotation', key: annotationKey };
  const labelKey = keys.labelKey === undefined || keys.labelKey === '' ? DEFAULT_ENICONFIG_KEY : keys.labelKey;
  const labelled = valueOf(node.labels, labelKey);
  if (labelled !== undefined) return { name: labelled, source: 'label', key: labelKey };
  return { name: DEFAULT_ENICONFIG_NAME, source: 'default' };
}

/**
 * One line saying why this name was chosen, for logs, events and `/v1/eni-configs` hints.
 *
 * @example
 * describeChoice({ name: 'us-west-2a', source: 'label', key: 'topology.kubernetes.io/zone' });
 * // "ENIConfig 'us-west-2a' (node label topology.kubernetes.io/zone)"
 */
export function describeChoice(choice: EniConfigChoice): string {
  switch (choice.source) {
    case 'external-label':
    case 'label':
      return `ENIConfig '${choice.name}' (node label ${choice.key ?? ''})`;
    case 'annotation':
      return `ENIConfig '${choice.name}' (node annotation ${choice.key ?? ''})`;
    case 'default':
      return `ENIConfig '${choice.name}' (the node has no ENIConfig label or annotation, so the name 'default' applies)`;
  }
}
