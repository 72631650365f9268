/**
 * `vpc-cni install-cni`: installs the aws-cni plugin and `10-aws.conflist` [behaviour §2.9] into the CNI
 * directories, atomically, once ipamd answers its gRPC health check on its socket — so a runtime never finds a
 * conflist whose plugin cannot get addresses yet. Configured by the same environment variables as ipamd
 * (HOST_CNI_BIN_PATH, HOST_CNI_CONFDIR_PATH, AWS_VPC_K8S_CNI_VETHPREFIX, POD_MTU, VPC_CNI_IPAMD_SOCKET,
 * VPC_CNI_LOG_MAX_*, ...).
 */
import { fileURLToPath } from 'node:url';
import { EXIT_FAILURE, EXIT_OK, type CliCommand, type CliIo } from '../io.js';
import { flagCommand, intFlag, type Flags } from '../args.js';
import { ConfigError, loadConfigFromProcess } from '../../config/index.js';
import { DAY_MS, LOG_ROTATION_SETTINGS, MIB } from '../../config/log-rotation.js';
import { conflistSettings, renderConflist } from '../../cni/conflist.js';
import { DEFAULT_IPAMD_SOCKET } from '../../cni/netconf.js';
import { installCni, type InstallResult } from '../../cni/install.js';
import { createRpcClient } from '../../rpc/client.js';
import { RPC_CLIENT_VERSION } from '../../version.js';
import { CliError } from '../errors.js';

const USAGE = `Usage: vpc-cni install-cni [--plugin PATH] [--wait SECONDS]

Waits until ipamd answers its health check on VPC_CNI_IPAMD_SOCKET (default /var/run/aws-node/ipamd.sock), then
installs the aws-cni plugin into HOST_CNI_BIN_PATH and writes 10-aws.conflist into HOST_CNI_CONFDIR_PATH, each
atomically (temp file, fsync, rename). The conflist is the reference's, rendered from the same environment variables
as ipamd's; egress-cni, which vpc-cni does not ship, is left out while it is disabled (the default). The plugin's
log rotation limits (VPC_CNI_LOG_MAX_SIZE_MB, _BACKUPS, _AGE_DAYS) go into it when they are not the reference's.

Options:
  --plugin PATH    the plugin executable to install (default: bin/aws-cni of this installation)
  --wait SECONDS   how long to wait for ipamd (default 300; 0 = check once)
  -h, --help       show this help
`;

/** bin/aws-cni of this installation (/app/bin/aws-cni in the image). */
export const DEFAULT_PLUGIN = fileURLToPath(new URL('../../../bin/aws-cni', import.meta.url));

/**
 * The reference's conflist, without egress-cni (not shipped), with our ipamdSocket when it is not the default, and
 * each plugin log rotation limit (VPC_CNI_LOG_MAX_*) that is not the reference's.
 */
export function conflistFor(config: Parameters<typeof conflistSettings>[0]): string {
  const { settings } = conflistSettings(config, undefined);
  if (settings.egressEnabled)
    throw new CliError('CLI_USAGE', 'egress-cni is not part of vpc-cni: set ENABLE_V6_EGRESS=false');
  const conflist = JSON.parse(renderConflist(settings)) as { plugins: Record<string, unknown>[] };
  conflist.plugins = conflist.plugins.filter((plugin) => plugin['type'] !== 'egress-cni');
  const awsCni = conflist.plugins.find((plugin) => plugin['type'] === 'aws-cni');
  if (awsCni !== undefined && config.paths.ipamdSocket !== DEFAULT_IPAMD_SOCKET)
    awsCni['ipamdSocket'] = config.paths.ipamdSocket;
  const { rotation } = config.logging;
  const limits = {
    pluginLogMaxSizeMB: [rotation.maxBytes / MIB, LOG_ROTATION_SETTINGS.maxSizeMb.default],
    pluginLogMaxBackups: [rotation.maxBackups, LOG_ROTATION_SETTINGS.maxBackups.default],
    pluginLogMaxAgeDays: [rotation.maxAgeMs / DAY_MS, LOG_ROTATION_SETTINGS.maxAgeDays.default],
  } as const;
  for (const [field, [value, reference]] of Object.entries(limits))
    if (awsCni !== undefined && value !== reference) awsCni[field] = value;
  return `${JSON.stringify(conflist, null, 2)}\n`;
}

/** True when ipamd's gRPC health service on the socket answers SERVING (ready to give pods addresses). */
export async function ipamdServing(socketPath: string): Promise<boolean> {
  const client = createRpcClient({ socketPath, timeoutMs: 2_000, clientVersion: RPC_CLIENT_VERSION });
  try {
    return (await client.health()) === 'SERVING';
  } catch {
    return false;
  } finally {
    client.close();
  }
}

/** Installs `plugin` as aws-cni and `conflist` into the CNI directories, asking ipamd's health once more first. */
export function installAwsCni(
  config: Parameters<typeof conflistFor>[0],
  plugin: string,
  conflist: string,
): Promise<InstallResult> {
  const socket = config.paths.ipamdSocket;
  return installCni({
    binDir: config.paths.hostCniBinDir,
    confDir: config.paths.hostCniConfDir,
    binaries: [{ source: plugin, name: 'aws-cni' }],
    conflist,
    healthy: () => ipamdServing(socket),
  });
}

const OPTIONS = { plugin: { type: 'string' }, wait: { type: 'string' } } as const;

async function run({ values }: Flags<typeof OPTIONS, false>, io: CliIo): Promise<number> {
  const waitSeconds = intFlag('wait', values.wait, { min: 0, max: 86_400 }) ?? 300;
  let config;
  try {
    config = loadConfigFromProcess().config;
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr.write(`vpc-cni install-cni: ${error.message}\n`);
      return EXIT_FAILURE;
    }
    throw error;
  }
  const socket = config.paths.ipamdSocket;
  const deadline = performance.now() + waitSeconds * 1000;
  while (!(await ipamdServing(socket))) {
    if (performance.now() >= deadline) {
      io.stderr.write(
        `vpc-cni install-cni: ipamd is not serving on ${socket} after ${waitSeconds} s; nothing was installed\n`,
      );
      return EXIT_FAILURE;
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  const result = await installAwsCni(config, values.plugin ?? DEFAULT_PLUGIN, conflistFor(config));
  io.stdout.write(`installed ${[...result.binaries, result.conflist].join(', ')}\n`);
  return EXIT_OK;
}

export const installCniCommand: CliCommand = flagCommand({ usage: USAGE, options: OPTIONS, positionals: false, run });
