/**
 * The init container's configuration (`vpc-cni init`, the reference's aws-vpc-cni-init [behaviour §1.1]): only the
 * variables that container uses, parsed with the same schema as ipamd's but without ipamd's cross-variable rules.
 * The reference's manifest gives the init container DISABLE_TCP_EARLY_DEMUX and ENABLE_IPv6 alone; ipamd's rule
 * "ENABLE_IPv6 requires ENABLE_PREFIX_DELEGATION" must not make the init container of an IPv6 cluster fail.
 *
 * As everywhere in vpc-cni, a value that does not parse is refused (the reference falls back to the default).
 *
 * @example
 * const init = loadInitConfig({ DISABLE_TCP_EARLY_DEMUX: 'true' });
 * init.disableTcpEarlyDemux; // true
 * loadInitConfig({ DISABLE_TCP_EARLY_DEMUX: 'maybe' });
 * // throws ConfigError: invalid configuration (1 problem):
 * //   - DISABLE_TCP_EARLY_DEMUX='maybe': expected a boolean: true, false, 1, 0, ...
 */
import { invalidConfig } from './errors.js';
import type { Environment } from './load.js';
import { showValue } from './parsers.js';
import { ENV_SCHEMA } from './schema.js';

/** The variables `vpc-cni init` reads: the reference init container's, and our endpoints and namespace. */
export const INIT_VARIABLES = [
  'DISABLE_TCP_EARLY_DEMUX',
  'ENABLE_IPv6',
  'ENABLE_V6_EGRESS',
  'HOST_CNI_BIN_PATH',
  'AWS_EC2_METADATA_SERVICE_ENDPOINT',
  'VPC_CNI_HOST_NETNS',
] as const;

export interface InitConfig {
  readonly disableTcpEarlyDemux: boolean;
  /** ENABLE_IPv6=true. */
  readonly ipv6: boolean;
  readonly v6Egress: boolean;
  readonly hostCniBinDir: string;
  /** IMDS endpoint; undefined = the link-local default. */
  readonly imds: string | undefined;
  /** The node's network namespace (a path); undefined = the process's own (a host-network container). */
  readonly hostNetns: string | undefined;
}

/**
 * Parses the init container's variables; throws a ConfigError (INVALID_CONFIG) naming every bad one. An empty value
 * counts as unset, as for ipamd.
 */
export function loadInitConfig(env: Environment): InitConfig {
  const problems: string[] = [];
  const parse = <N extends (typeof INIT_VARIABLES)[number]>(name: N): ReturnType<(typeof ENV_SCHEMA)[N]['parse']> => {
    const raw = Object.hasOwn(env, name) && env[name] !== '' ? env[name] : undefined;
    const result = ENV_SCHEMA[name].safeParse(raw);
    if (result.success) return result.data as ReturnType<(typeof ENV_SCHEMA)[N]['parse']>;
    for (const issue of result.error.issues) problems.push(`${name}=${showValue(raw ?? '')}: ${issue.message}`);
    return ENV_SCHEMA[name].parse(undefined) as ReturnType<(typeof ENV_SCHEMA)[N]['parse']>;
  };
  const config: InitConfig = {
    disableTcpEarlyDemux: parse('DISABLE_TCP_EARLY_DEMUX'),
    ipv6: parse('ENABLE_IPv6') === true,
    v6Egress: parse('ENABLE_V6_EGRESS'),
    hostCniBinDir: parse('HOST_CNI_BIN_PATH'),
    imds: parse('AWS_EC2_METADATA_SERVICE_ENDPOINT'),
    hostNetns: parse('VPC_CNI_HOST_NETNS'),
  };
  if (problems.length > 0) throw invalidConfig(problems);
  return Object.freeze(config);
}

/**
 * {@link loadInitConfig} of this process's environment.
 *
 * @example
 * const init = loadInitConfigFromProcess();
 */
export function loadInitConfigFromProcess(): InitConfig {
  return loadInitConfig(process.env);
}
