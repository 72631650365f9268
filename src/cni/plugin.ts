/**
 * The aws-cni plugin as one function: CNI environment + stdin in, stdout text + exit code out. It validates the call
 * (skel.ts), negotiates the version (version.ts), reads the config (netconf.ts) and CNI_ARGS (args.ts), runs the
 * verb (add.ts, del.ts, check.ts, status.ts) and writes the result or error. It never throws and never prints;
 * src/cni/main.ts passes it `readCniEnvironment()`, stdin and the real ports, and exits with its code.
 *
 * Order of checks, as libcni's skel: CNI_COMMAND (unset → the about text on stderr, exit 0; unknown → 4), VERSION
 * (answered before anything else is read), the CNI_* variables (4), stdin (6), cniVersion (1; CHECK needs ≥ 0.4.0,
 * STATUS and GC ≥ 1.1.0), the config's fields (7), CNI_ARGS (4; ignored with a warning on DEL), then the verb.
 * Nothing reaches ipamd or the pod wiring before all of that passed, and the ipamd and network-policy agent clients
 * are created only when a verb first calls them.
 *
 * @example
 * const { stdout, exitCode } = await runPlugin({ env: readCniEnvironment(), stdin, deps });
 */
import { add } from './add.js';
import { parseCniArgs, type K8sArgs } from './args.js';
import { check } from './check.js';
import { del } from './del.js';
import { CniError } from './errors.js';
import { messageOf } from '../errors.js';
import { bindLog, silentLog, type PluginLog, type PluginLogSettings } from './log.js';
import { configVersion, decodeStdin, logSettingsOf, parseNetConf } from './netconf.js';
import type { IpamClient, NpAgentClient } from '../rpc/port.js';
import type { VerbDeps } from './deps.js';
import type { PodNetwork, WiringPrestart } from '../netlink/port.js';
import { errorOutput, readCmdArgs, readCommand, successOutput, type CmdArgs, type PluginOutput } from './skel.js';
import { status } from './status.js';
import {
  formatResult,
  isSupportedVersion,
  LATEST_VERSION,
  SUPPORTED_VERSIONS,
  versionAtLeast,
  versionReply,
} from './version.js';

export type { PluginOutput } from './skel.js';

export interface PluginDeps {
  /**
   * A client for ipamd at this socket path (the network config's `ipamdSocket`); called at most once per run, and
   * only by verbs that talk to ipamd.
   */
  readonly ipam: (socketPath: string) => IpamClient;
  /**
   * A client for the network-policy agent at this socket path (the config's `npAgentSocket`); called at most once per
   * run, and only when ipamd's reply carries a network-policy mode.
   */
  readonly npAgent: (socketPath: string) => NpAgentClient;
  readonly pods: PodNetwork;
  readonly prestart?: WiringPrestart;
  /** True when the path is a network namespace (CNI_NETNS): it exists and is a namespace file. */
  readonly isNetns: (path: string) => Promise<boolean>;
  /** Opens the log the config asks for (pluginLogFile, pluginLogLevel; the defaults when stdin is unreadable). */
  readonly openLog: (settings: PluginLogSettings) => PluginLog;
  /** This build's version: sent to ipamd as ClientVersion, and shown in the about text. */
  readonly clientVersion: string;
}

export interface RunPluginInput {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdin: string;
  readonly deps: PluginDeps;
}

/** The minimum config version of each verb (CHECK came with 0.4.0, STATUS and GC with 1.1.0). */
const MINIMUM_VERSION: Partial<Record<CmdArgs['command'], string>> = { CHECK: '0.4.0', STATUS: '1.1.0', GC: '1.1.0' };

function aboutText(clientVersion: string): string {
  return `AWS CNI ${clientVersion}\nCNI protocol versions supported: ${SUPPORTED_VERSIONS.join(', ')}\n`;
}

function openLogSafely(deps: PluginDeps, raw: Readonly<Record<string, unknown>> | undefined): PluginLog {
  try {
    return deps.openLog(logSettingsOf(raw));
  } catch {
    return silentLog;
  }
}

const NO_POD: K8sArgs = { podName: '', podNamespace: '', infraContainerId: '', podUid: '' };

/**
 * CNI_ARGS, strictly — except on DEL, where a malformed CNI_ARGS is logged and ignored: ipamd keys the address by
 * container id, and a DEL that can never succeed would leave the pod sandbox stuck.
 */
function readK8sArgs(cmd: CmdArgs, log: PluginLog): K8sArgs {
  try {
    return parseCniArgs(cmd.args);
  } catch (error) {
    if (cmd.command !== 'DEL') throw error;
    log.warn(`del: ignoring CNI_ARGS: ${messageOf(error)}`);
    return NO_POD;
  }
}

/** Runs one CNI call. Never throws: every failure becomes the CNI error JSON and exit code 1. */
export async function runPlugin(input: RunPluginInput): Promise<PluginOutput> {
  const { env, stdin, deps } = input;
  let cniVersion: string = LATEST_VERSION;
  let log = silentLog;
  let client: IpamClient | undefined;
  let agent: NpAgentClient | undefined;
  try {
    const command = readCommand(env);
    if (command === undefined) return { stdout: '', stderr: aboutText(deps.clientVersion), exitCode: 0 };
    if (command === 'VERSION') return successOutput(versionReply());

    let raw: Record<string, unknown> | undefined;
    let decodeError: unknown;
    try {
      raw = decodeStdin(stdin);
    } catch (error) {
      decodeError = error;
    }
    log = bindLog(openLogSafely(deps, raw), {
      command,
      containerId: env['CNI_CONTAINERID'] ?? '',
      ifName: env['CNI_IFNAME'] ?? '',
    });
    const cmd = readCmdArgs(env, command);
    if (raw === undefined) throw decodeError;

    const requested = configVersion(raw);
    if (isSupportedVersion(requested)) cniVersion = requested;
    else {
      const supported = SUPPORTED_VERSIONS.join(', ');
      throw new CniError(
        'CNI_INCOMPATIBLE_VERSION',
        `incompatible CNI versions: config is "${requested}", plugin supports ${supported}`,
        { config: requested },
      );
    }
    const minimum = MINIMUM_VERSION[command];
    if (minimum !== undefined && !versionAtLeast(requested, minimum)) {
      throw new CniError(
        'CNI_INCOMPATIBLE_VERSION',
        `config version ${requested} does not allow ${command} (needs ${minimum} or later)`,
      );
    }
    const { conf, warnings } = parseNetConf(raw, { lenient: command === 'DEL' });
    for (const warning of warnings) log.warn(`config: ${warning}; using the default`);
    const k8s = readK8sArgs(cmd, log);
    log = bindLog(log, { netns: cmd.netns, pod: `${k8s.podNamespace}/${k8s.podName}` });

    const verbDeps: VerbDeps = {
      ipam: () => (client ??= deps.ipam(conf.ipamdSocket)),
      npAgent: () => (agent ??= deps.npAgent(conf.npAgentSocket)),
      pods: deps.pods,
      ...(deps.prestart === undefined ? {} : { prestart: deps.prestart }),
      isNetns: deps.isNetns,
      clientVersion: deps.clientVersion,
    };
    const ctx = { cmd, conf, k8s, deps: verbDeps, log };
    log.debug(`${command} started`, { cniVersion });
    switch (command) {
      case 'ADD': {
        const result = formatResult(await add(ctx), conf.cniVersion);
        log.info('ADD done', { result });
        return successOutput(result);
      }
      case 'DEL':
        await del(ctx);
        break;
      case 'CHECK':
        await check(ctx);
        break;
      case 'STATUS':
        await status(ctx);
        break;
      case 'GC':
        // The reference registers no GC function; libcni's skel then answers success. ipamd reconciles on its own.
        break;
    }
    log.info(`${command} done`);
    return successOutput();
  } catch (error) {
    log.error(`failed: ${messageOf(error)}`, {
      code: error instanceof Error && 'code' in error ? String(error.code) : 'CNI_INTERNAL',
    });
    return errorOutput(error, cniVersion);
  } finally {
    for (const peer of [client, agent]) {
      try {
        peer?.close();
      } catch {
        // closing a broken connection is not worth a failed call
      }
    }
    // Lines still kept in memory (a call that never reached ipamd, the last lines of one that did) are written now.
    await log.flush?.();
  }
}
