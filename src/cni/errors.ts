/**
 * Error catalogue of the aws-cni plugin (src/cni/). Each code maps to the CNI error code the runtime receives in the
 * error JSON on stdout (`{"cniVersion","code","msg","details"}`); the stable code itself travels in `details`, so a
 * kubelet event says why a pod has no network ("no free address", "ipamd not running") rather than "failed".
 * Errors raised below the plugin (RPC_*, NETLINK_*) that reach the runtime unwrapped keep their own codes.
 * Every code is documented in docs/errors.md.
 *
 * @example
 * throw new CniError('CNI_MISSING_ENV', 'required env variables [CNI_NETNS] missing', { variables: ['CNI_NETNS'] });
 */
import {
  catalogueError,
  errorGuard,
  isVpcCniError,
  messageOf,
  type ErrorCatalogue,
  type VpcCniError,
} from '../errors.js';

export const CNI_ERRORS = {
  CNI_INCOMPATIBLE_VERSION: {
    cniCode: 1,
    summary:
      'The network config asks for a CNI version the plugin does not speak, or one too old for the verb (CHECK needs 0.4.0, STATUS and GC 1.1.0).',
  },
  CNI_MISSING_ENV: {
    cniCode: 4,
    summary:
      'A CNI_* variable the verb needs (CNI_COMMAND, CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_PATH) is missing.',
  },
  CNI_INVALID_ENV: {
    cniCode: 4,
    summary:
      'A CNI_* variable is malformed: unknown CNI_COMMAND, hostile CNI_IFNAME or CNI_CONTAINERID, relative CNI_NETNS, bad CNI_ARGS pair or pod name.',
  },
  CNI_DECODE_FAILED: {
    cniCode: 6,
    summary: 'The network config on stdin is not a JSON object (or cniVersion is not a string).',
  },
  CNI_INVALID_CONFIG: {
    cniCode: 7,
    summary:
      'A network config field is invalid (name, vethPrefix, mtu, podSGEnforcingMode, pluginLogLevel, prevResult); the message names the field and what is accepted.',
  },
  CNI_NETNS_MISSING: {
    cniCode: 3,
    summary:
      'The pod network namespace (CNI_NETNS) does not exist on ADD or CHECK, or is not a namespace file (checked before ipamd is asked).',
  },
  CNI_IPAMD_UNREACHABLE: {
    cniCode: 11,
    summary:
      'ipamd is not running or not ready: nothing answered on its socket (named in the message) in time; the runtime retries.',
  },
  CNI_IPAM_FAILED: {
    cniCode: 11,
    summary:
      'ipamd answered but assigned or released no address for a transient reason (its errorCode and errorMessage are kept: no free address, not ready, EC2 limits or throttling).',
  },
  CNI_IPAM_REFUSED: {
    cniCode: 999,
    summary:
      'ipamd refused the request for a reason retrying will not fix (invalid request, version mismatch, ...); its errorCode and errorMessage are kept.',
  },
  CNI_UNSUPPORTED_POD: {
    cniCode: 999,
    summary:
      'ipamd gave the pod a branch ENI (security groups for pods) or several addresses; this plugin wires one address per pod. The address is released again.',
  },
  CNI_WIRING_FAILED: {
    cniCode: 999,
    summary:
      'Setting up the veth, addresses, routes or rules of the pod failed; the ADD was undone (teardown, address released).',
  },
  CNI_TEARDOWN_FAILED: {
    cniCode: 999,
    summary: 'Removing the host routes and rules of a deleted pod failed (its address is already released in ipamd).',
  },
  CNI_CHECK_FAILED: {
    cniCode: 999,
    summary: 'CHECK found the pod network different from its ADD result; the message lists every difference.',
  },
  CNI_PLUGIN_UNAVAILABLE: {
    cniCode: 50,
    summary: 'STATUS: ipamd is down or not serving, so the plugin cannot serve ADD requests.',
  },
  CNI_INTERNAL: {
    cniCode: 999,
    summary: 'An unexpected failure inside the plugin (a bug); the message has the original error.',
  },
} as const satisfies ErrorCatalogue;

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
