/**
 * Error catalogue of the command line: a wrong command line (exit 2 with the command's usage) and the introspection
 * client behind `vpc-cni status` and `vpc-cni get`. Every code is documented in docs/errors.md.
 */
import { catalogueError, errorGuard, type ErrorCatalogue } from '../errors.js';

export const CLI_ERRORS = {
  CLI_USAGE: {
    cniCode: 999,
    summary:
      'The command line is wrong (unknown flag, missing or malformed value); the command prints its usage and exits 2.',
  },
  STATUS_UNREACHABLE: {
    cniCode: 999,
    summary: 'Nothing answers at the introspection endpoint (refused, timed out): is ipamd (or the demo) running?',
  },
  STATUS_NOT_IPAMD: {
    cniCode: 999,
    summary:
      "The endpoint answered, but not with ipamd's introspection JSON: wrong port (metrics are on 61678, introspection on 61679)?",
  },
  STATUS_NOT_READY: {
    cniCode: 999,
    summary: 'ipamd answers but is not ready yet (HTTP 503, e.g. no pool report before its first pool check); retry.',
  },
  STATUS_UNKNOWN_NODE: {
    cniCode: 999,
    summary: "--node names no node of the running demo; the message lists the demo's nodes.",
  },
} as const satisfies ErrorCatalogue;

export type CliErrorCode = keyof typeof CLI_ERRORS;

export class CliError extends catalogueError(CLI_ERRORS) {}

export const isCliError = errorGuard(CliError);
