/**
 * Error catalogue of the embedded VPC's program layer (state files, scenarios, start-up). EC2 wire errors are not
 * here: they are {@link Ec2Error}s with EC2's own codes. Every code is documented in docs/errors.md.
 */
import { catalogueError, errorGuard, type ErrorCatalogue } from '../errors.js';

export const SIM_ERRORS = {
  SIM_STATE_INVALID: {
    cniCode: 999,
    summary:
      'The --state file is not a vpc-cni-sim/1 state (bad JSON or shape); the simulator refuses to start rather than start empty.',
  },
  SIM_UNKNOWN_SCENARIO: { cniCode: 999, summary: 'No scenario of that name; the message lists the known ones.' },
  SIM_NOT_LOOPBACK: {
    cniCode: 999,
    summary: 'The simulator binds only loopback addresses (127.0.0.0/8, ::1, localhost).',
  },
  SIM_DATA_PLANE_UNAVAILABLE: {
    cniCode: 999,
    summary: '--data-plane needs root and working `ip netns`; run without it for a control-plane-only VPC.',
  },
  SIM_ADMIN_REQUEST: {
    cniCode: 999,
    summary:
      'A request to the /_sim/ admin API was refused (unknown endpoint or method, body not JSON or not of the documented shape); the JSON answer names the problem.',
  },
} as const satisfies ErrorCatalogue;

export type SimErrorCode = keyof typeof SIM_ERRORS;

export class SimError extends catalogueError(SIM_ERRORS) {}

export const isSimError = errorGuard(SimError);
