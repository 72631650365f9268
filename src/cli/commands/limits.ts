/**
 * `vpc-cni limits TYPE...`: an instance type's network limits and its max pods in each calculator mode, capped and
 * uncapped, with the arithmetic, so that a user can see why a node gets the number it gets.
 */
import { EXIT_OK, type CliCommand, type CliIo } from '../io.js';
import { isNitroOrBareMetal, requireInstanceLimits, type InstanceLimits } from '../../limits/index.js';
import {
  DEFAULT_CNI_VERSION,
  calculateMaxPods,
  eniMaxPods,
  parseCniVersion,
  type MaxPodsResult,
} from '../../ipam/max-pods.js';
import { flagCommand, outputFormat, type Flags } from '../args.js';
import { CliError } from '../errors.js';

const USAGE = `Usage: vpc-cni limits TYPE [TYPE ...] [options]

Shows each instance type's network limits (from the built-in limits table) and its max pods in each mode of
EKS's max-pods-calculator.sh: recommended (110/250 vCPU cap) and max allowed (uncapped), with the formula.

Options:
  --cni-version X.Y.Z    VPC CNI version; prefix delegation needs 1.9+ (default ${DEFAULT_CNI_VERSION})
  --output text|json     output format (default text)
  -h, --help             show this help
`;

const OPTIONS = { 'cni-version': { type: 'string' }, output: { type: 'string' } } as const;

const MODES = [
  { key: 'default', label: 'default', customNetworking: false, prefixDelegation: false },
  { key: 'customNetworking', label: 'custom networking', customNetworking: true, prefixDelegation: false },
  { key: 'prefixDelegation', label: 'prefix delegation', customNetworking: false, prefixDelegation: true },
  {
    key: 'prefixDelegationCustomNetworking',
    label: 'PD + custom networking',
    customNetworking: true,
    prefixDelegation: true,
  },
] as const;

type ModeKey = (typeof MODES)[number]['key'];

interface ModeReport {
  readonly maxPods: number;
  readonly maxAllowed: number;
  readonly result: MaxPodsResult;
}

/** The calculator's answer in each mode; `maxAllowed` is the uncapped value (`--show-max-allowed`). */
function modeReports(limits: InstanceLimits, cniVersion: string): Record<ModeKey, ModeReport> {
  return Object.fromEntries(
    MODES.map((mode) => {
      const result = calculateMaxPods({
        limits,
        cniVersion,
        customNetworking: mode.customNetworking,
        prefixDelegation: mode.prefixDelegation,
      });
      return [mode.key, { maxPods: result.maxPods, maxAllowed: result.raw, result }];
    }),
  ) as Record<ModeKey, ModeReport>;
}

function cardsText(limits: InstanceLimits): string {
  const cards = limits.networkCards;
  const first = cards[0];
  if (cards.length > 4 && first !== undefined && cards.every((card) => card.maxEnis === first.maxEnis)) {
    return `${cards.length} (${first.maxEnis} ENIs each)`;
  }
  return `${cards.length} (${cards.map((card) => `card ${card.index}: ${card.maxEnis} ENIs`).join(', ')})`;
}

function pdSupportText(limits: InstanceLimits): string {
  if (limits.hypervisor === 'nitro') return 'supported (nitro)';
  if (isNitroOrBareMetal(limits)) return 'supported by ipamd (bare metal), ignored by the EKS calculator';
  return `not supported (${limits.hypervisor}, not bare metal)`;
}

function table(rows: readonly (readonly string[])[], rightAligned: ReadonlySet<number>): string[] {
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length)));
  return rows.map((row) =>
    row
      .map((cell, c) => (rightAligned.has(c) ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

function textBlock(limits: InstanceLimits, cniVersion: string): string {
  const modes = modeReports(limits, cniVersion);
  const facts = table(
    [
      ['ENIs (default card)', String(limits.maxEnis)],
      ['IPv4 per ENI', String(limits.ipv4PerEni)],
      ['IPv6 per ENI', limits.ipv6PerEni === null ? '-' : String(limits.ipv6PerEni)],
      ['Hypervisor', limits.hypervisor],
      ['Bare metal', limits.bareMetal ? 'yes' : 'no'],
      ['Network cards', cardsText(limits)],
      ['Branch interfaces', limits.branchInterfaces === null ? '-' : String(limits.branchInterfaces)],
      ['vCPUs', limits.vcpus === null ? '-' : String(limits.vcpus)],
      ['Prefix delegation', pdSupportText(limits)],
    ],
    new Set(),
  );
  const pods = table(
    [
      [`Max pods (CNI ${cniVersion})`, 'max pods', 'max allowed', 'formula'],
      ...MODES.map((mode) => {
        const m = modes[mode.key];
        return [mode.label, String(m.maxPods), String(m.maxAllowed), m.result.formula];
      }),
    ],
    new Set([1, 2]),
  );
  const base = modes.default.result;
  const pd = modes.prefixDelegation.result;
  const notes = [`max pods is the calculator's recommendation (${base.capReason}); max allowed is --show-max-allowed`];
  if (pd.prefixDelegationIgnoredReason === 'not-nitro')
    notes.push('the calculator ignores prefix delegation: the type is not nitro');
  if (pd.prefixDelegationIgnoredReason === 'cni-too-old')
    notes.push(`prefix delegation needs CNI 1.9 or later, not ${cniVersion}`);
  if (base.note !== undefined) notes.push(base.note);
  return [
    limits.instanceType,
    ...facts.map((line) => `  ${line}`),
    '',
    ...pods.map((line) => `  ${line}`),
    ...notes.map((n) => `  Note: ${n}`),
  ].join('\n');
}

function jsonEntry(limits: InstanceLimits, cniVersion: string): Record<string, unknown> {
  const modes = modeReports(limits, cniVersion);
  const maxPods = Object.fromEntries(
    MODES.map(({ key }) => {
      const { maxPods: capped, raw, instanceType: _type, ...rest } = modes[key].result;
      return [key, { maxPods: capped, maxAllowed: raw, ...rest }];
    }),
  );
  return {
    ...limits,
    prefixDelegationSupported: isNitroOrBareMetal(limits),
    eniMaxPods: eniMaxPods(limits),
    cniVersion,
    maxPods,
  };
}

function run({ values, positionals }: Flags<typeof OPTIONS, true>, io: CliIo): number {
  if (positionals.length === 0) throw new CliError('CLI_USAGE', 'at least one instance type is required');
  const format = outputFormat(values.output);
  const cniVersion = values['cni-version'] ?? DEFAULT_CNI_VERSION;
  // A bad version is reported as such, before any type is looked up.
  parseCniVersion(cniVersion);
  const all = positionals.map((type) => requireInstanceLimits(type));
  if (format === 'json') {
    io.stdout.write(
      `${JSON.stringify(
        all.map((limits) => jsonEntry(limits, cniVersion)),
        null,
        2,
      )}\n`,
    );
  } else {
    io.stdout.write(`${all.map((limits) => textBlock(limits, cniVersion)).join('\n\n')}\n`);
  }
  return EXIT_OK;
}

export const limitsCommand: CliCommand = flagCommand({ usage: USAGE, options: OPTIONS, positionals: true, run });
