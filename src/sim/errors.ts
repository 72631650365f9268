/**
 * Error catalogue of the embedded VPC's program layer (state files, scenarios, start-up). EC2 wire errors are not
 * here: they are {@link Ec2Error}s with EC2's own codes. The codes are docs/errors.md's "Embedded VPC program" table
 * (generated into src/error-codes.generated.ts).
 */
import { catalogueError, errorGuard } from '../errors.js';
import { SIM_ERRORS } from '../error-codes.generated.js';

export { SIM_ERRORS };

export type SimErrorCode = keyof typeof SIM_ERRORS;

export class SimError extends catalogueError(SIM_ERRORS) {}

export const isSimError = errorGuard(SimError);
