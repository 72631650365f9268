/**
 * Error catalogue of the IPAM core (datastore, checkpoint, pool policy, instance limits, max pods).
 * Every code is documented in docs/errors.md; a test keeps the two in step.
 */
import { catalogueError, type ErrorCatalogue } from '../errors.js';

export const IPAM_ERRORS = {
  INVALID_CIDR: {
    cniCode: 7,
    summary: 'An IPv4 address or CIDR block is malformed (or has host bits set where none are allowed).',
  },
  ENI_NOT_FOUND: { cniCode: 999, summary: 'The datastore has no ENI with this id.' },
  DUPLICATE_ENI: { cniCode: 999, summary: 'An ENI with this id is already in the datastore.' },
  DUPLICATE_CIDR: { cniCode: 999, summary: 'The /32 or /28 is already on an ENI of this datastore.' },
  INVALID_ADDRESS_BLOCK: {
    cniCode: 999,
    summary: 'A secondary IP must be a /32 and a delegated prefix a /28 aligned on 16 addresses.',
  },
  CIDR_NOT_FOUND: { cniCode: 999, summary: 'The ENI has no such /32 or /28.' },
  CIDR_IN_USE: { cniCode: 999, summary: 'The /32 or /28 still has pods; only a forced removal may take it.' },
  ENI_IN_USE: { cniCode: 999, summary: 'The ENI still has pods; only a forced removal may take it.' },
  NO_AVAILABLE_ADDRESS: {
    cniCode: 11,
    summary: 'No free address in the warm pool (all assigned or in cooldown); ipamd is growing the pool.',
  },
  ADDRESS_NOT_MANAGED: { cniCode: 999, summary: 'The address is not inside any CIDR of the datastore.' },
  ADDRESS_ALREADY_ASSIGNED: { cniCode: 999, summary: 'The address is already assigned to another IPAM key.' },
  CHECKPOINT_INVALID: {
    cniCode: 999,
    summary: 'The checkpoint file is not valid JSON of the vpc-cni-ipam/1 format; nothing was restored.',
  },
  CHECKPOINT_VERSION: {
    cniCode: 999,
    summary: 'The checkpoint file has another version than vpc-cni-ipam/1; nothing was restored.',
  },
  CHECKPOINT_CONFLICT: {
    cniCode: 999,
    summary: 'Two checkpoint entries claim the same address or key; nothing was restored.',
  },
  UNKNOWN_INSTANCE_TYPE: { cniCode: 999, summary: 'The instance type is not in the limits table.' },
  INVALID_MAX_PODS_INPUT: { cniCode: 999, summary: 'An argument of the max-pods calculation is out of range.' },
} as const satisfies ErrorCatalogue;

export type IpamErrorCode = keyof typeof IPAM_ERRORS;

export class IpamError extends catalogueError(IPAM_ERRORS) {}
