/**
 * Error catalogue of the embedded VPC's program layer (state files, scenarios, start-up). EC2 wire errors are not
 * here: they are {@link Ec2Error}s with EC2's own codes. Every code is documented in docs/errors.md.
 */
import { VpcCniError, type CniCode } from '../errors.js';

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
} as const satisfies Record<string, { cniCode: CniCode; summary: string }>;

export type SimErrorCode = keyof typeof SIM_ERRORS;

export class SimError extends VpcCniError {
  declare readonly code: SimErrorCode;

  constructor(
    code: SimErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(code, message, { cniCode: SIM_ERRORS[code].cniCode, ...options });
  }
}
