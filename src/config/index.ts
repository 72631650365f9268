/**
 * The configuration layer: one schema for every environment variable of ipamd, the plugins and the entrypoint,
 * parsed once into a frozen, typed {@link Config}. The only part of vpc-cni that reads `process.env`.
 *
 * @example
 * import { loadConfigFromProcess, effectiveSettings, ConfigError } from '../config/index.js';
 *
 * try {
 *   const { config, warnings } = loadConfigFromProcess();
 *   for (const warning of warnings) log.warn(warning);
 *   log.info({ settings: effectiveSettings(config) }, 'effective configuration');
 * } catch (error) {
 *   if (error instanceof ConfigError) process.exitCode = 1; // error.message lists every problem
 *   else throw error;
 * }
 */
export { loadConfig, loadConfigFromProcess, type Environment } from './load.js';
export { INIT_VARIABLES, loadInitConfig, loadInitConfigFromProcess, type InitConfig } from './init-env.js';
export { ConfigError, CONFIG_ERRORS, type ConfigErrorCode } from './errors.js';
export { effectiveSettings, type EffectiveName, type EffectiveSettings } from './effective.js';
export { CONFIG_VARIABLES, configVariable, type Component, type ConfigVariable } from './variables.js';
export { ENV_NAMES, ENV_SCHEMA, MTU, type EnvName } from './schema.js';
export { DEPRECATED_VARIABLES, type DeprecatedName } from './rules.js';
export { parseBase10Int, parseGoBool } from './parsers.js';
export { formatBindAddress, formatLogDestination } from './formats.js';
export type {
  BindAddress,
  Config,
  CustomNetworkingConfig,
  EndpointsConfig,
  FeaturesConfig,
  LoadedConfig,
  LogDestination,
  LoggingConfig,
  LogLevel,
  NetworkingConfig,
  NetworkPolicyEnforcingMode,
  NodeConfig,
  PathsConfig,
  PodSecurityGroupEnforcingMode,
  PoolConfig,
  RandomizeSnat,
  ServersConfig,
} from './types.js';
export type { LogRotation } from './log-rotation.js';
