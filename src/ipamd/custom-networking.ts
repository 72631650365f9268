/**
 * Custom networking for ipamd's composition root: the node's facts from IMDS (zone, VPC, the primary ENI's security
 * groups), then the node source — Kubernetes when KUBECONFIG or the in-cluster service is configured, else the
 * static source (VPC_CNI_NODE_INFO_FILE, VPC_CNI_ENICONFIG_DIR) — and the ENIConfig source built on it.
 *
 * @example
 * const cn = await openCustomNetworkingFor(loaded, { imds, ec2, logger });
 * new Ipamd({ ...deps, eniConfigSource: cn.eniConfigSource });
 */
import type { LoadedConfig } from '../config/index.js';
import { kubeTargetFromEnvironment } from '../config/k8s-env.js';
import { openCustomNetworking, type CustomNetworking } from '../eniconfig/open.js';
import type { Ec2Api } from '../cloud/ec2/port.js';
import type { Imds } from '../cloud/imds/port.js';
import type { Logger } from '../obs/logger.js';

export async function openCustomNetworkingFor(
  loaded: LoadedConfig,
  ports: { readonly imds: Imds; readonly ec2: Ec2Api; readonly logger: Logger },
): Promise<CustomNetworking> {
  const { config } = loaded;
  const identity = await ports.imds.identity();
  const primary = await ports.imds.eni(identity.primaryMac, { prefixes: false });
  const region = config.endpoints.region ?? identity.region;
  // EKS names nodes after their private DNS name; MY_NODE_NAME says otherwise.
  const nodeName = config.node.name ?? `ip-${identity.localIpv4.replaceAll('.', '-')}.${region}.compute.internal`;
  const target = kubeTargetFromEnvironment();
  const log = ports.logger.child({ component: 'custom-networking' });
  return openCustomNetworking({
    nodeSource:
      target === undefined
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
        : { kind: 'kubernetes', target, nodeName, log },
    ec2: ports.ec2,
    keys: {
      annotationKey: config.customNetworking.eniConfigAnnotationKey,
      labelKey: config.customNetworking.eniConfigLabelKey,
    },
    node: { az: identity.availabilityZone, vpcId: primary.vpcId, primaryEniSecurityGroups: primary.securityGroupIds },
    log,
  });
}
