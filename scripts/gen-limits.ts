// Generates src/limits/instance-limits.json from the read-only limits table
// (../shared/data/instance-network-limits.tsv).
//
//   npx tsx scripts/gen-limits.ts [TSV]           write the JSON (npm run gen:limits)
//   npx tsx scripts/gen-limits.ts --check [TSV]   exit 1 with a summary when the committed JSON differs from the TSV
//
// Every row is validated strictly and the output is deterministic (sorted by type, one type per line, no
// timestamps), so that a regenerated file only differs where the table does. The module also exports
// `parseLimitsTsv` and `renderLimitsJson`, which the limits test uses to compare the committed file with the TSV
// (the tests import this file compiled into build/spec/scripts/, hence the repository root found by walking up).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The directory holding package.json, above this file (scripts/) or its compiled copy (build/spec/scripts/). */
function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('gen-limits: package.json not found above the script');
    dir = parent;
  }
  return dir;
}

const repoRoot = findRepoRoot();
export const DEFAULT_TSV = resolve(repoRoot, '..', 'shared', 'data', 'instance-network-limits.tsv');
export const OUTPUT = join(repoRoot, 'src', 'limits', 'instance-limits.json');

export const COLUMNS = [
  'instance_type',
  'max_enis',
  'ipv4_per_eni',
  'ipv6_per_eni',
  'hypervisor',
  'bare_metal',
  'default_network_card_index',
  'network_cards',
  'branch_interfaces',
  'vcpus',
] as const;
type Column = (typeof COLUMNS)[number];

/** One instance type's limits, as the JSON holds them (its key is the type). */
export interface LimitsRow {
  readonly maxEnis: number | null;
  readonly ipv4PerEni: number | null;
  readonly ipv6PerEni: number | null;
  readonly hypervisor: string;
  readonly bareMetal: boolean;
  readonly defaultNetworkCardIndex: number | null;
  /** [index, maximum ENIs] per network card, by increasing index. */
  readonly networkCards: [number, number][];
  readonly branchInterfaces: number | null;
  readonly vcpus: number | null;
}

// Where each TSV column comes from (shared/data/README.md); kept in the JSON so that the data names its origin.
const SOURCE = {
  table: 'shared/data/instance-network-limits.tsv',
  generator: 'scripts/gen-limits.ts',
  origins: [
    {
      columns: COLUMNS.slice(0, 8),
      repository: 'aws/amazon-vpc-cni-k8s',
      path: 'pkg/vpc/vpc_ip_resource_limit.go',
      commit: 'b52188387f2e2f10bf289ace929d6a63b176a4fa',
      note: 'v1.23.1; max_enis is the default network card only; hypervisor unknown where EC2 reports none; ipv6_per_eni is always null',
    },
    {
      columns: ['branch_interfaces'],
      repository: 'aws/amazon-vpc-resource-controller-k8s',
      path: 'pkg/aws/vpc/limits.go',
      commit: 'b8d425119bdba371202882b808f202c6073a46cc',
      note: 'null where the resource controller does not list the type; 0 where it is not trunking-compatible',
    },
    {
      columns: ['vcpus'],
      repository: 'kubernetes/autoscaler',
      path: 'cluster-autoscaler/cloudprovider/aws/ec2_instance_types.go',
      commit: '55c37cd5eb550756c5ccc5a89e9068d77797e575',
      note: 'the VCPU field; null where the type is not listed',
    },
  ],
};

const TYPE_NAME = /^[a-z0-9][a-z0-9-]*\.[a-z0-9-]+$/;
const UINT = /^(0|[1-9][0-9]*)$/;

/** Parses and validates the TSV text; throws an Error listing every bad row. Returns rows sorted by type. */
export function parseLimitsTsv(text: string): [string, LimitsRow][] {
  const errors: string[] = [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const header = lines[0] ?? '';
  if (header !== COLUMNS.join('\t')) {
    throw new Error(
      `bad header: expected the ${COLUMNS.length} tab-separated columns ${COLUMNS.join(', ')}, got '${header}'`,
    );
  }
  const rows = new Map<string, LimitsRow>();
  for (const [i, line] of lines.slice(1).entries()) {
    const at = `line ${i + 2}`;
    const fail = (message: string): void => {
      errors.push(`${at}: ${message}`);
    };
    const cells = line.split('\t');
    if (cells.length !== COLUMNS.length) {
      fail(`expected ${COLUMNS.length} cells, got ${cells.length}`);
      continue;
    }
    const cell = Object.fromEntries(COLUMNS.map((name, c) => [name, cells[c] ?? ''])) as Record<Column, string>;
    const int = (name: Column, { min = 0, optional = false } = {}): number | null => {
      const value = cell[name];
      if (value === '' && optional) return null;
      if (!UINT.test(value) || Number(value) < min) {
        fail(`${name} '${value}' is not an integer >= ${min}${optional ? ' or empty' : ''}`);
        return null;
      }
      return Number(value);
    };
    const type = cell.instance_type;
    if (!TYPE_NAME.test(type)) {
      fail(`instance_type '${type}' is not an EC2 type name`);
      continue;
    }
    if (rows.has(type)) {
      fail(`duplicate instance_type '${type}'`);
      continue;
    }
    const maxEnis = int('max_enis', { min: 1 });
    const ipv4PerEni = int('ipv4_per_eni', { min: 1 });
    const ipv6PerEni = int('ipv6_per_eni', { optional: true });
    const hypervisor = cell.hypervisor;
    if (!['nitro', 'xen', 'unknown'].includes(hypervisor))
      fail(`hypervisor '${hypervisor}' is not nitro, xen or unknown`);
    if (cell.bare_metal !== 'true' && cell.bare_metal !== 'false')
      fail(`bare_metal '${cell.bare_metal}' is not true or false`);
    const defaultCard = int('default_network_card_index');
    const cards: [number, number][] = [];
    for (const pair of cell.network_cards.split(';')) {
      const match = /^(0|[1-9][0-9]*):([1-9][0-9]*)$/.exec(pair);
      if (match === null) {
        fail(`network_cards '${cell.network_cards}' is not index:maxENIs pairs joined by ';'`);
        break;
      }
      const index = Number(match[1]);
      if (cards.some(([seen]) => seen >= index))
        fail(`network_cards '${cell.network_cards}' is not in increasing index order`);
      cards.push([index, Number(match[2])]);
    }
    const card = cards.find(([index]) => index === defaultCard);
    if (defaultCard !== null && card === undefined) fail(`default network card ${defaultCard} is not in network_cards`);
    if (card !== undefined && maxEnis !== null && card[1] !== maxEnis) {
      fail(`max_enis ${maxEnis} differs from the default card's ${card[1]} ENIs`);
    }
    const branchInterfaces = int('branch_interfaces', { optional: true });
    const vcpus = int('vcpus', { min: 1, optional: true });
    rows.set(type, {
      maxEnis,
      ipv4PerEni,
      ipv6PerEni,
      hypervisor,
      bareMetal: cell.bare_metal === 'true',
      defaultNetworkCardIndex: defaultCard,
      networkCards: cards,
      branchInterfaces,
      vcpus,
    });
  }
  if (rows.size === 0) errors.push('the table has no rows');
  if (errors.length > 0) throw new Error(`${errors.length} invalid row(s):\n  ${errors.slice(0, 50).join('\n  ')}`);
  // Code-unit order, not localeCompare: the output must not depend on the machine's locale.
  return [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Renders the rows as the committed JSON text: a `source` header, then one instance type per line. */
export function renderLimitsJson(rows: readonly (readonly [string, LimitsRow])[]): string {
  const body = rows.map(([type, row]) => `    ${JSON.stringify(type)}: ${JSON.stringify(row)}`);
  return [
    '{',
    `  "source": ${JSON.stringify(SOURCE, null, 2).replaceAll('\n', '\n  ')},`,
    `  "count": ${rows.length},`,
    '  "types": {',
    body.join(',\n'),
    '  }',
    '}',
    '',
  ].join('\n');
}

function typesOf(jsonText: string): Map<string, string> {
  try {
    const parsed = JSON.parse(jsonText) as { types?: Record<string, unknown> };
    return new Map(Object.entries(parsed.types ?? {}).map(([type, row]) => [type, JSON.stringify(row)]));
  } catch {
    return new Map();
  }
}

/** A short human summary of how the committed JSON differs from the expected one. */
export function diffSummary(committed: string, expected: string): string {
  const have = typesOf(committed);
  const want = typesOf(expected);
  const added = [...want.keys()].filter((t) => !have.has(t));
  const removed = [...have.keys()].filter((t) => !want.has(t));
  const changed = [...want.keys()].filter((t) => have.has(t) && have.get(t) !== want.get(t));
  const list = (label: string, types: readonly string[]): string[] =>
    types.length === 0
      ? []
      : [`  ${label} (${types.length}): ${types.slice(0, 10).join(', ')}${types.length > 10 ? ', ...' : ''}`];
  const lines = [
    ...list('missing from the JSON', added),
    ...list('not in the TSV', removed),
    ...list('changed', changed),
  ];
  if (lines.length === 0) lines.push('  the types agree; the header or formatting differs');
  return lines.join('\n');
}

function run(argv: readonly string[]): number {
  const check = argv.includes('--check');
  const rest = argv.filter((arg) => arg !== '--check');
  if (rest.length > 1 || rest.some((arg) => arg.startsWith('-'))) {
    process.stderr.write('usage: npx tsx scripts/gen-limits.ts [--check] [path/to/instance-network-limits.tsv]\n');
    return 2;
  }
  const tsv = rest[0] === undefined ? DEFAULT_TSV : resolve(rest[0]);
  if (!existsSync(tsv)) {
    process.stderr.write(`gen-limits: ${tsv} not found (pass the TSV path as an argument)\n`);
    return 2;
  }
  let expected: string;
  try {
    const rows = parseLimitsTsv(readFileSync(tsv, 'utf8'));
    expected = renderLimitsJson(rows);
  } catch (error) {
    process.stderr.write(`gen-limits: ${tsv}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  if (!check) {
    writeFileSync(OUTPUT, expected);
    process.stdout.write(`gen-limits: wrote ${OUTPUT}\n`);
    return 0;
  }
  const committed = existsSync(OUTPUT) ? readFileSync(OUTPUT, 'utf8') : '';
  if (committed === expected) {
    process.stdout.write(`gen-limits: ${OUTPUT} matches ${tsv}\n`);
    return 0;
  }
  const what = committed === '' ? '  the JSON file is missing' : diffSummary(committed, expected);
  process.stderr.write(`gen-limits: ${OUTPUT} is out of date with ${tsv}; run npm run gen:limits\n${what}\n`);
  return 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = run(process.argv.slice(2));
}
