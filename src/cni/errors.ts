/**
 * Error catalogue of the aws-cni plugin (src/cni/). Each code maps to the CNI error code the runtime receives in the
 * error JSON on stdout (`{"cniVersion","code","msg","details"}`); the stable code itself travels in `details`, so a
 * kubelet event says why a pod has no network ("no free address", "ipamd not running") rather than "failed".
 * Errors raised below the plugin (RPC_*, NETLINK_*) that reach the runtime unwrapped keep their own codes.
 * The codes are docs/errors.md's "CNI plugin" table (generated into src/error-codes.generated.ts).
 *
 * @example
 * throw new CniError('CNI_MISSING_ENV', 'required env variables [CNI_NETNS] missing', { variables: ['CNI_NETNS'] });
 */
import { catalogueError, errorGuard, isVpcCniError, messageOf, type VpcCniError } from '../errors.js';
import { CNI_ERRORS } from '../error-codes.generated.js';

export { CNI_ERRORS };

export type CniErrorCode = keyof typeof CNI_ERRORS;

export class CniError extends catalogueError(CNI_ERRORS) {}

/** True when `error` is a {@link CniError} with one of the given codes (any code when none are given). */
export const isCniError = errorGuard(CniError);

/** What the plugin asked ipamd for, in messages: "add" assigns, "del" releases. */
export type IpamdAction = 'add' | 'del';

/**
 * The error for a reply with `success: false`: CNI_IPAM_FAILED (11) when ipamd's catalogue gives its reason CNI code
 * 11 (try again later: no free address yet, not ready, EC2 limits or throttling) or gives no reason at all, else
 * CNI_IPAM_REFUSED (999); both keep ipamd's errorCode and errorMessage.
 *
 * @example
 * ipamdReplyError('add', 'default/web-0', { errorCode: 'NO_AVAILABLE_ADDRESS', errorCniCode: 11, errorMessage: '…' });
 */
export function ipamdReplyError(
  action: IpamdAction,
  pod: string,
  reply: { readonly errorCode: string; readonly errorCniCode: number; readonly errorMessage: string },
): CniError {
  const verb = action === 'add' ? 'assign an address to' : 'release the address of';
  const reason = reply.errorMessage === '' ? 'no reason given' : reply.errorMessage;
  const transient = reply.errorCniCode === 11 || (reply.errorCode === '' && reply.errorCniCode === 0);
  const code = transient ? 'CNI_IPAM_FAILED' : 'CNI_IPAM_REFUSED';
  const tag = reply.errorCode === '' ? '' : ` (${reply.errorCode})`;
  return new CniError(code, `${action}: ipamd could not ${verb} pod ${pod}${tag}: ${reason}`, {
    ipamdErrorCode: reply.errorCode,
    ipamdErrorMessage: reply.errorMessage,
  });
}

/** True for an RPC failure meaning "nobody (ready) on ipamd's socket": RPC_UNAVAILABLE or RPC_TIMEOUT. */
export function isIpamdUnreachable(error: unknown): boolean {
  return isVpcCniError(error) && (error.code === 'RPC_UNAVAILABLE' || error.code === 'RPC_TIMEOUT');
}

/**
 * The error for a failed call to ipamd: unreachable → CNI_IPAMD_UNREACHABLE (11) with the socket named; other
 * RPC_* errors keep their code; anything else is CNI_INTERNAL.
 */
export function ipamdCallError(action: IpamdAction, error: unknown): VpcCniError {
  if (isIpamdUnreachable(error) && isVpcCniError(error)) {
    const socket = error.details['socketPath'];
    const named = typeof socket === 'string' && !error.message.includes(socket) ? ` (socket ${socket})` : '';
    return new CniError(
      'CNI_IPAMD_UNREACHABLE',
      `${action}: ${error.message}${named}`,
      { rpcCode: error.code, ...error.details },
      error,
    );
  }
  if (isVpcCniError(error)) return error;
  return new CniError('CNI_INTERNAL', `${action}: calling ipamd failed: ${messageOf(error)}`, {}, error);
}

/** The stable code of one of our errors (NETLINK_*, RPC_*, ...), or undefined for anything else. */
export function codeOf(error: unknown): string | undefined {
  return isVpcCniError(error) ? error.code : undefined;
}
