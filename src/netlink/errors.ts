/**
 * Error catalogue of the networking adapter (src/netlink/): spawned `ip`/`nsenter`/`sysctl` commands, their
 * classified failures, and the embedded VPC's data-plane fabric. The codes are docs/errors.md's "Networking adapter"
 * table (generated into src/error-codes.generated.ts).
 *
 * Failures of a spawned command keep what a human needs to reproduce them in `details`: the full argv
 * (`command`), the namespace it ran in (`netns`), the exit code and stderr, and for a batch the 1-based line.
 *
 * @example
 * try { await exec.ip(linkSetUp('eth9'), { netns: 'vcni-1-1-n1' }); }
 * catch (error) { if (error instanceof NetlinkError && error.code === 'LINK_NOT_FOUND') ... }
 */
import { catalogueError, errorGuard } from '../errors.js';
import { NETLINK_ERRORS } from '../error-codes.generated.js';

export { NETLINK_ERRORS };

export type NetlinkErrorCode = keyof typeof NETLINK_ERRORS;

export class NetlinkError extends catalogueError(NETLINK_ERRORS) {}

/** True when `error` is a {@link NetlinkError} with one of the given codes. */
export const isNetlinkError = errorGuard(NetlinkError);
