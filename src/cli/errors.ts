/**
 * Error catalogue of the command line: a wrong command line (exit 2 with the command's usage) and the introspection
 * client behind `vpc-cni status` and `vpc-cni get`. The codes are docs/errors.md's "Command line" table (generated
 * into src/error-codes.generated.ts).
 */
import { catalogueError, errorGuard } from '../errors.js';
import { CLI_ERRORS } from '../error-codes.generated.js';

export { CLI_ERRORS };

export type CliErrorCode = keyof typeof CLI_ERRORS;

export class CliError extends catalogueError(CLI_ERRORS) {}

export const isCliError = errorGuard(CliError);
