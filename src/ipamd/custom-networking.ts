/**
 * Custom networking for ipamd's composition root: the node's facts from IMDS (zone, VPC, the primary ENI's security
 * groups), then the node source — Kubernetes on ipamd's shared client when there is a cluster (kubernetes/open.ts),
 * else the static source (VPC_CNI_NODE_INFO_FILE, VPC_CNI_ENICONFIG_DIR) — and the ENIConfig source built on it.
 *
 * @example
 * const cn = await openCustomNetworkingFor(loaded, { imds, ec2, logger, nodeName, cluster: { target, client } });
 * new Ipamd({ ...deps, eniConfigSource: cn.eniConfigSource });
 */
import type { LoadedConfig } from '../config/index.js';
import type { KubeTarget } from '../config/k8s-env.js';
import { openCustomNetworking, type CustomNetworking } from '../eniconfig/open.js';
import type { Ec2Api } from '../cloud/ec2/port.js';
import type { Imds } from '../cloud/imds/port.js';
import type { K8sClient } from '../k8s/client.js';
import type { Logger } from '../obs/logger.js';

export async function openCustomNetworkingFor(
  loaded: LoadedConfig,
  ports: {
    readonly imds: Imds;
    readonly ec2: Ec2Api;
    readonly logger: Logger;
    /** MY_NODE_NAME, or the EKS name of this instance. */
    readonly nodeName: string;
    /** The API server and ipamd's client for it; undefined without a cluster. */
    readonly cluster: { readonly target: KubeTarget; readonly client: K8sClient } | undefined;
  },
): Promise<CustomNetworking> {
  const { config } = loaded;
  const { nodeName, cluster } = ports;
  const identity = await ports.imds.identity();
  const primary = await ports.imds.eni(identity.primaryMac, { prefixes: false });
  const log = ports.logger.child({ component: 'custom-networking' });
  return openCustomNetworking({
    nodeSource:
      cluster === undefined
        ? {
            kind: 'static',
            nodeName,
            ...(config.customNetworking.staticNodeFile === undefined
              ? {}
              : { nodeFile: config.customNetworking.staticNodeFile }),
            ...(config.customNetworking.staticEniConfigDir === undefined
              ? {}
              : { eniConfigDir: config.customNetworking.staticEniConfigDir }),
            log,
          }
        : { kind: 'kubernetes', target: cluster.target, client: cluster.client, nodeName, log },
    ec2: ports.ec2,
    keys: {
      annotationKey: config.customNetworking.eniConfigAnnotationKey,
      labelKey: config.customNetworking.eniConfigLabelKey,
    },
    node: { az: identity.availabilityZone, vpcId: primary.vpcId, primaryEniSecurityGroups: primary.securityGroupIds },
    log,
  });
}
