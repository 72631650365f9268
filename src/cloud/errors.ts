/**
 * Error catalogue of the cloud adapters (EC2 and IMDS through the AWS SDK). EC2's own error code is kept in
 * `details.awsCode`; the stable code here says what it means for a pod or for the pool, so that a pod that cannot get
 * an address learns why ("subnet full", "throttled", "ENI limit") instead of "failed". Documented in docs/errors.md.
 */
import { catalogueError, errorGuard, type ErrorCatalogue } from '../errors.js';

export const CLOUD_ERRORS = {
  CLOUD_SUBNET_FULL: {
    cniCode: 11,
    summary:
      'The subnet has no free addresses (EC2 InsufficientFreeAddressesInSubnet); ipamd backs off for 120 s, as the reference does.',
  },
  CLOUD_NO_CIDR_BLOCKS: {
    cniCode: 11,
    summary: 'The subnet has no free aligned /28 for a prefix (EC2 InsufficientCidrBlocks): it is full or fragmented.',
  },
  CLOUD_ENI_LIMIT: {
    cniCode: 11,
    summary: 'The instance type takes no more ENIs (EC2 AttachmentLimitExceeded) or the regional ENI quota is reached.',
  },
  CLOUD_IP_LIMIT: {
    cniCode: 11,
    summary: 'The ENI holds as many addresses and prefixes as its type allows (EC2 PrivateIpAddressLimitExceeded).',
  },
  CLOUD_THROTTLED: {
    cniCode: 11,
    summary:
      'EC2 throttled the request (RequestLimitExceeded) or the client-side budget is spent; retried with back-off.',
  },
  CLOUD_NOT_FOUND: { cniCode: 999, summary: 'EC2 does not know the resource (an Invalid*.NotFound error).' },
  CLOUD_UNAUTHORIZED: {
    cniCode: 999,
    summary: 'EC2 refused the credentials or the IAM policy lacks the action (UnauthorizedOperation, AuthFailure).',
  },
  CLOUD_INVALID_REQUEST: {
    cniCode: 999,
    summary: 'EC2 rejected a parameter (InvalidParameterValue, InvalidParameterCombination, ...).',
  },
  CLOUD_UNAVAILABLE: {
    cniCode: 11,
    summary: 'EC2 could not be reached or failed on its side (5xx, timeout, connection refused) after the retries.',
  },
  CLOUD_EC2_ERROR: { cniCode: 999, summary: 'Another EC2 error; details.awsCode has EC2’s code.' },
  IMDS_ERROR: { cniCode: 999, summary: 'The instance metadata service failed or does not have the path ipamd needs.' },
} as const satisfies ErrorCatalogue;

export type CloudErrorCode = keyof typeof CLOUD_ERRORS;

export interface CloudErrorDetails {
  /** The EC2 operation or IMDS path. */
  readonly operation: string;
  /** EC2's error code (`InsufficientFreeAddressesInSubnet`, ...) when EC2 answered. */
  readonly awsCode?: string;
  readonly httpStatus?: number;
  readonly requestId?: string;
  readonly attempts?: number;
  readonly [key: string]: unknown;
}

export class CloudError extends catalogueError<typeof CLOUD_ERRORS, CloudErrorDetails>(CLOUD_ERRORS) {}

/** True when `error` is a {@link CloudError} with one of the given codes (any code when none are given). */
export const isCloudError = errorGuard(CloudError);
