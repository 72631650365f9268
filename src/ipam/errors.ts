/**
 * Error catalogue of the IPAM core (datastore, checkpoint, pool policy, instance limits, max pods).
 * The codes are docs/errors.md's "IPAM core" table (generated into src/error-codes.generated.ts).
 */
import { catalogueError, errorGuard } from '../errors.js';
import { IPAM_ERRORS } from '../error-codes.generated.js';

export { IPAM_ERRORS };

export type IpamErrorCode = keyof typeof IPAM_ERRORS;

export class IpamError extends catalogueError(IPAM_ERRORS) {}

export const isIpamError = errorGuard(IpamError);
