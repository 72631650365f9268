/**
 * `vpc-cni get pods`: the pods of the running demo as `kubectl get pods --all-namespaces` shows them, built from
 * what each node's ipamd knows (`/v1/enis`: every assigned address with its pod's name, namespace and assignment
 * time), so the table is the nodes' own view, not the demo's bookkeeping.
 */
import { EXIT_OK, type CliCommand, type CliIo } from '../io.js';
import { flagCommand, type Flags } from '../args.js';
import { demoNodes, DEFAULT_RUN_DIR } from '../../demo/run-dir.js';
import { findNode, getIntrospection, parseEndpoint, type Target } from '../status/client.js';
import { parseEnis } from '../status/enis.js';
import { prettyJson, statusOutput } from '../status/format.js';
import { formatTable, humanDuration, podTable, type PodRow } from '../table.js';
import { systemClock } from '../../obs/clock.js';
import { CliError } from '../errors.js';

const OPTIONS = {
  node: { type: 'string' },
  endpoint: { type: 'string' },
  output: { type: 'string', short: 'o' },
  namespace: { type: 'string', short: 'n' },
  'all-namespaces': { type: 'boolean', short: 'A' },
  'run-dir': { type: 'string' },
} as const;

const USAGE = `Usage: vpc-cni get pods [options]

The running demo's pods as 'kubectl get pods --all-namespaces' shows them, from each node's ipamd (/v1/enis).

Options:
  -o, --output FORMAT   table (default: NAMESPACE NAME READY STATUS RESTARTS AGE), wide (+ IP, NODE, ...), json
  -n, --namespace NS    only this namespace
  -A, --all-namespaces  accepted for kubectl habits (every namespace is shown anyway)
  --node NAME           only this node of the demo (name, short name, private IP or number)
  --endpoint URL        one ipamd's introspection endpoint instead of the demo's nodes
  --run-dir DIR         the demo's run directory (default ${DEFAULT_RUN_DIR})
  -h, --help            show this help
`;

async function targets(values: {
  node?: string | undefined;
  endpoint?: string | undefined;
  runDir: string;
}): Promise<Target[]> {
  if (values.endpoint !== undefined) {
    if (values.node !== undefined) throw new CliError('CLI_USAGE', 'give --endpoint or --node, not both');
    return [{ endpoint: parseEndpoint(values.endpoint) }];
  }
  const nodes = await demoNodes(values.runDir);
  const chosen = values.node === undefined ? nodes : [findNode(nodes, values.node)];
  return chosen.map((n) => ({ endpoint: n.introspection, node: n.name }));
}

/** Every pod on one node: the assigned addresses of its ENIs that carry pod metadata. */
async function nodePods(target: Target, now: number): Promise<PodRow[]> {
  const enis = parseEnis(await getIntrospection(target.endpoint, '/v1/enis'), target.endpoint, now);
  return enis.flatMap((eni) =>
    eni.addresses.flatMap((a) => {
      if (a.state !== 'assigned' || a.pod === undefined) return [];
      const [namespace = '', name = ''] = a.pod.split('/');
      return [
        {
          namespace,
          name,
          status: 'Running',
          ip: a.address,
          node: target.node ?? target.endpoint.replace(/^https?:\/\//, ''),
          createdAt: a.since ?? now,
        },
      ];
    }),
  );
}

async function run({ values, positionals }: Flags<typeof OPTIONS, true>, io: CliIo): Promise<number> {
  const [resource, extra] = positionals;
  if (resource === undefined) throw new CliError('CLI_USAGE', 'say what to get: vpc-cni get pods');
  if (!['pods', 'pod', 'po'].includes(resource))
    throw new CliError('CLI_USAGE', `only pods can be listed, not '${resource}'`);
  if (extra !== undefined) throw new CliError('CLI_USAGE', `unexpected argument '${extra}'`);
  const output = statusOutput(values.output);
  const now = systemClock.now();
  const list = await targets({
    node: values.node,
    endpoint: values.endpoint,
    runDir: values['run-dir'] ?? DEFAULT_RUN_DIR,
  });
  const pods = (await Promise.all(list.map((t) => nodePods(t, now))))
    .flat()
    .filter((p) => values.namespace === undefined || p.namespace === values.namespace);
  if (output === 'json') {
    io.stdout.write(prettyJson(pods.map((p) => ({ ...p, createdAt: new Date(p.createdAt).toISOString() }))));
  } else if (pods.length === 0) {
    io.stdout.write(
      values.namespace === undefined
        ? 'No resources found\n'
        : `No resources found in ${values.namespace} namespace.\n`,
    );
  } else if (output === 'wide') {
    io.stdout.write(podTable(pods, now));
  } else {
    const sorted = [...pods].sort((a, b) =>
      a.namespace === b.namespace ? (a.name < b.name ? -1 : 1) : a.namespace < b.namespace ? -1 : 1,
    );
    io.stdout.write(
      formatTable(
        ['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
        sorted.map((p) => [p.namespace, p.name, '1/1', p.status, '0', humanDuration(now - p.createdAt)]),
      ),
    );
  }
  return EXIT_OK;
}

export const getCommand: CliCommand = flagCommand({ usage: USAGE, options: OPTIONS, positionals: true, run });
