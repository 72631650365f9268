/**
 * `vpc-cni status`: the seed's curl commands against a node's introspection API, as a command with tables — ENIs,
 * pods, settings and the warm pool's plan — with `-o json` for the raw documents and `-o wide` for more columns.
 * Without a subcommand, one line per node of the running demo.
 */
import { EXIT_OK, type CliCommand, type CliIo } from '../io.js';
import { flagCommand, type Flags } from '../args.js';
import { DEFAULT_ENDPOINT, getIntrospection, resolveTarget, type Target } from '../status/client.js';
import { enisSummary, enisTable, parseEnis, parsePods, podsTable } from '../status/enis.js';
import { prettyJson, statusOutput, type StatusOutput } from '../status/format.js';
import { envText, poolText } from '../status/pool.js';
import { DEFAULT_RUN_DIR, readDemoState } from '../../demo/run-dir.js';
import { formatTable } from '../table.js';
import { systemClock } from '../../obs/clock.js';
import { CliError } from '../errors.js';

const OPTIONS = {
  node: { type: 'string' },
  endpoint: { type: 'string' },
  output: { type: 'string', short: 'o' },
  'run-dir': { type: 'string' },
} as const;

const USAGE = `Usage: vpc-cni status [enis|pods|env|pool] [options]

Reads a node's ipamd introspection API (the seed's 'curl http://localhost:61679/v1/...' commands) and prints tables:
  enis    ENIs: device, id, IPs and prefixes, addresses assigned / cooling down / free, subnet   (/v1/enis)
  pods    pods and their addresses: pod, namespace, IP, device                                  (/v1/pods)
  env     host networking and ipamd settings       (/v1/networkutils-env-settings, /v1/ipamd-env-settings)
  pool    the warm pool's last plan and why, its limits, recent EC2 actions and errors           (/v1/pool)
Without a subcommand: one line per node of the running demo (or for --node / --endpoint).

Options:
  --node NAME          a node of the running demo: its name, short name (ip-10-11-16-31), private IP or number (1-3)
  --endpoint URL       an introspection endpoint (default ${DEFAULT_ENDPOINT}: node 1 of the demo, or a real node's ipamd)
  -o, --output FORMAT  table (default), wide (more columns; every address for enis), json (the raw documents)
  --run-dir DIR        the demo's run directory, to find --node (default ${DEFAULT_RUN_DIR})
  -h, --help           show this help

Examples:
  vpc-cni status enis --node ip-10-11-55-30
  vpc-cni status pool -o json | jq .cards[0].summary
  vpc-cni get pods -o wide      (every pod of the demo, as kubectl shows them)
`;

type Sub = 'enis' | 'pods' | 'env' | 'pool' | 'overview';

async function enis(target: Target, output: StatusOutput, now: number): Promise<string> {
  const doc = await getIntrospection(target.endpoint, '/v1/enis');
  if (output === 'json') return prettyJson(doc);
  const rows = parseEnis(doc, target.endpoint, now);
  const title = `${target.node ?? target.endpoint}: ${enisSummary(rows)} (cooldown: IP_COOLDOWN_PERIOD's default, 30 s)\n`;
  return `${title}${enisTable(rows, now, { wide: output === 'wide' })}`;
}

async function pods(target: Target, output: StatusOutput, now: number): Promise<string> {
  const doc = await getIntrospection(target.endpoint, '/v1/pods');
  if (output === 'json') return prettyJson(doc);
  const entries = parsePods(doc, target.endpoint);
  if (entries.length === 0) return `${target.node ?? target.endpoint}: no pods\n`;
  const eniRows =
    output === 'wide'
      ? parseEnis(await getIntrospection(target.endpoint, '/v1/enis'), target.endpoint, now)
      : undefined;
  return podsTable(entries, eniRows, now);
}

async function env(target: Target, output: StatusOutput): Promise<string> {
  const networkutils = await getIntrospection(target.endpoint, '/v1/networkutils-env-settings');
  const ipamd = await getIntrospection(target.endpoint, '/v1/ipamd-env-settings');
  if (output === 'json')
    return prettyJson({ '/v1/networkutils-env-settings': networkutils, '/v1/ipamd-env-settings': ipamd });
  return envText(networkutils, ipamd, target.endpoint);
}

async function pool(target: Target, output: StatusOutput, now: number): Promise<string> {
  const doc = await getIntrospection(target.endpoint, '/v1/pool');
  if (output === 'json') return prettyJson(doc);
  return poolText(doc, now, { wide: output === 'wide', endpoint: target.endpoint });
}

async function overview(targets: readonly Target[], output: StatusOutput, now: number): Promise<string> {
  const docs = await Promise.all(
    targets.map(async (t) => ({ t, doc: await getIntrospection(t.endpoint, '/v1/enis') })),
  );
  if (output === 'json') return prettyJson(Object.fromEntries(docs.map(({ t, doc }) => [t.node ?? t.endpoint, doc])));
  const rows = docs.map(({ t, doc }) => {
    const list = parseEnis(doc, t.endpoint, now);
    const all = list.flatMap((e) => e.addresses);
    const n = (state: string): string => String(all.filter((a) => a.state === state).length);
    return [
      t.node ?? '-',
      t.endpoint,
      String(list.length),
      String(all.length),
      n('assigned'),
      n('cooling down'),
      n('free'),
    ];
  });
  return formatTable(['NODE', 'INTROSPECTION', 'ENIS', 'ADDRESSES', 'ASSIGNED', 'COOLING DOWN', 'FREE'], rows);
}

async function run({ values, positionals }: Flags<typeof OPTIONS, true>, io: CliIo): Promise<number> {
  const [subText = 'overview', extra] = positionals;
  if (extra !== undefined) throw new CliError('CLI_USAGE', `unexpected argument '${extra}'`);
  if (!['enis', 'pods', 'env', 'pool', 'overview'].includes(subText))
    throw new CliError('CLI_USAGE', `unknown status view '${subText}' (enis, pods, env, pool)`);
  const sub = subText as Sub;
  const output = statusOutput(values.output);
  const runDir = values['run-dir'] ?? DEFAULT_RUN_DIR;
  const now = systemClock.now();
  if (sub === 'overview') {
    const state = values.node === undefined && values.endpoint === undefined ? await readDemoState(runDir) : undefined;
    const targets =
      state === undefined
        ? [await resolveTarget({ node: values.node, endpoint: values.endpoint, runDir })]
        : state.nodes.map((n) => ({ endpoint: n.introspection, node: n.name }));
    io.stdout.write(await overview(targets, output, now));
    return EXIT_OK;
  }
  const target = await resolveTarget({ node: values.node, endpoint: values.endpoint, runDir });
  const views = {
    enis: () => enis(target, output, now),
    pods: () => pods(target, output, now),
    env: () => env(target, output),
    pool: () => pool(target, output, now),
  };
  io.stdout.write(await views[sub]());
  return EXIT_OK;
}

export const statusCommand: CliCommand = flagCommand({ usage: USAGE, options: OPTIONS, positionals: true, run });
