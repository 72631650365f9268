/**
 * Error catalogue of the configuration layer: its one code is docs/errors.md's "Configuration" table (generated into
 * src/error-codes.generated.ts).
 *
 * A {@link ConfigError} lists every problem found in one pass, so that a user fixes the whole environment at once
 * instead of restarting ipamd once per typo.
 *
 * @example
 * try {
 *   loadConfig({ WARM_IP_TARGET: '-1', AWS_VPC_K8S_CNI_VETHPREFIX: 'toolong' });
 * } catch (error) {
 *   if (error instanceof ConfigError) console.error(error.details.problems.join('\n'));
 *   // WARM_IP_TARGET='-1': expected an integer ≥ 0
 *   // AWS_VPC_K8S_CNI_VETHPREFIX='toolong': expected at most 4 characters, not eth/lo/vlan
 * }
 */
import { catalogueError } from '../errors.js';
import { CONFIG_ERRORS } from '../error-codes.generated.js';

export { CONFIG_ERRORS };

export type ConfigErrorCode = keyof typeof CONFIG_ERRORS;

export interface ConfigErrorDetails {
  /** One line per problem, in the order of `CONFIG_VARIABLES`, then the cross-variable rules. */
  readonly problems: readonly string[];
}

export class ConfigError extends catalogueError<typeof CONFIG_ERRORS, ConfigErrorDetails>(CONFIG_ERRORS) {}

/**
 * The environment is invalid: one error listing every problem, e.g. `WARM_IP_TARGET='-1': expected an integer ≥ 0`.
 *
 * @example
 * invalidConfig(["MAX_ENI='0': expected an integer ≥ 1 (unset it to use the instance limit)"]).cniCode; // 4
 */
export function invalidConfig(problems: readonly string[]): ConfigError {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  const list = problems.map((p) => `  - ${p}`).join('\n');
  return new ConfigError('INVALID_CONFIG', `invalid configuration (${count}):\n${list}`, {
    problems: Object.freeze([...problems]),
  });
}
