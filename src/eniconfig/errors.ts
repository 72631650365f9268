/**
 * Error catalogue of custom networking: ENIConfig documents that do not parse, names that clash, and ENIConfigs that
 * do not fit the node's VPC. Each message says exactly what is wrong (the document, the field, both zones, the
 * unknown group), because "failed to allocate" is what users get from the reference [pain-points §5; pain-points §9].
 * Documented in docs/errors.md.
 *
 * @example
 * throw new EniConfigError('ENICONFIG_NOT_FOUND', "ENIConfig 'us-west-2a' does not exist", { name: 'us-west-2a' });
 */
import { catalogueError, errorGuard, type ErrorCatalogue } from '../errors.js';

export const ENICONFIG_ERRORS = {
  ENICONFIG_INVALID_DOCUMENT: {
    cniCode: 7,
    summary:
      'A document is not a valid ENIConfig: bad YAML or JSON, wrong apiVersion or kind, missing metadata.name or spec.subnet, a field of the wrong type. The message names the file, the document and the field.',
  },
  ENICONFIG_DUPLICATE_NAME: {
    cniCode: 7,
    summary:
      'Two or more documents define an ENIConfig with the same name (the seed\'s three "group1-pod-netconfig" files); the message names it and every file.',
  },
  ENICONFIG_NOT_FOUND: {
    cniCode: 11,
    summary:
      'The ENIConfig chosen for this node (label, annotation or "default") does not exist; no ENI can be added until it does.',
  },
  ENICONFIG_SUBNET_NOT_FOUND: {
    cniCode: 7,
    summary: "The ENIConfig's spec.subnet does not exist in EC2 (a typo, or another region or account).",
  },
  ENICONFIG_SUBNET_WRONG_AZ: {
    cniCode: 7,
    summary:
      "The ENIConfig's subnet is in another availability zone than the node; the message names both zones. ENIs can only use subnets of their instance's zone.",
  },
  ENICONFIG_SUBNET_WRONG_VPC: { cniCode: 7, summary: "The ENIConfig's subnet belongs to another VPC than the node's." },
  ENICONFIG_SECURITY_GROUP_NOT_FOUND: {
    cniCode: 7,
    summary: 'A security group of spec.securityGroups does not exist in EC2.',
  },
  ENICONFIG_SECURITY_GROUP_WRONG_VPC: {
    cniCode: 7,
    summary: "A security group of spec.securityGroups belongs to another VPC than the node's.",
  },
  ENICONFIG_SUBNET_FULL: {
    cniCode: 11,
    summary:
      "The ENIConfig's subnet has fewer free addresses than a new ENI needs (or none at all); grow it or point the ENIConfig at a larger one.",
  },
  NODE_INFO_INVALID: {
    cniCode: 7,
    summary:
      'The static node file (name, labels, annotations, capacity) is not valid YAML or JSON of the expected shape; the message names the file and the field.',
  },
  NODE_INFO_UNAVAILABLE: {
    cniCode: 11,
    summary:
      "The node's labels and annotations cannot be read (API server unreachable, Node object missing, source closed); custom networking cannot choose an ENIConfig.",
  },
} as const satisfies ErrorCatalogue;

export type EniConfigErrorCode = keyof typeof ENICONFIG_ERRORS;

/**
 * A custom-networking error; `code` is one of {@link ENICONFIG_ERRORS}.
 *
 * @example
 * new EniConfigError('ENICONFIG_SUBNET_WRONG_AZ', '...').cniCode; // 7
 */
export class EniConfigError extends catalogueError(ENICONFIG_ERRORS) {}

/**
 * True for an {@link EniConfigError}, optionally of one code.
 *
 * @example
 * if (isEniConfigError(error, 'ENICONFIG_NOT_FOUND')) log.warn({}, error.message);
 */
export const isEniConfigError = errorGuard(EniConfigError);
