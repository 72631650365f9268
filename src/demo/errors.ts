/**
 * Error catalogue of `vpc-cni demo` (start-up checks, nodes, pods, the control socket). Every message says what is
 * wrong and what to do; the codes are docs/errors.md's "Demo" table (generated into src/error-codes.generated.ts).
 */
import { catalogueError } from '../errors.js';
import { DEMO_ERRORS } from '../error-codes.generated.js';

export { DEMO_ERRORS };

export type DemoErrorCode = keyof typeof DEMO_ERRORS;

export class DemoError extends catalogueError(DEMO_ERRORS) {}
