/**
 * The CNI plugin's environment: the CNI_* variables a container runtime sets for each call (CNI spec "Parameters").
 * The one place the plugin reads `process.env`; src/cni/ takes the returned record as a parameter so it stays
 * testable without touching the process environment.
 */

/** The variables the CNI protocol defines (CNI_NETNS_OVERRIDE is libcni's test hook, read for completeness). */
export const CNI_ENV_VARIABLES = [
  'CNI_COMMAND',
  'CNI_CONTAINERID',
  'CNI_NETNS',
  'CNI_IFNAME',
  'CNI_ARGS',
  'CNI_PATH',
  'CNI_NETNS_OVERRIDE',
] as const;

export type CniEnvVariable = (typeof CNI_ENV_VARIABLES)[number];

/**
 * The CNI_* variables of this process (absent ones are `undefined`).
 *
 * @example
 * const output = await runPlugin({ env: readCniEnvironment(), stdin, deps });
 */
export function readCniEnvironment(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const name of CNI_ENV_VARIABLES) env[name] = process.env[name];
  return env;
}
