/**
 * `vpc-cni demo`: a three-node cluster in the embedded VPC with pods made as a runtime makes them, the kubectl-style
 * pod table, a pod → pod ping across nodes and where to look next; runs until Ctrl-C (or `--exit`), then removes
 * everything. `vpc-cni demo scale N` (another shell) sets the pods per node of the running demo.
 *
 * Ctrl-C once: stop and clean up (pods DEL'd, ipamd stopped, namespaces and files removed). Twice: skip the DELs.
 * Three times: exit at once (the next demo removes the leftovers).
 */
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT_FAILURE, EXIT_OK, type CliCommand, type CliIo } from '../io.js';
import { flagCommand, intFlag, type Flags } from '../args.js';
import { getIntrospection } from '../status/client.js';
import { enisSummary, parseEnis } from '../status/enis.js';
import { requestScale } from '../../demo/control-client.js';
import { DemoError } from '../../demo/errors.js';
import { DEFAULT_BASE_PORT } from '../../demo/ports.js';
import { createProgress } from '../progress.js';
import { DEFAULT_RUN_DIR, readDemoState } from '../../demo/run-dir.js';
import { systemClock } from '../../obs/clock.js';
import { CliError } from '../errors.js';

const OPTIONS = {
  pods: { type: 'string' },
  exit: { type: 'boolean' },
  'base-port': { type: 'string' },
  'run-dir': { type: 'string' },
  env: { type: 'string', multiple: true },
} as const;

const USAGE = `Usage: vpc-cni demo [options]          (as root)
       vpc-cni demo scale N [--run-dir DIR]

Starts a three-node cluster on this machine, inside network namespaces only: the embedded VPC (the seed's
eksworkshop VPC, three m5.large nodes), one ipamd per node, then pods created as a container runtime creates them
(a network namespace + the aws-cni plugin's ADD). Prints the nodes, the pods as 'kubectl get pods -A -o wide' shows
them, a ping from a pod to a pod on the next node, and commands to look further. Runs until Ctrl-C, then removes
every pod (DEL), stops ipamd and deletes every namespace and file it made.

Options:
  --pods N          pods per node (default 3; at most 27, what an m5.large's 3 ENIs × 9 secondary IPs hold)
  --exit            stop and clean up right after printing, instead of running until Ctrl-C
  --base-port P     ipamd introspection on P, P+1, P+2 and metrics on P-1, P-2, P-3, EC2 API on P+3
                    (default ${DEFAULT_BASE_PORT}, like a real node's 61679/61678; 0 picks free ports)
  --run-dir DIR     sockets, checkpoints, logs, control socket (default ${DEFAULT_RUN_DIR}; removed at the end)
  --env KEY=VALUE   an ipamd setting for every node, repeatable (e.g. --env WARM_IP_TARGET=5 --env MINIMUM_IP_TARGET=10)
  -h, --help        show this help

While it runs, from another shell:
  vpc-cni demo scale 20       20 pods per node: ENIs attach as the pool grows; scale down and addresses cool down
  vpc-cni status enis --node ip-10-11-16-31     vpc-cni get pods -o wide     curl -s http://127.0.0.1:61679/v1/enis
`;

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** How the user runs vpc-cni from their directory, for the commands the demo prints. */
function cliPath(): string {
  const path = relative(process.cwd(), `${root}bin/vpc-cni`);
  return path.startsWith('.') || path.startsWith('/') ? path : `./${path}`;
}

function parseEnv(entries: readonly string[] | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of entries ?? []) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(entry);
    if (match?.[1] === undefined) throw new CliError('CLI_USAGE', `--env takes KEY=VALUE, not '${entry}'`);
    env[match[1]] = match[2] ?? '';
  }
  return env;
}

async function scale(args: readonly string[], runDir: string, io: CliIo): Promise<number> {
  const [text, extra] = args;
  if (text === undefined || extra !== undefined)
    throw new CliError('CLI_USAGE', 'usage: vpc-cni demo scale N (pods per node)');
  const perNode = intFlag('pods', text, { min: 0, max: 1000 }) ?? 0;
  const progress = createProgress(io.stderr);
  let step: ReturnType<typeof progress.step> | undefined;
  let removed = 0;
  const done = await requestScale(runDir, perNode, (event) => {
    if (event.kind === 'plan')
      step = progress.step(
        `scaling to ${event.perNode} pods per node: ${event.add} to create, ${event.remove} to remove`,
        event.add + event.remove,
      );
    else if (event.kind === 'added')
      step?.log(`+ ${event.pod}: ${event.ip} on ${event.node} (ADD ${event.ms.toFixed(0)} ms)`);
    else if (event.kind === 'removed') {
      removed += 1;
      step?.log(`- ${event.pod}: ${event.ip} released on ${event.node}`);
    } else if (event.kind === 'failed') step?.log(`✗ ${event.pod} on ${event.node}: ${event.message}`);
    if (event.kind === 'added' || event.kind === 'removed' || event.kind === 'failed')
      step?.update(event.done, event.pod);
    if (event.kind === 'done') {
      if (event.failed > 0) step?.fail(`${event.failed} pods failed; ${event.pods} pods running`);
      else step?.succeed(`${event.pods} pods running`);
    }
  });
  const state = await readDemoState(runDir);
  for (const node of state?.nodes ?? []) {
    const enis = parseEnis(
      await getIntrospection(node.introspection, '/v1/enis'),
      node.introspection,
      systemClock.now(),
    );
    io.stdout.write(`${node.name}: ${enisSummary(enis)}\n`);
  }
  if (removed > 0) {
    io.stdout.write(
      "Released addresses cool down for 30 s before ipamd hands them out again; surplus ENIs go back to EC2 later ('vpc-cni status pool' says when and why).\n",
    );
  }
  return done.failed > 0 ? EXIT_FAILURE : EXIT_OK;
}

async function run({ values, positionals }: Flags<typeof OPTIONS, true>, io: CliIo): Promise<number> {
  const runDir = values['run-dir'] ?? DEFAULT_RUN_DIR;
  if (positionals[0] === 'scale') return scale(positionals.slice(1), runDir, io);
  if (positionals.length > 0)
    throw new CliError(
      'CLI_USAGE',
      `unexpected argument '${positionals[0] ?? ''}' (did you mean 'vpc-cni demo scale N'?)`,
    );
  const podsPerNode = intFlag('pods', values.pods, { min: 0, max: 1000 }) ?? 3;
  const basePort = intFlag('base-port', values['base-port'], { min: 0, max: 65530 }) ?? DEFAULT_BASE_PORT;
  if (basePort !== 0 && basePort < 1028)
    throw new CliError('CLI_USAGE', `--base-port must be 0 or from 1028 to 65530, not ${basePort}`);
  const ipamdEnv = parseEnv(values.env);

  const stop = new AbortController();
  const force = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals === 1) {
      io.stderr.write(
        `\nvpc-cni demo: ${signal}: stopping and removing everything (Ctrl-C again to skip the pods' DEL)\n`,
      );
      stop.abort();
    } else if (signals === 2) {
      io.stderr.write('\nvpc-cni demo: forced: removing namespaces without DEL (Ctrl-C again to exit at once)\n');
      force.abort();
    } else {
      io.stderr.write('\nvpc-cni demo: exiting now; the next demo removes what is left\n');
      process.exit(130);
    }
  };
  // `vpc-cni demo | head` closes our stdout early: an EPIPE must not kill the demo before it has cleaned up.
  for (const stream of [io.stdout, io.stderr] as { on?: (event: 'error', listener: () => void) => unknown }[])
    stream.on?.('error', () => undefined);
  const signalNames: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const name of signalNames) process.on(name, onSignal);
  const { runDemo } = await import('../../demo/demo.js');
  try {
    return await runDemo({
      runDir,
      basePort,
      podsPerNode,
      exit: values.exit === true,
      plugin: `${root}bin/aws-cni`,
      cli: cliPath(),
      ipamdEnv,
      out: io.stdout,
      progress: createProgress(io.stderr),
      stop: stop.signal,
      force: force.signal,
      onWarning: (message) => io.stderr.write(`vpc-cni demo: warning: ${message}\n`),
    });
  } catch (error) {
    if (error instanceof DemoError && error.code === 'DEMO_INTERRUPTED') {
      io.stderr.write('vpc-cni demo: stopped before it was ready; everything it made was removed\n');
      return 130;
    }
    throw error;
  } finally {
    for (const name of signalNames) process.off(name, onSignal);
  }
}

export const demoCommand: CliCommand = flagCommand({ usage: USAGE, options: OPTIONS, positionals: true, run });
