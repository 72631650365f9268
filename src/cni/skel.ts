/**
 * The CNI protocol around the verbs, after libcni's `pkg/skel`: read and validate the CNI_* environment, and render
 * a result or an error as the JSON a runtime reads on stdout with the exit code it checks. Pure functions over an
 * environment record; src/cni/plugin.ts wires them to the verbs.
 *
 * As skel: CNI_COMMAND decides which variables are required (ADD/CHECK: CONTAINERID, NETNS, IFNAME, PATH; DEL: the
 * same but NETNS — the pod's namespace may already be gone), all missing ones are named in one error (code 4), the
 * container id and interface name are held to libcni's character rules, and an error exits 1 with
 * `{"cniVersion","code","msg","details"}` on stdout.
 *
 * Stricter than skel for ADD and CHECK: the pod wiring writes CNI_IFNAME and CNI_NETNS into `ip -batch` lines, so
 * they must be words iproute2's batch parser keeps whole (no quotes, `#`, `;`, `\\` ...). Refusing them here, before
 * ipamd is asked for an address, leaves nothing to undo; libcni's rules alone let `eth0;reboot` through to the wiring.
 */
import { isVpcCniError, messageOf } from '../errors.js';
import type { K8sArgs } from './args.js';
import { CniError } from './errors.js';
import type { PluginLog } from './log.js';
import type { NetConf } from './netconf.js';
import type { VerbDeps } from './deps.js';

export const CNI_COMMANDS = ['ADD', 'DEL', 'CHECK', 'VERSION', 'STATUS', 'GC'] as const;

export type CniCommand = (typeof CNI_COMMANDS)[number];

/** The CNI_* parameters of one call, validated for its command ('' when not given and not required). */
export interface CmdArgs {
  readonly command: CniCommand;
  readonly containerId: string;
  readonly netns: string;
  readonly ifName: string;
  /** CNI_ARGS, unparsed (see parseCniArgs). */
  readonly args: string;
  readonly path: string;
}

/** What the process prints and how it exits. */
export interface PluginOutput {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

type Env = Readonly<Record<string, string | undefined>>;

const REQUIRED: Record<CniCommand, readonly string[]> = {
  ADD: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  CHECK: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  DEL: ['CNI_CONTAINERID', 'CNI_IFNAME', 'CNI_PATH'],
  VERSION: [],
  STATUS: [],
  GC: [],
};

/** Linux IFNAMSIZ − 1. */
export const MAX_IFNAME_LENGTH = 15;
const CONTAINER_ID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
/** What the pod wiring accepts as the container interface (the kernel's names, restricted to batch-safe words). */
const WIRED_IFNAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** What the pod wiring accepts as a namespace path (runtimes use /var/run/netns/cni-<uuid>, /proc/<pid>/ns/net). */
const WIRED_NETNS = /^\/[A-Za-z0-9_.:@+/-]+$/;
/** The verbs that wire the pod, and so write CNI_IFNAME and CNI_NETNS into ip commands. */
const WIRING_COMMANDS: ReadonlySet<CniCommand> = new Set(['ADD', 'CHECK']);

/**
 * CNI_COMMAND, or undefined when unset (the binary was run by hand: print the about text). An unknown command is
 * CNI_INVALID_ENV (4).
 */
export function readCommand(env: Env): CniCommand | undefined {
  const command = env['CNI_COMMAND'] ?? '';
  if (command === '') return undefined;
  if (!(CNI_COMMANDS as readonly string[]).includes(command)) {
    throw new CniError('CNI_INVALID_ENV', `unknown CNI_COMMAND: ${JSON.stringify(command.slice(0, 40))}`, {
      variable: 'CNI_COMMAND',
    });
  }
  return command as CniCommand;
}

/** Why a CNI_IFNAME is unusable as a Linux interface name (libcni's ValidateInterfaceName), or undefined. */
export function interfaceNameProblem(name: string): string | undefined {
  if (name === '') return 'interface name is empty';
  if (name.length > MAX_IFNAME_LENGTH) return `interface name is too long (at most ${MAX_IFNAME_LENGTH} characters)`;
  if (name === '.' || name === '..') return 'interface name is . or ..';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[/:\s\u0000-\u001f\u007f]/u.test(name)) return 'interface name contains / or : or whitespace characters';
  return undefined;
}

/**
 * The CNI_* parameters of `command`. Throws CNI_MISSING_ENV (4) naming every missing variable, or CNI_INVALID_ENV
 * (4) for a malformed CNI_CONTAINERID, CNI_IFNAME or CNI_NETNS.
 */
export function readCmdArgs(env: Env, command: CniCommand): CmdArgs {
  const get = (name: string): string => env[name] ?? '';
  const missing = REQUIRED[command].filter((name) => get(name) === '');
  if (missing.length > 0) {
    throw new CniError('CNI_MISSING_ENV', `required env variables [${missing.join(',')}] missing`, {
      variables: missing,
    });
  }
  const cmd: CmdArgs = {
    command,
    containerId: get('CNI_CONTAINERID'),
    netns: get('CNI_NETNS'),
    ifName: get('CNI_IFNAME'),
    args: get('CNI_ARGS'),
    path: get('CNI_PATH'),
  };
  if (cmd.containerId !== '' && (cmd.containerId.length > 256 || !CONTAINER_ID.test(cmd.containerId))) {
    throw new CniError(
      'CNI_INVALID_ENV',
      `invalid characters in containerID ${JSON.stringify(cmd.containerId.slice(0, 64))}`,
      { variable: 'CNI_CONTAINERID' },
    );
  }
  const ifProblem =
    command === 'ADD' || command === 'CHECK' || command === 'DEL' ? interfaceNameProblem(cmd.ifName) : undefined;
  if (ifProblem !== undefined) {
    throw new CniError('CNI_INVALID_ENV', `CNI_IFNAME ${JSON.stringify(cmd.ifName.slice(0, 64))}: ${ifProblem}`, {
      variable: 'CNI_IFNAME',
    });
  }
  if (
    cmd.netns !== '' &&
    (!cmd.netns.startsWith('/') ||
      cmd.netns.length > 4096 ||
      // eslint-disable-next-line no-control-regex -- a path with control characters is no namespace path
      /[\u0000-\u001f]/.test(cmd.netns))
  ) {
    throw new CniError(
      'CNI_INVALID_ENV',
      `CNI_NETNS ${JSON.stringify(cmd.netns.slice(0, 120))} is not an absolute path`,
      { variable: 'CNI_NETNS' },
    );
  }
  if (WIRING_COMMANDS.has(command)) {
    if (!WIRED_IFNAME.test(cmd.ifName)) {
      throw new CniError(
        'CNI_INVALID_ENV',
        `CNI_IFNAME ${JSON.stringify(cmd.ifName.slice(0, 64))}: only letters, digits, ".", "-" and "_" are supported, starting with a letter or digit`,
        { variable: 'CNI_IFNAME' },
      );
    }
    if (!WIRED_NETNS.test(cmd.netns)) {
      throw new CniError(
        'CNI_INVALID_ENV',
        `CNI_NETNS ${JSON.stringify(cmd.netns.slice(0, 120))}: only letters, digits and "/_.:@+-" are supported in a namespace path`,
        { variable: 'CNI_NETNS' },
      );
    }
  }
  return cmd;
}

/** A successful call: the JSON body (if any) on stdout, exit 0. DEL, CHECK, STATUS and GC print nothing. */
export function successOutput(body?: object): PluginOutput {
  return { stdout: body === undefined ? '' : `${JSON.stringify(body, null, 4)}\n`, stderr: '', exitCode: 0 };
}

/** The details string of an error: its stable code and scalar facts, `CNI_IPAM_FAILED; ipamdErrorCode=...`. */
function detailsOf(code: string, details: Readonly<Record<string, unknown>>): string {
  const facts = Object.entries(details)
    .filter(([, value]) => ['string', 'number', 'boolean'].includes(typeof value) || Array.isArray(value))
    .map(
      ([key, value]) =>
        `${key}=${Array.isArray(value) ? value.map(String).join(',') : String(value as string | number | boolean)}`,
    );
  return [code, ...facts].join('; ');
}

/**
 * A failed call: `{"cniVersion","code","msg","details"}` on stdout (the CNI spec's error format), exit 1. Our own
 * errors keep their CNI code and put their stable code in `details`; anything else is an internal error (999).
 */
export function errorOutput(error: unknown, cniVersion: string): PluginOutput {
  const body = isVpcCniError(error)
    ? { cniVersion, code: error.cniCode, msg: error.message, details: detailsOf(error.code, error.details) }
    : { cniVersion, code: 999, msg: messageOf(error), details: 'CNI_INTERNAL' };
  return { stdout: `${JSON.stringify(body, null, 4)}\n`, stderr: '', exitCode: 1 };
}

/** What a verb receives: the validated call, config and pod identity, the ports and a bound logger. */
export interface VerbContext {
  readonly cmd: CmdArgs;
  readonly conf: NetConf;
  readonly k8s: K8sArgs;
  readonly deps: VerbDeps;
  readonly log: PluginLog;
}
