/**
 * What the loader says about an environment, for tests of the variables and the rules between them.
 *
 * @example
 * problems({ WARM_IP_TARGET: '-1' }); // ["WARM_IP_TARGET='-1': expected an integer ≥ 0"]
 * problems({}); // []
 */
import { ConfigError } from './errors.js';
import { loadConfig, type Environment } from './load.js';

/** Every problem loadConfig reports for `env`, in its order; none when it loads. Other errors are thrown. */
export function problems(env: Environment): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.details.problems;
    throw error;
  }
  return [];
}
