/**
 * Error catalogue of ipamd's core (node initialisation, the pool loop, the CNI backend). Pool exhaustion reuses the
 * IPAM core's `NO_AVAILABLE_ADDRESS`, EC2 failures keep their `CLOUD_*` codes and checkpoint I/O its
 * `CHECKPOINT_*_FAILED` codes; these are the failures only ipamd itself raises. The codes are docs/errors.md's "ipamd"
 * table (generated into src/error-codes.generated.ts).
 *
 * @example
 * throw new IpamdError('IPAMD_NOT_READY', 'ipamd is still initialising the node');
 */
import { catalogueError } from '../errors.js';
import { IPAMD_ERRORS } from '../error-codes.generated.js';

export { IPAMD_ERRORS };

export type IpamdErrorCode = keyof typeof IPAMD_ERRORS;

/**
 * An error only ipamd raises; `code` is one of {@link IPAMD_ERRORS}.
 *
 * @example
 * new IpamdError('IPAMD_NOT_READY', 'ipamd is still initialising the node').cniCode; // 11
 */
export class IpamdError extends catalogueError(IPAMD_ERRORS) {}
