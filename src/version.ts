/** The product version, and the RPC client version the plugin sends and ipamd requires (they ship together). */
export const VERSION = '0.1.0';
export const RPC_CLIENT_VERSION = `vpc-cni/${VERSION}`;

/**
 * The user agent product token of our EC2 (and Kubernetes) calls: ours, so that CloudTrail does not attribute them to
 * the reference. VPC_CNI_VERSION (the reference's user-agent suffix, set by its manifest) is kept as a second token
 * when it names something else, so a fleet's deployments stay tellable apart.
 *
 * @example
 * productUserAgent(undefined); // 'vpc-cni/0.1.0'
 * productUserAgent('v1.23.1'); // 'vpc-cni/0.1.0 vpc-cni-deployment/v1.23.1'
 */
export function productUserAgent(cniVersion: string | undefined): string {
  const product = `vpc-cni/${VERSION}`;
  return cniVersion === undefined || cniVersion === VERSION || cniVersion === `v${VERSION}`
    ? product
    : `${product} vpc-cni-deployment/${cniVersion}`;
}
