/**
 * Error catalogue of ipamd's core (node initialisation, the pool loop, the CNI backend). Pool exhaustion reuses the
 * IPAM core's `NO_AVAILABLE_ADDRESS`, EC2 failures keep their `CLOUD_*` codes and checkpoint I/O its
 * `CHECKPOINT_*_FAILED` codes; these are the failures only ipamd itself raises. Documented in docs/errors.md.
 *
 * @example
 * throw new IpamdError('IPAMD_NOT_READY', 'ipamd is still initialising the node');
 */
import { catalogueError, type ErrorCatalogue } from '../errors.js';

export const IPAMD_ERRORS = {
  IPAMD_NOT_READY: {
    cniCode: 11,
    summary: 'ipamd has not finished node initialisation (or it failed); the runtime retries the ADD.',
  },
  IPAMD_INIT_FAILED: {
    cniCode: 999,
    summary:
      'Node initialisation failed (IMDS, instance limits, host networking or an unsupported mode); ipamd exits and is restarted.',
  },
  CHECKPOINT_RESTORE_FAILED: {
    cniCode: 999,
    summary:
      'The IPAM checkpoint exists but cannot be restored (corrupt, other version, two pods claim one address); ipamd refuses to start empty. Move the file aside to start over.',
  },
  NO_USABLE_SUBNET: {
    cniCode: 11,
    summary:
      'No subnet may take a new ENI: subnet discovery found none usable in the zone (or the custom-networking ENIConfig has none).',
  },
  LISTEN_FAILED: {
    cniCode: 999,
    summary:
      'The introspection or metrics listener cannot bind its address (in use by another process, e.g. an old ipamd, or not permitted).',
  },
  UNKNOWN_POD: {
    cniCode: 3,
    summary:
      'DelNetwork for a pod the datastore does not know (already released, or never added); nothing to release, the DEL succeeds.',
  },
} as const satisfies ErrorCatalogue;

export type IpamdErrorCode = keyof typeof IPAMD_ERRORS;

/**
 * An error only ipamd raises; `code` is one of {@link IPAMD_ERRORS}.
 *
 * @example
 * new IpamdError('IPAMD_NOT_READY', 'ipamd is still initialising the node').cniCode; // 11
 */
export class IpamdError extends catalogueError(IPAMD_ERRORS) {}
