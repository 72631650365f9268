/**
 * Error catalogue of the cloud adapters (EC2 and IMDS through the AWS SDK). EC2's own error code is kept in
 * `details.awsCode`; the stable code here says what it means for a pod or for the pool, so that a pod that cannot get
 * an address learns why ("subnet full", "throttled", "ENI limit") instead of "failed". The codes are docs/errors.md's
 * "Cloud adapters" table (generated into src/error-codes.generated.ts).
 */
import { catalogueError, errorGuard } from '../errors.js';
import { CLOUD_ERRORS } from '../error-codes.generated.js';

export { CLOUD_ERRORS };

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
