/**
 * Error catalogue of the networking adapter (src/netlink/): spawned `ip`/`nsenter`/`sysctl` commands, their
 * classified failures, and the embedded VPC's data-plane fabric. Every code is documented in docs/errors.md.
 *
 * Failures of a spawned command keep what a human needs to reproduce them in `details`: the full argv
 * (`command`), the namespace it ran in (`netns`), the exit code and stderr, and for a batch the 1-based line.
 *
 * @example
 * try { await exec.ip(linkSetUp('eth9'), { netns: 'vcni-1-1-n1' }); }
 * catch (error) { if (error instanceof NetlinkError && error.code === 'LINK_NOT_FOUND') ... }
 */
import { catalogueError, errorGuard, type ErrorCatalogue } from '../errors.js';

export const NETLINK_ERRORS = {
  NETLINK_COMMAND_FAILED: {
    cniCode: 999,
    summary: 'A spawned command (ip, nsenter, sysctl) exited non-zero for a reason not classified below.',
  },
  NETLINK_EXISTS: { cniCode: 999, summary: 'The kernel object already exists (EEXIST: "File exists").' },
  NETLINK_NOT_FOUND: {
    cniCode: 999,
    summary: 'The route, address, neighbour, rule or namespace file to remove does not exist.',
  },
  LINK_NOT_FOUND: { cniCode: 999, summary: 'No network device of that name in the namespace ("Cannot find device").' },
  NETNS_NOT_FOUND: { cniCode: 3, summary: 'The network namespace (name or path) does not exist.' },
  NETLINK_TIMEOUT: { cniCode: 11, summary: 'A spawned command did not finish in time and was killed.' },
  NETLINK_SPAWN_FAILED: { cniCode: 999, summary: 'The program could not be started (not installed, not executable).' },
  NETLINK_INVALID_ARGUMENT: {
    cniCode: 999,
    summary:
      'A command builder refused an argument (bad name, MAC, address, number) or a confined executor refused to run outside a namespace.',
  },
  NETLINK_BAD_OUTPUT: { cniCode: 999, summary: 'The output of `ip -json` did not parse as JSON.' },
  ENI_LINK_NOT_FOUND: {
    cniCode: 999,
    summary:
      "No link with the ENI's MAC address appeared in the node namespace within the retries (the ENI is not attached yet, or gone).",
  },
  IPTABLES_FAILED: {
    cniCode: 999,
    summary:
      'iptables, iptables-save or iptables-restore failed inside the node namespace (details: argv, stderr, the restore input).',
  },
  FABRIC_UNKNOWN_NODE: { cniCode: 999, summary: 'The VPC fabric has no node namespace for this instance or name.' },
  FABRIC_UNKNOWN_ENI: { cniCode: 999, summary: 'No ENI is plugged into the VPC fabric at this node and device index.' },
  FABRIC_ENI_CONFLICT: {
    cniCode: 999,
    summary: 'Another ENI (a different MAC) is already plugged at this node and device index.',
  },
  FABRIC_BAD_EVENT: {
    cniCode: 999,
    summary: 'A VPC store event cannot be mirrored (an attached ENI without attachment, or in an unknown subnet).',
  },
  FABRIC_DESTROYED: { cniCode: 999, summary: 'The VPC fabric was destroyed; it accepts no more operations.' },
} as const satisfies ErrorCatalogue;

export type NetlinkErrorCode = keyof typeof NETLINK_ERRORS;

export class NetlinkError extends catalogueError(NETLINK_ERRORS) {}

/** True when `error` is a {@link NetlinkError} with one of the given codes. */
export const isNetlinkError = errorGuard(NetlinkError);
