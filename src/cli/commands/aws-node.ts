/**
 * `vpc-cni aws-node`: the aws-node DaemonSet's main container, the reference's entrypoint aws-vpc-cni
 * [behaviour §1.2], in one Node process: ipamd runs in-process (`runIpamd`, as `vpc-cni ipamd`), and once its gRPC
 * health service says SERVING the plugin and `10-aws.conflist` are installed (as `vpc-cni install-cni`). Kubelet
 * reports the node Ready only once a conflist exists, so no pod lands on the node before ipamd can give it an address.
 *
 * One process rather than a shell script starting two: one Node runtime in memory instead of two, signals go
 * straight to ipamd, and "ipamd died before it was ready" is a promise settling, not a `kill -0` loop.
 */
import { access, constants } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { EXIT_FAILURE, EXIT_OK, type CliCommand, type CliIo } from '../io.js';
import { flagCommand, type Flags } from '../args.js';
import { ConfigError, formatLogDestination, loadConfigFromProcess, type LoadedConfig } from '../../config/index.js';
import type { InstallResult } from '../../cni/install.js';
import { messageOf } from '../../errors.js';
import { DEFAULT_PLUGIN, conflistFor, installAwsCni, ipamdServing } from './install-cni.js';

const USAGE = `Usage: vpc-cni aws-node [--plugin PATH]

The aws-node DaemonSet's main container (the reference's aws-vpc-cni entrypoint), in one process:
  1. checks every variable (as ipamd does) and that 10-aws.conflist can be rendered from them;
  2. starts ipamd (as 'vpc-cni ipamd': logs to AWS_VPC_K8S_CNI_LOG_FILE);
  3. once ipamd's gRPC health service answers SERVING on VPC_CNI_IPAMD_SOCKET, installs the aws-cni plugin into
     HOST_CNI_BIN_PATH and 10-aws.conflist into HOST_CNI_CONFDIR_PATH, atomically (as 'vpc-cni install-cni'), so
     the node turns Ready only when ipamd can serve pods;
  4. runs until SIGTERM or SIGINT (exit 0); exits 1 when ipamd fails or stops on its own, or the install fails.

Options:
  --plugin PATH   the plugin executable to install (default: bin/aws-cni of this installation)
  -h, --help      show this help

Probes: 'vpc-cni health --live' (ipamd's gRPC server answers) and 'vpc-cni health --ready' (it answers SERVING).
`;

const OPTIONS = { plugin: { type: 'string' } } as const;

/** Polls ipamd's health every second until SERVING, then installs; undefined when stopped first. */
async function installWhenServing(
  config: LoadedConfig['config'],
  plugin: string,
  conflist: string,
  stopped: () => boolean,
  signal: AbortSignal,
): Promise<InstallResult | undefined> {
  const socket = config.paths.ipamdSocket;
  while (!stopped()) {
    if (await ipamdServing(socket)) return installAwsCni(config, plugin, conflist);
    await sleep(1_000, undefined, { signal }).catch(() => undefined);
  }
  return undefined;
}

async function run({ values }: Flags<typeof OPTIONS, false>, io: CliIo): Promise<number> {
  const say = (text: string): unknown => io.stderr.write(`vpc-cni aws-node: ${text}\n`);
  let loaded;
  try {
    loaded = loadConfigFromProcess();
  } catch (error) {
    if (error instanceof ConfigError) {
      say(error.message);
      return EXIT_FAILURE;
    }
    throw error;
  }
  const conflist = conflistFor(loaded.config);
  const plugin = values.plugin ?? DEFAULT_PLUGIN;
  try {
    await access(plugin, constants.X_OK);
  } catch (error) {
    say(`the plugin to install is not an executable file: ${messageOf(error)}`);
    return EXIT_FAILURE;
  }

  const { runIpamd } = await import('../../ipamd/main.js');
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let exited = false;
  const ipamd = runIpamd(loaded, { signal: controller.signal }).finally(() => (exited = true));
  say(`started ipamd; installing aws-cni once it serves on ${loaded.config.paths.ipamdSocket}`);
  let installFailed = false;
  try {
    const result = await installWhenServing(loaded.config, plugin, conflist, () => exited, controller.signal);
    if (result !== undefined) say(`installed ${[...result.binaries, result.conflist].join(', ')}`);
  } catch (error) {
    say(`install failed, stopping ipamd: ${messageOf(error)}`);
    installFailed = true;
    controller.abort();
  }
  try {
    const code = await ipamd;
    if (code !== 0)
      say(`ipamd failed (exit ${code}); see its log: ${formatLogDestination(loaded.config.logging.ipamdLog)}`);
    if (installFailed || code !== 0) return EXIT_FAILURE;
    if (!controller.signal.aborted) {
      say('ipamd stopped on its own');
      return EXIT_FAILURE;
    }
    return EXIT_OK;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

export const awsNodeCommand: CliCommand = flagCommand({ usage: USAGE, options: OPTIONS, positionals: false, run });
