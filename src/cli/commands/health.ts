/**
 * `vpc-cni health`: the aws-node container's probes, on ipamd's gRPC health service (`grpc.health.v1.aws-node`) as
 * the reference's grpc-health-probe asks it. Liveness and readiness are different questions: ipamd initialising a
 * node (EC2 slow, a checkpoint to restore) is alive but not ready, and restarting it then would only start over.
 *
 *   --live   exit 0 when ipamd answers the health service at all (SERVING or NOT_SERVING)
 *   --ready  exit 0 only when it answers SERVING: the node is initialised and a pod can get an address
 *
 * When not ready, the reason (the start-up step ipamd is on) is read from the introspection API and printed.
 */
import { EXIT_FAILURE, EXIT_OK, type CliCommand, type CliIo } from '../io.js';
import { flagCommand, intFlag, type Flags } from '../args.js';
import { CliError } from '../errors.js';
import { ConfigError, loadConfigFromProcess, type Config } from '../../config/index.js';
import { createRpcClient } from '../../rpc/client.js';
import { HEALTH_SERVICE_NAME } from '../../rpc/proto.js';
import { RPC_CLIENT_VERSION } from '../../version.js';
import { messageOf } from '../../errors.js';

const USAGE = `Usage: vpc-cni health --live|--ready [--socket PATH] [--timeout SECONDS]

Asks ipamd's gRPC health service (${HEALTH_SERVICE_NAME}) on its socket, as the DaemonSet's probes do.

Options:
  --live            succeed when ipamd answers at all, initialising or not (the liveness probe)
  --ready           succeed only when ipamd answers SERVING: the node is initialised (the readiness probe)
  --socket PATH     ipamd's socket (default: VPC_CNI_IPAMD_SOCKET, else /var/run/aws-node/ipamd.sock)
  --timeout SECONDS how long to wait for the answer (default 5, as the reference's probe)
  -h, --help        show this help

Exit status: 0 healthy, 1 not (the reason on stderr), 2 usage or configuration error.
`;

const OPTIONS = {
  live: { type: 'boolean' },
  ready: { type: 'boolean' },
  socket: { type: 'string' },
  timeout: { type: 'string' },
} as const;

/** The start-up step from the introspection API's 503 body, when it answers in time; undefined otherwise. */
async function notReadyReason(config: Config, timeoutMs: number): Promise<string | undefined> {
  const bind = config.servers.introspectionBindAddress;
  if (!config.servers.introspection || bind.kind !== 'tcp') return undefined;
  try {
    const host = bind.host.includes(':') ? `[${bind.host}]` : bind.host;
    const response = await fetch(`http://${host}:${bind.port}/v1/enis`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await response.json()) as { error?: unknown };
    return response.status === 503 && typeof body.error === 'string' ? body.error : undefined;
  } catch {
    return undefined;
  }
}

async function run({ values }: Flags<typeof OPTIONS, false>, io: CliIo): Promise<number> {
  if (values.live === values.ready) throw new CliError('CLI_USAGE', 'give exactly one of --live and --ready');
  const timeoutMs = (intFlag('timeout', values.timeout, { min: 1, max: 300 }) ?? 5) * 1000;
  let config: Config;
  try {
    config = loadConfigFromProcess().config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr.write(`vpc-cni health: ${error.message}\n`);
    return 2;
  }
  const socketPath = values.socket ?? config.paths.ipamdSocket;
  const client = createRpcClient({ socketPath, timeoutMs, clientVersion: RPC_CLIENT_VERSION });
  let status: string;
  try {
    status = await client.health(HEALTH_SERVICE_NAME);
  } catch (error) {
    io.stderr.write(`vpc-cni health: ipamd does not answer on ${socketPath}: ${messageOf(error)}\n`);
    return EXIT_FAILURE;
  } finally {
    client.close();
  }
  if (status === 'SERVING' || (values.live === true && status === 'NOT_SERVING')) {
    io.stdout.write(`ipamd on ${socketPath}: ${status}\n`);
    return EXIT_OK;
  }
  const reason = status === 'NOT_SERVING' ? await notReadyReason(config, Math.min(timeoutMs, 2_000)) : undefined;
  io.stderr.write(
    `vpc-cni health: ipamd on ${socketPath} answers ${status}${reason === undefined ? '' : `: ${reason}`}\n`,
  );
  return EXIT_FAILURE;
}

export const healthCommand: CliCommand = flagCommand({ usage: USAGE, options: OPTIONS, positionals: false, run });
