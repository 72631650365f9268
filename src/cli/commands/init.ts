/**
 * `vpc-cni init`: the aws-node DaemonSet's init container, the reference's aws-vpc-cni-init [behaviour §1.1]. Copies
 * the upstream CNI plugins into HOST_CNI_BIN_PATH and writes the node's sysctls (src/netlink/node-init.ts), in the
 * node's network namespace: its own when the container runs with the host network, or `--netns` /
 * VPC_CNI_HOST_NETNS (tests and the embedded VPC).
 *
 * Everything is read and checked first (variables, the plugins directory, IMDS, the primary link); only then is
 * anything written, so a bad variable or an unreachable IMDS leaves the node as it was.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT_FAILURE, EXIT_OK, type CliCommand, type CliIo } from '../io.js';
import { flagCommand, type Flags } from '../args.js';
import { ConfigError, loadInitConfigFromProcess } from '../../config/index.js';
import { installBinaries } from '../../cni/install.js';
import { ImdsReader } from '../../cloud/imds/reader.js';
import { NetlinkExecutor } from '../../netlink/exec.js';
import { NodeSysctls, nodeInitSysctls } from '../../netlink/node-init.js';
import { systemClock } from '../../obs/clock.js';
import { CliError } from '../errors.js';

const USAGE = `Usage: vpc-cni init [--netns NS] [--plugins DIR]

The aws-node DaemonSet's init container (the reference's aws-vpc-cni-init), run privileged on each node before
ipamd starts:
  1. copies the upstream CNI plugins (loopback, portmap, host-local, bandwidth, tuning) from DIR into
     HOST_CNI_BIN_PATH (default /host/opt/cni/bin), each atomically (temporary file, fsync, rename);
  2. finds the primary interface: the link whose MAC is IMDS's meta-data/mac;
  3. writes the node's sysctls:
       net.ipv4.conf.<primary>.rp_filter = 2     loose: replies may come back through another ENI
       net.ipv4.tcp_early_demux = 0 when DISABLE_TCP_EARLY_DEMUX=true, else 1 (skipped where the kernel lacks it)
       with ENABLE_IPv6=true: net.ipv6.conf.all.disable_ipv6 = 0, and (also with ENABLE_V6_EGRESS=true)
       net.ipv6.conf.all.forwarding = 1 and net.ipv6.conf.<primary>.accept_ra = 2
Nothing is written unless every variable is valid, the plugins are there and the primary interface is found.

Environment: DISABLE_TCP_EARLY_DEMUX, ENABLE_IPv6, ENABLE_V6_EGRESS, HOST_CNI_BIN_PATH,
AWS_EC2_METADATA_SERVICE_ENDPOINT (default http://169.254.169.254), VPC_CNI_HOST_NETNS.

Options:
  --netns NS      write the sysctls in this network namespace (a name under /var/run/netns, or a path) instead of
                  this process's own; default VPC_CNI_HOST_NETNS
  --plugins DIR   the plugins to install (default: cni-plugins/ of this installation, /app/cni-plugins in the image)
  -h, --help      show this help

Example (a node namespace of the embedded VPC, see 'vpc-cni sim'):
  DISABLE_TCP_EARLY_DEMUX=true AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:PORT \\
  HOST_CNI_BIN_PATH=/tmp/node/opt/cni/bin vpc-cni init --netns vcni-4242-1-n1
`;

const DEFAULT_PLUGINS = fileURLToPath(new URL('../../../cni-plugins', import.meta.url));

const OPTIONS = { netns: { type: 'string' }, plugins: { type: 'string' } } as const;

/** The regular files of the plugins directory, by name; a missing directory is an error, naming it. */
async function pluginFiles(dir: string): Promise<{ source: string; name: string }[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new CliError('NODE_INIT_FAILED', `cannot read the CNI plugins directory ${dir}: ${(error as Error).message}`);
  }
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => ({ source: join(dir, entry.name), name: entry.name }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

async function primaryMac(endpoint: string | undefined): Promise<string> {
  const reader = new ImdsReader({ ...(endpoint === undefined ? {} : { endpoint }), clock: systemClock });
  try {
    return (await reader.get('GetMAC', 'meta-data/mac')).trim();
  } catch (error) {
    throw new CliError('NODE_INIT_FAILED', `cannot read the primary MAC from IMDS: ${(error as Error).message}`);
  }
}

async function run({ values }: Flags<typeof OPTIONS, false>, io: CliIo): Promise<number> {
  let config;
  try {
    config = loadInitConfigFromProcess();
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr.write(`vpc-cni init: ${error.message}\nnothing was changed\n`);
      return EXIT_FAILURE;
    }
    throw error;
  }
  const netns = values.netns ?? config.hostNetns;
  if (netns === '') throw new CliError('CLI_USAGE', '--netns must name a namespace or a path');
  const plugins = await pluginFiles(values.plugins ?? DEFAULT_PLUGINS);
  // A given namespace confines the executor: no typo can make it configure the namespace it runs in.
  const node = new NodeSysctls({ executor: new NetlinkExecutor({ confined: netns !== undefined }), netns });
  const mac = await primaryMac(config.imds);
  const primary = await node.linkByMac(mac);
  if (primary === undefined)
    throw new CliError('NODE_INIT_FAILED', `no link has the primary MAC ${mac} (IMDS meta-data/mac)`);
  const sysctls = nodeInitSysctls({
    primaryInterface: primary,
    disableTcpEarlyDemux: config.disableTcpEarlyDemux,
    ipv6: config.ipv6,
    v6Egress: config.v6Egress,
  });

  for (const path of await installBinaries(config.hostCniBinDir, plugins)) io.stdout.write(`installed ${path}\n`);
  io.stdout.write(`primary interface ${primary} (${mac})\n`);
  const written = [
    ...(await node.write(sysctls.required)),
    ...(await node.write(sysctls.optional, { ignoreMissing: true })),
  ];
  for (const line of written) io.stdout.write(`sysctl ${line}\n`);
  for (const key of Object.keys(sysctls.optional)) {
    if (!written.some((line) => line.startsWith(`${key} `))) io.stdout.write(`sysctl ${key}: not in this kernel\n`);
  }
  return EXIT_OK;
}

export const initCommand: CliCommand = flagCommand({ usage: USAGE, options: OPTIONS, positionals: false, run });
