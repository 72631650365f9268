/**
 * Error catalogue of `vpc-cni custom-networking plan|apply|validate`. Each refusal names what is wrong and what to
 * do instead, before anything is changed; every code is documented in docs/errors.md. EC2 failures keep the cloud
 * adapter's CloudError (`CLOUD_*`), which names EC2's own code.
 *
 * @example
 * throw new CustomNetworkingError('CN_CIDR_OVERLAP', "100.64.0.0/16 overlaps the VPC's block 100.64.0.0/10", { cidr });
 */
import { catalogueError, type ErrorCatalogue } from '../errors.js';

export const CUSTOM_NETWORKING_ERRORS = {
  CN_VPC_NOT_FOUND: {
    cniCode: 999,
    summary: 'No VPC has the Name tag or kubernetes.io/cluster/NAME tags of --cluster, or --vpc-id does not exist.',
  },
  CN_VPC_AMBIGUOUS: { cniCode: 999, summary: 'Several VPCs match --cluster; pass --vpc-id.' },
  CN_NO_NODES: {
    cniCode: 999,
    summary: 'No running instance of the cluster (or of --nodes) was found in the VPC; pass --azs or check the tags.',
  },
  CN_AZ_UNKNOWN: { cniCode: 999, summary: '--azs names an availability zone the region does not have.' },
  CN_CIDR_INVALID: {
    cniCode: 999,
    summary: '--cidr is not a /16../28 IPv4 block, or it cannot hold one --subnet-size subnet per availability zone.',
  },
  CN_CIDR_OVERLAP: {
    cniCode: 999,
    summary: '--cidr overlaps a block already associated with the VPC (EC2 would answer InvalidVpc.Range).',
  },
  CN_CIDR_NOT_ALLOWED: {
    cniCode: 999,
    summary:
      "EC2's association rules refuse --cidr for this VPC (e.g. 192.168.0.0/16 on a 10/8 VPC); use 100.64.0.0/10 space.",
  },
  CN_CIDR_LIMIT: { cniCode: 999, summary: 'The VPC already has 5 IPv4 CIDR blocks (the default quota).' },
  CN_CIDR_ASSOCIATION_FAILED: {
    cniCode: 999,
    summary: 'The CIDR association ended in state failed, or did not become associated in time.',
  },
  CN_SUBNET_NOT_FOUND: {
    cniCode: 999,
    summary: 'A subnet given with --subnet does not exist, or belongs to another VPC.',
  },
  CN_SUBNET_WRONG_AZ: {
    cniCode: 999,
    summary: 'A pod subnet is not in the availability zone of the nodes that would use it (EC2 rejects the ENIs).',
  },
  CN_SUBNET_TOO_SMALL: {
    cniCode: 999,
    summary:
      'A pod subnet has fewer usable addresses than its nodes need (max pods × nodes, or /28 prefixes); use a larger --subnet-size.',
  },
  CN_ROUTE_TABLE_CONFLICT: {
    cniCode: 999,
    summary: "A pod subnet is explicitly associated with another route table than its nodes' subnet.",
  },
  CN_SG_NOT_FOUND: { cniCode: 999, summary: 'A security group does not exist.' },
  CN_SG_OTHER_VPC: { cniCode: 999, summary: 'A security group belongs to another VPC than the pod subnets.' },
  CN_DUPLICATE_ENICONFIG: {
    cniCode: 999,
    summary: 'Several ENIConfig documents carry the same metadata.name; the last one applied would win.',
  },
  CN_ENICONFIG_INVALID: {
    cniCode: 999,
    summary: '`validate` found problems in ENIConfig manifests or node annotations; each is listed.',
  },
  CN_MANIFEST_UNREADABLE: {
    cniCode: 999,
    summary: 'A manifest or node-mapping file cannot be read or is not YAML/JSON.',
  },
  CN_STATIC_DIR_FAILED: {
    cniCode: 999,
    summary: 'Writing the ENIConfig documents or the node mapping to --static-dir failed.',
  },
  CN_VERIFY_FAILED: {
    cniCode: 999,
    summary: 'After apply, the VPC or the static source does not show the planned end state; run apply again.',
  },
} as const satisfies ErrorCatalogue;

export type CustomNetworkingErrorCode = keyof typeof CUSTOM_NETWORKING_ERRORS;

/**
 * A refusal or failure of the custom-networking workflow; the CLI prints the message and exits 1.
 *
 * @example
 * new CustomNetworkingError('CN_SG_OTHER_VPC', 'sg-1 belongs to vpc-2').cniCode; // 999
 */
export class CustomNetworkingError extends catalogueError(CUSTOM_NETWORKING_ERRORS) {}
