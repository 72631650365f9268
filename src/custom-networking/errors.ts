/**
 * Error catalogue of `vpc-cni custom-networking plan|apply|validate`. Each refusal names what is wrong and what to
 * do instead, before anything is changed; the codes are docs/errors.md's "Custom networking workflow" table
 * (generated into src/error-codes.generated.ts). EC2 failures keep the cloud adapter's CloudError (`CLOUD_*`), which
 * names EC2's own code.
 *
 * @example
 * throw new CustomNetworkingError('CN_CIDR_OVERLAP', "100.64.0.0/16 overlaps the VPC's block 100.64.0.0/10", { cidr });
 */
import { catalogueError, messageOf } from '../errors.js';
import { CUSTOM_NETWORKING_ERRORS } from '../error-codes.generated.js';

export { CUSTOM_NETWORKING_ERRORS };

export type CustomNetworkingErrorCode = keyof typeof CUSTOM_NETWORKING_ERRORS;

/**
 * A refusal or failure of the custom-networking workflow; the CLI prints the message and exits 1.
 *
 * @example
 * new CustomNetworkingError('CN_SG_OTHER_VPC', 'sg-1 belongs to vpc-2').cniCode; // 999
 */
export class CustomNetworkingError extends catalogueError(CUSTOM_NETWORKING_ERRORS) {}

/**
 * A file-system failure of the workflow, naming what was done to which path and the system's reason.
 *
 * @example
 * fileError('CN_STATIC_DIR_FAILED', 'write', '/etc/vpc-cni/nodes.yaml', error); // "cannot write /etc/...: EACCES ..."
 */
export function fileError(
  code: CustomNetworkingErrorCode,
  verb: 'read' | 'write' | 'create',
  path: string,
  cause: unknown,
): CustomNetworkingError {
  return new CustomNetworkingError(code, `cannot ${verb} ${path}: ${messageOf(cause)}`, { path }, cause);
}
