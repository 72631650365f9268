/**
 * `vpc-cni ipamd`: the per-node L-IPAM daemon, configured by the reference's environment variables. Runs until
 * SIGINT/SIGTERM. An invalid configuration exits 1 naming every bad variable, its value and what is accepted.
 */
import { EXIT_FAILURE, EXIT_OK, type CliCommand, type CliIo } from '../io.js';
import { CONFIG_VARIABLES, ConfigError, loadConfigFromProcess } from '../../config/index.js';
import { CliError } from '../errors.js';

const USAGE = `Usage: vpc-cni ipamd

Runs ipamd, the per-node IP address manager of the VPC CNI: attaches ENIs, assigns secondary IPs or /28 prefixes,
keeps the warm pool, serves the aws-cni plugin on a unix socket (gRPC rpc.CNIBackend), introspection on
127.0.0.1:61679 and Prometheus metrics on 127.0.0.1:61678. Runs until SIGINT or SIGTERM.

Configured by the reference's environment variables (same names and defaults), among them:
  WARM_ENI_TARGET, WARM_IP_TARGET, MINIMUM_IP_TARGET, WARM_PREFIX_TARGET, MAX_ENI, ENABLE_PREFIX_DELEGATION,
  AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG, AWS_VPC_K8S_CNI_BACKING_STORE, INTROSPECTION_BIND_ADDRESS,
  AWS_VPC_K8S_CNI_LOG_FILE (stdout, stderr or a path), AWS_VPC_K8S_CNI_LOGLEVEL, MY_NODE_NAME
and the AWS SDK's AWS_ENDPOINT_URL_EC2, AWS_EC2_METADATA_SERVICE_ENDPOINT, AWS_REGION, plus our own
VPC_CNI_HOST_NETNS (configure this network namespace instead of ipamd's own), VPC_CNI_IPAMD_SOCKET,
VPC_CNI_METRICS_BIND_ADDRESS and VPC_CNI_MAX_PODS. 'vpc-cni ipamd --variables' lists all ${CONFIG_VARIABLES.length}.

Against the embedded VPC (see 'vpc-cni sim'):
  AWS_ENDPOINT_URL_EC2=http://127.0.0.1:PORT AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:PORT2 \\
  AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x AWS_VPC_K8S_CNI_LOG_FILE=stdout vpc-cni ipamd
`;

function variablesTable(): string {
  const width = Math.max(...CONFIG_VARIABLES.map((v) => v.name.length));
  return `${CONFIG_VARIABLES.map((v) => `${v.name.padEnd(width)}  ${(v.default === '' ? '-' : v.default).padEnd(34)}  ${v.description}`).join('\n')}\n`;
}

async function run(args: readonly string[], io: CliIo): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(USAGE);
    return EXIT_OK;
  }
  if (args.includes('--variables')) {
    io.stdout.write(variablesTable());
    return EXIT_OK;
  }
  if (args.length > 0)
    throw new CliError(
      'CLI_USAGE',
      `unexpected argument '${args[0] ?? ''}' (ipamd is configured by environment variables)`,
    );
  let loaded;
  try {
    loaded = loadConfigFromProcess();
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr.write(`vpc-cni ipamd: ${error.message}\n`);
      return EXIT_FAILURE;
    }
    throw error;
  }
  const { runIpamd } = await import('../../ipamd/main.js');
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await runIpamd(loaded, { signal: controller.signal });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

export const ipamdCommand: CliCommand = { usage: USAGE, run };
