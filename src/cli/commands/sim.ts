/**
 * `vpc-cni sim`: runs the embedded VPC until SIGINT/SIGTERM. Prints one JSON line on stdout when ready (the EC2
 * endpoint, the region, each instance's IMDS endpoint and node namespace), logs to stderr, and shuts down cleanly
 * (state saved, namespaces removed).
 */
import { EXIT_OK, type CliCommand, type CliIo } from '../io.js';
import { flagCommand, intFlag, type Flags } from '../args.js';
import { systemClock } from '../../obs/clock.js';
import { startSim, SCENARIOS, type SimOptions } from '../../sim/index.js';
import { CliError } from '../errors.js';

const OPTIONS = {
  listen: { type: 'string' },
  scenario: { type: 'string' },
  state: { type: 'string' },
  'data-plane': { type: 'boolean' },
  'imds-tokens': { type: 'string' },
  'imds-lag-ms': { type: 'string' },
  'no-throttle': { type: 'boolean' },
  'throttle-scale': { type: 'string' },
  'cidr-association-delay-ms': { type: 'string' },
  seed: { type: 'string' },
  'log-requests': { type: 'boolean' },
} as const;

const scenarioLines = Object.values(SCENARIOS)
  .map((s) => `  ${s.name.padEnd(12)} ${s.description} (${s.region})`)
  .join('\n');

const USAGE = `Usage: vpc-cni sim [options]

Runs the embedded VPC: an EC2 Query API and one IMDS server per instance on 127.0.0.1, speaking the real wire
protocol, so that the AWS SDK, the AWS CLI (with --endpoint-url) and ipamd use it as they would AWS. When ready it
prints one JSON line: {"ec2": URL, "region": ..., "instances": {"i-...": {"imds": URL, "netns": NAME|null, ...}}}.
Runs until SIGINT or SIGTERM.

Options:
  --listen HOST:PORT              EC2 endpoint (loopback only; port 0 picks a free port) (default 127.0.0.1:0)
  --scenario NAME                 starting state (default eksworkshop)
  --state FILE                    load the state from FILE when it exists, save it there on exit
  --data-plane                    a network namespace per instance and a VPC fabric (root only)
  --imds-tokens optional|required IMDSv1 allowed, or IMDSv2 tokens required (default optional)
  --imds-lag-ms MS                delay before IMDS shows ENI and address changes (default 0)
  --no-throttle                   turn off EC2's per-action request throttling
  --throttle-scale X              multiply every throttle bucket's size and refill rate (default 1)
  --cidr-association-delay-ms MS  time a new VPC CIDR stays 'associating' (default 1000)
  --seed TEXT                     seed for resource ids (default vpc-cni)
  --log-requests                  log every EC2 request on stderr
  -h, --help                      show this help

Scenarios:
${scenarioLines}

Admin API on the same port: GET /_sim/state, GET|PUT /_sim/faults, /_sim/throttle, /_sim/imds.
Example: aws ec2 describe-vpcs --endpoint-url http://127.0.0.1:PORT (with AWS_EC2_METADATA_DISABLED=true,
dummy AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY and AWS_REGION set).
`;

function parseListen(text: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(text);
  const port = Number(match?.[2]);
  if (match?.[1] === undefined || !Number.isInteger(port) || port > 65535) {
    throw new CliError('CLI_USAGE', `--listen must be HOST:PORT (e.g. 127.0.0.1:0), not '${text}'`);
  }
  return { host: match[1].replace(/^\[(.*)\]$/, '$1'), port };
}

type SimFlags = Flags<typeof OPTIONS, false>['values'];

function simOptions(values: SimFlags): SimOptions {
  const tokens = values['imds-tokens'] ?? 'optional';
  if (tokens !== 'optional' && tokens !== 'required')
    throw new CliError('CLI_USAGE', `--imds-tokens must be optional or required, not '${tokens}'`);
  const scale = values['throttle-scale'] === undefined ? undefined : Number(values['throttle-scale']);
  if (scale !== undefined && !(Number.isFinite(scale) && scale > 0)) {
    throw new CliError(
      'CLI_USAGE',
      `--throttle-scale must be a positive number, not '${values['throttle-scale'] ?? ''}'`,
    );
  }
  const lag = intFlag('imds-lag-ms', values['imds-lag-ms'], { min: 0, max: 600_000 });
  const delay = intFlag('cidr-association-delay-ms', values['cidr-association-delay-ms'], { min: 0, max: 600_000 });
  const listen = parseListen(values.listen ?? '127.0.0.1:0');
  return {
    scenario: values.scenario ?? 'eksworkshop',
    host: listen.host,
    port: listen.port,
    clock: systemClock,
    dataPlane: values['data-plane'] === true,
    imdsTokens: tokens,
    throttle: { enabled: values['no-throttle'] !== true, ...(scale === undefined ? {} : { scale }) },
    ...(values.state === undefined ? {} : { statePath: values.state }),
    ...(lag === undefined ? {} : { imdsLagMs: lag }),
    ...(delay === undefined ? {} : { cidrAssociationDelayMs: delay }),
    ...(values.seed === undefined ? {} : { seed: values.seed }),
  };
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const done = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve(signal);
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}

async function run({ values }: Flags<typeof OPTIONS, false>, io: CliIo): Promise<number> {
  const options = simOptions(values);
  const logRequests = values['log-requests'] === true;
  const sim = await startSim({
    ...options,
    onWarning: (message, error) =>
      io.stderr.write(`vpc-cni sim: warning: ${message}${error instanceof Error ? `: ${error.message}` : ''}\n`),
    ...(logRequests
      ? {
          onRequest: (r) =>
            io.stderr.write(
              `${r.action} ${r.status}${r.code === undefined ? '' : ` ${r.code}`} ${r.ms.toFixed(1)}ms\n`,
            ),
        }
      : {}),
  });
  const signal = waitForSignal();
  try {
    await sim.settled();
    io.stdout.write(`${JSON.stringify(sim.describe())}\n`);
    io.stderr.write(
      `vpc-cni sim: ${sim.store.instances.size} instances in ${sim.store.region}; EC2 at ${sim.ec2Url}; Ctrl-C to stop\n`,
    );
    const received = await signal;
    io.stderr.write(`vpc-cni sim: ${received}, shutting down\n`);
  } finally {
    await sim.close();
  }
  return EXIT_OK;
}

export const simCommand: CliCommand = flagCommand({ usage: USAGE, options: OPTIONS, positionals: false, run });
