/**
 * Error catalogue of custom networking: ENIConfig documents that do not parse, names that clash, and ENIConfigs that
 * do not fit the node's VPC. Each message says exactly what is wrong (the document, the field, both zones, the
 * unknown group), because "failed to allocate" is what users get from the reference [pain-points §5; pain-points §9].
 * The codes are docs/errors.md's "ENIConfig and node facts" table (generated into src/error-codes.generated.ts).
 *
 * @example
 * throw new EniConfigError('ENICONFIG_NOT_FOUND', "ENIConfig 'us-west-2a' does not exist", { name: 'us-west-2a' });
 */
import { catalogueError, errorGuard } from '../errors.js';
import { ENICONFIG_ERRORS } from '../error-codes.generated.js';

export { ENICONFIG_ERRORS };

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
