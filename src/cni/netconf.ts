/**
 * The network configuration on stdin (CNI standard fields plus the reference's, [behaviour §7.1] and the conflist of
 * [behaviour §2.9]), validated by hand — the plugin loads no schema library. Unknown fields are ignored, as the CNI
 * spec asks.
 *
 * Where the reference falls back silently (an mtu of "abc" or 100 becomes 9001), this plugin refuses the config with
 * code 7 and a message naming the field, as our environment configuration does: a typo must not quietly give every
 * pod a different MTU. DEL is the exception: a config edited after the pod's ADD must not leave the pod undeletable,
 * so DEL reads such fields leniently (default, plus a warning).
 */
import { LOG_ROTATION_SETTINGS, logRotation, type LogRotation } from '../config/log-rotation.js';
import { CniError } from './errors.js';
import { DEFAULT_LOG_SETTINGS, parseLogLevel, type PluginLogLevel, type PluginLogSettings } from './log.js';
import { DEFAULT_CONFIG_VERSION, isSupportedVersion, type CniVersion } from './version.js';

export type PodSgEnforcingMode = 'strict' | 'standard';

export interface NetConf {
  readonly cniVersion: CniVersion;
  /** The network name (`aws-cni`): part of ipamd's key for the pod's address. */
  readonly name: string;
  readonly type: string;
  /** Host veth name prefix, default `eni`: 1–4 characters, not `eth`, `lo` or `vlan`. */
  readonly vethPrefix: string;
  /** Pod MTU, default 9001, 576–9001 (a string in the reference's conflist). */
  readonly mtu: number;
  readonly podSGEnforcingMode: PodSgEnforcingMode;
  readonly pluginLogFile: string;
  readonly pluginLogLevel: PluginLogLevel;
  /** runtimeConfig["io.kubernetes.cri.pod-annotations"] (string values only). */
  readonly podAnnotations: Readonly<Record<string, string>>;
  /**
   * Ours: ipamd's socket. The reference hard-codes /var/run/aws-node/ipamd.sock; a field lets several simulated nodes
   * on one machine each reach their own ipamd. Absolute path; the reference's path when absent.
   */
  readonly ipamdSocket: string;
  /**
   * Ours: the network-policy agent's socket, which the plugin calls when ipamd's reply carries a network-policy mode
   * [network-policy §4]. The reference hard-codes /var/run/aws-node/npa.sock (the default); a field lets tests and
   * simulated nodes point each node at its own agent.
   */
  readonly npAgentSocket: string;
  /** The previous plugin's result in a chain (raw; read with readPrevResult). */
  readonly prevResult?: unknown;
}

export const DEFAULT_IPAMD_SOCKET = '/var/run/aws-node/ipamd.sock';
export const DEFAULT_NP_AGENT_SOCKET = '/var/run/aws-node/npa.sock';

/** A unix socket path field (at most 107 bytes: sun_path), `fallback` when absent. */
function parseSocket(name: string, value: unknown, fallback: string): Field<string> {
  if (value === undefined) return { value: fallback };
  if (typeof value !== 'string' || !value.startsWith('/') || value.length > 107 || value.includes('\0')) {
    return { problem: `${name} ${JSON.stringify(value)} must be an absolute path of at most 107 characters` };
  }
  return { value };
}

export const DEFAULT_VETH_PREFIX = 'eni';
export const DEFAULT_MTU = 9001;
export const MIN_MTU = 576;
export const MAX_MTU = 9001;
const RESERVED_PREFIXES = ['eth', 'lo', 'vlan'];
/** libcni's network name rule (utils.ValidateNetworkName). */
const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const VETH_PREFIX = /^[A-Za-z0-9_.-]{1,4}$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses stdin as a JSON object; anything else is CNI_DECODE_FAILED (6). */
export function decodeStdin(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const reason = text.trim() === '' ? 'stdin is empty' : (error as Error).message;
    throw new CniError('CNI_DECODE_FAILED', `error decoding the network config on stdin: ${reason}`);
  }
  if (!isObject(parsed))
    throw new CniError('CNI_DECODE_FAILED', 'error decoding the network config on stdin: not a JSON object');
  return parsed;
}

/** The config's `cniVersion` as given ('0.1.0' when absent, as libcni); a non-string is CNI_DECODE_FAILED (6). */
export function configVersion(raw: Readonly<Record<string, unknown>>): string {
  const value = raw['cniVersion'];
  if (value === undefined || value === '') return DEFAULT_CONFIG_VERSION;
  if (typeof value !== 'string')
    throw new CniError('CNI_DECODE_FAILED', `cniVersion must be a string, not ${JSON.stringify(value)}`);
  return value;
}

/** A field's value, or why the given value is refused. */
type Field<T> = { readonly value: T } | { readonly problem: string };

/**
 * Ours: the plugin log's rotation limits, in the units of VPC_CNI_LOG_MAX_SIZE_MB, _BACKUPS and _AGE_DAYS, which
 * `vpc-cni install-cni` writes here when they are not the reference's (100 MB, 5 backups, 30 days).
 */
const ROTATION_FIELDS = {
  pluginLogMaxSizeMB: 'maxSizeMb',
  pluginLogMaxBackups: 'maxBackups',
  pluginLogMaxAgeDays: 'maxAgeDays',
} as const;

type RotationField = keyof typeof ROTATION_FIELDS;

function parseRotationField(field: RotationField, value: unknown): Field<number> {
  const { default: fallback, min, max } = LOG_ROTATION_SETTINGS[ROTATION_FIELDS[field]];
  if (value === undefined) return { value: fallback };
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : undefined;
  if (text === undefined || !/^\d{1,9}$/.test(text) || Number(text) < min || Number(text) > max)
    return {
      problem: `${field} ${JSON.stringify(value)} is not an integer from ${min} to ${max} (a number or a string)`,
    };
  return { value: Number(text) };
}

/** The rotation limits of a config; `take` decides what a refused field becomes (the default, and a problem or not). */
function rotationOf(
  raw: Readonly<Record<string, unknown>> | undefined,
  take: (field: Field<number>, fallback: number) => number,
): LogRotation {
  const value = (field: RotationField): number =>
    take(parseRotationField(field, raw?.[field]), LOG_ROTATION_SETTINGS[ROTATION_FIELDS[field]].default);
  return logRotation({
    maxSizeMb: value('pluginLogMaxSizeMB'),
    maxBackups: value('pluginLogMaxBackups'),
    maxAgeDays: value('pluginLogMaxAgeDays'),
  });
}

/** The log settings a config asks for, falling back to the defaults field by field (used before validation). */
export function logSettingsOf(raw: Readonly<Record<string, unknown>> | undefined): PluginLogSettings {
  const file = raw?.['pluginLogFile'];
  const level = raw?.['pluginLogLevel'];
  return {
    file: typeof file === 'string' && file !== '' ? file : DEFAULT_LOG_SETTINGS.file,
    level: (typeof level === 'string' ? parseLogLevel(level) : undefined) ?? DEFAULT_LOG_SETTINGS.level,
    rotation: rotationOf(raw, (field, fallback) => ('value' in field ? field.value : fallback)),
  };
}

function parseMtu(value: unknown): Field<number> {
  if (value === undefined || value === '') return { value: DEFAULT_MTU };
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : undefined;
  if (text === undefined || !/^\d{1,5}$/.test(text) || Number(text) < MIN_MTU || Number(text) > MAX_MTU) {
    return {
      problem: `mtu ${JSON.stringify(value)} is not an integer from ${MIN_MTU} to ${MAX_MTU} (a number or a string)`,
    };
  }
  return { value: Number(text) };
}

function parseVethPrefix(value: unknown): Field<string> {
  if (value === undefined || value === '') return { value: DEFAULT_VETH_PREFIX };
  if (typeof value !== 'string' || !VETH_PREFIX.test(value)) {
    return {
      problem: `vethPrefix ${JSON.stringify(value)} must be 1 to 4 letters, digits, ".", "-" or "_" (the host veth is named prefix + 11 hex digits, at most 15 characters)`,
    };
  }
  if (RESERVED_PREFIXES.includes(value))
    return { problem: `vethPrefix "${value}" is reserved (eth, lo and vlan name other interfaces)` };
  return { value };
}

function parseMode(value: unknown): Field<PodSgEnforcingMode> {
  if (value === undefined || value === 'strict' || value === 'standard') return { value: value ?? 'strict' };
  return { problem: `podSGEnforcingMode ${JSON.stringify(value)} is neither "strict" nor "standard"` };
}

function parseLogFile(value: unknown): Field<string> {
  if (value === undefined) return { value: DEFAULT_LOG_SETTINGS.file };
  return typeof value === 'string' && value !== ''
    ? { value }
    : { problem: 'pluginLogFile must be a non-empty string' };
}

function parseLevel(value: unknown): Field<PluginLogLevel> {
  if (value === undefined) return { value: DEFAULT_LOG_SETTINGS.level };
  const level = typeof value === 'string' ? parseLogLevel(value) : undefined;
  return level === undefined
    ? { problem: `pluginLogLevel ${JSON.stringify(value)} is not one of Debug, Info, Warn, Error` }
    : { value: level };
}

export interface ParseOptions {
  /** DEL: fall back to the defaults for invalid vethPrefix, mtu, podSGEnforcingMode and log fields, with a warning. */
  readonly lenient: boolean;
}

export interface ParsedNetConf {
  readonly conf: NetConf;
  /** Fields replaced by defaults in lenient mode. */
  readonly warnings: readonly string[];
}

/**
 * Validates a decoded config whose `cniVersion` the caller has checked. Throws CNI_INVALID_CONFIG (7) listing every
 * problem, or CNI_INCOMPATIBLE_VERSION (1) for an unsupported version.
 *
 * @example
 * parseNetConf({ cniVersion: '0.4.0', name: 'aws-cni', type: 'aws-cni', mtu: '9001' }, { lenient: false }).conf.mtu; // 9001
 */
export function parseNetConf(raw: Readonly<Record<string, unknown>>, options: ParseOptions): ParsedNetConf {
  const version = configVersion(raw);
  if (!isSupportedVersion(version))
    throw new CniError('CNI_INCOMPATIBLE_VERSION', `incompatible CNI versions: config is "${version}"`);
  const name = raw['name'];
  if (typeof name !== 'string' || name === '') throw new CniError('CNI_INVALID_CONFIG', 'missing network name');
  if (!NETWORK_NAME.test(name))
    throw new CniError('CNI_INVALID_CONFIG', `invalid characters found in network name ${JSON.stringify(name)}`);

  const problems: string[] = [];
  const warnings: string[] = [];
  const take = <T>(field: Field<T>, fallback: T): T => {
    if ('value' in field) return field.value;
    (options.lenient ? warnings : problems).push(field.problem);
    return fallback;
  };
  const type = typeof raw['type'] === 'string' ? raw['type'] : '';
  const vethPrefix = take(parseVethPrefix(raw['vethPrefix']), DEFAULT_VETH_PREFIX);
  const mtu = take(parseMtu(raw['mtu']), DEFAULT_MTU);
  const podSGEnforcingMode = take(parseMode(raw['podSGEnforcingMode']), 'strict');
  const pluginLogFile = take(parseLogFile(raw['pluginLogFile']), DEFAULT_LOG_SETTINGS.file);
  const pluginLogLevel = take(parseLevel(raw['pluginLogLevel']), DEFAULT_LOG_SETTINGS.level);
  const ipamdSocket = take(parseSocket('ipamdSocket', raw['ipamdSocket'], DEFAULT_IPAMD_SOCKET), DEFAULT_IPAMD_SOCKET);
  const npAgentSocket = take(
    parseSocket('npAgentSocket', raw['npAgentSocket'], DEFAULT_NP_AGENT_SOCKET),
    DEFAULT_NP_AGENT_SOCKET,
  );
  rotationOf(raw, take); // already applied by logSettingsOf; refused here like the other fields

  const podAnnotations: Record<string, string> = {};
  const runtimeConfig = raw['runtimeConfig'];
  if (runtimeConfig !== undefined && runtimeConfig !== null && !isObject(runtimeConfig))
    problems.push('runtimeConfig must be an object');
  const annotations = isObject(runtimeConfig) ? runtimeConfig['io.kubernetes.cri.pod-annotations'] : undefined;
  if (isObject(annotations)) {
    for (const [key, value] of Object.entries(annotations)) if (typeof value === 'string') podAnnotations[key] = value;
  }

  if (problems.length > 0) {
    throw new CniError('CNI_INVALID_CONFIG', `invalid network config "${name}": ${problems.join('; ')}`, { problems });
  }
  const conf: NetConf = {
    cniVersion: version,
    name,
    type,
    vethPrefix,
    mtu,
    podSGEnforcingMode,
    pluginLogFile,
    pluginLogLevel,
    podAnnotations,
    ipamdSocket,
    npAgentSocket,
    ...(raw['prevResult'] === undefined || raw['prevResult'] === null ? {} : { prevResult: raw['prevResult'] }),
  };
  return { conf, warnings };
}
