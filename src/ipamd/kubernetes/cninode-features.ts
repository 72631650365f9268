/**
 * The CNINode features ipamd declares at node initialisation [cninode §1.4], in the reference's order and with its
 * failure handling: with custom networking and ENABLE_POD_ENI, `CustomNetworking` = the node's ENIConfig name (not
 * when it is `default`; a failure stops the start-up), then with ENABLE_POD_ENI `SecurityGroupsForPods` (a failure is
 * logged). The VPC resource controller reads them to make the node a trunk/branch node.
 *
 * @example
 * await declareCniNodeFeatures({ client, nodeName, config, eniConfigName: 'us-west-2a', log });
 */
import type { Config } from '../../config/types.js';
import type { K8sClient } from '../../k8s/client.js';
import { addCniNodeFeature } from '../../k8s/cninode.js';
import type { Logger } from '../../obs/logger.js';
import { errorFacts } from '../../errors.js';
import { IpamdError } from '../errors.js';

export interface CniNodeFeatureOptions {
  readonly client: Pick<K8sClient, 'getCniNode' | 'patchCniNode'>;
  readonly nodeName: string;
  readonly config: Pick<Config, 'customNetworking' | 'features'>;
  /** The ENIConfig chosen for this node (custom networking), when known. */
  readonly eniConfigName: string | undefined;
  readonly log: Logger;
}

/**
 * Declares the features (see the module comment); resolves with what was written or was already there.
 *
 * @throws IpamdError IPAMD_INIT_FAILED when the CustomNetworking feature cannot be written.
 * @example
 * await declareCniNodeFeatures(options); // ['CustomNetworking', 'SecurityGroupsForPods']
 */
export async function declareCniNodeFeatures(options: CniNodeFeatureOptions): Promise<string[]> {
  const { client, nodeName, config, eniConfigName, log } = options;
  const declared: string[] = [];
  if (!config.features.podEni) return declared;
  if (config.customNetworking.enabled && eniConfigName !== undefined && eniConfigName !== 'default') {
    try {
      await addCniNodeFeature(client, nodeName, { name: 'CustomNetworking', value: eniConfigName });
      declared.push('CustomNetworking');
    } catch (error) {
      throw new IpamdError(
        'IPAMD_INIT_FAILED',
        `node initialisation failed: adding feature CustomNetworking=${eniConfigName} to CNINode ${nodeName}: ${errorFacts(error).message}`,
        { step: 'CNINode CustomNetworking' },
        error,
      );
    }
  }
  try {
    await addCniNodeFeature(client, nodeName, { name: 'SecurityGroupsForPods', value: '' });
    declared.push('SecurityGroupsForPods');
  } catch (error) {
    log.error(
      { code: errorFacts(error).code },
      `adding feature SecurityGroupsForPods to CNINode ${nodeName} failed: ${errorFacts(error).message}`,
    );
  }
  if (declared.length > 0) log.info({ features: declared }, `CNINode ${nodeName} has features ${declared.join(', ')}`);
  return declared;
}
