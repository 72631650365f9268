/**
 * The CNINode custom resource (`cninodes.vpcresources.k8s.aws/v1alpha1`, cluster-scoped, named after its Node) and
 * the one write ipamd makes to it: adding a feature to `spec.features` [cninode §1.4]. The VPC resource controller
 * creates the CNINode and reads the features (`SecurityGroupsForPods` makes the node a trunk/branch node,
 * `CustomNetworking` names the ENIConfig for its branch ENIs); ipamd never creates or deletes one.
 *
 * The patch is the reference's exactly: GET; nothing when a feature of that name and value is there; otherwise the
 * list without that name plus the new entry at the end, sent whole as a JSON merge patch carrying the read
 * resourceVersion, so that a concurrent change makes it fail (K8S_CONFLICT) rather than lose a feature. There is no
 * retry here: the caller decides (node initialisation fails or logs, as the reference does).
 *
 * @example
 * await addCniNodeFeature(client, 'ip-10-0-1-5.ec2.internal', { name: 'SecurityGroupsForPods', value: '' });
 * // 'added' — or 'present' when it was there already
 */
import type { K8sClient, CallOptions } from './client.js';
import { K8sError, isK8sError } from './errors.js';

/** The two feature names the resource controller knows [cninode §1.1]. */
export type CniNodeFeatureName = 'SecurityGroupsForPods' | 'CustomNetworking';

/** One entry of `spec.features`; `value` is empty for SecurityGroupsForPods, the ENIConfig name for CustomNetworking. */
export interface CniNodeFeature {
  readonly name: string;
  readonly value: string;
}

function featuresOf(object: unknown, where: string): { features: CniNodeFeature[]; resourceVersion: string } {
  const record = (typeof object === 'object' && object !== null ? object : {}) as {
    metadata?: { resourceVersion?: unknown };
    spec?: { features?: unknown };
  };
  const rv = record.metadata?.resourceVersion;
  if (typeof rv !== 'string' || rv === '')
    throw new K8sError('K8S_API_ERROR', `${where} has no metadata.resourceVersion`, { operation: `get ${where}` });
  const raw = record.spec?.features ?? [];
  if (!Array.isArray(raw))
    throw new K8sError('K8S_API_ERROR', `${where}: spec.features is not a list`, { operation: `get ${where}` });
  const features = raw.map((entry: unknown) => {
    const f = (typeof entry === 'object' && entry !== null ? entry : {}) as { name?: unknown; value?: unknown };
    // Both fields are `omitempty` in the resource controller's API: absent means "".
    return { name: typeof f.name === 'string' ? f.name : '', value: typeof f.value === 'string' ? f.value : '' };
  });
  return { features, resourceVersion: rv };
}

/**
 * The feature list with `feature` set: unchanged (`undefined`) when an entry of that name and value exists, else
 * every other entry in order plus `feature` at the end (a same-named entry with another value is replaced).
 *
 * @example
 * withFeature([{ name: 'CustomNetworking', value: 'a' }], { name: 'CustomNetworking', value: 'b' });
 * // [{ name: 'CustomNetworking', value: 'b' }]
 */
export function withFeature(
  features: readonly CniNodeFeature[],
  feature: CniNodeFeature,
): CniNodeFeature[] | undefined {
  if (features.some((f) => f.name === feature.name && f.value === feature.value)) return undefined;
  return [...features.filter((f) => f.name !== feature.name), { name: feature.name, value: feature.value }];
}

/**
 * Adds (or updates) one feature of the node's CNINode [cninode §1.4]; see the module comment. Rejects with
 * K8S_NOT_FOUND when the CNINode does not exist yet (the resource controller creates it when it sees the Node) and
 * K8S_CONFLICT when it changed between the read and the patch.
 *
 * @example
 * await addCniNodeFeature(client, nodeName, { name: 'CustomNetworking', value: 'us-west-2a' });
 */
export async function addCniNodeFeature(
  client: Pick<K8sClient, 'getCniNode' | 'patchCniNode'>,
  nodeName: string,
  feature: CniNodeFeature,
  options: CallOptions = {},
): Promise<'added' | 'present'> {
  const where = `CNINode ${nodeName}`;
  let current: unknown;
  try {
    current = await client.getCniNode(nodeName, options);
  } catch (error) {
    if (!isK8sError(error, 'K8S_NOT_FOUND')) throw error;
    throw new K8sError(
      'K8S_NOT_FOUND',
      `${where} does not exist: the VPC resource controller creates it for every Node it sees (is it running?)`,
      { operation: `get ${where}`, status: 404 },
      error,
    );
  }
  const { features, resourceVersion } = featuresOf(current, where);
  const next = withFeature(features, feature);
  if (next === undefined) return 'present';
  await client.patchCniNode(nodeName, { metadata: { resourceVersion }, spec: { features: next } }, options);
  return 'added';
}
