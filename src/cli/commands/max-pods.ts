/**
 * `vpc-cni max-pods`: EKS's max-pods-calculator.sh, offline. Takes the same flags, prints the same number for one
 * type, and `eni-max-pods.txt` lines (`TYPE MAXPODS`) for several types or `--all`.
 */
import { EXIT_OK, type CliCommand, type CliIo } from '../io.js';
import { flagCommand, outputFormat, type Flags } from '../args.js';
import { listInstanceTypes, requireInstanceLimits } from '../../limits/index.js';
import { DEFAULT_CNI_VERSION, calculateMaxPods, parseCniVersion, type MaxPodsInput } from '../../ipam/max-pods.js';
import { CliError } from '../errors.js';

const USAGE = `Usage: vpc-cni max-pods (--instance-type TYPE [--instance-type TYPE ...] | --all) [options]

Computes the max pods of EC2 instance types as EKS's max-pods-calculator.sh does, from the built-in limits table.
Prints the number alone for one type, and 'TYPE MAXPODS' lines (eni-max-pods.txt format) for several or --all.

Options:
  --instance-type TYPE               instance type to evaluate (repeatable)
  --all                              every type in the limits table, in name order
  --cni-version X.Y.Z                VPC CNI version; prefix delegation needs 1.9+ (default ${DEFAULT_CNI_VERSION})
  --cni-custom-networking-enabled    the primary ENI carries no pods (custom networking)
  --cni-prefix-delegation-enabled    count a /28 prefix (16 addresses) per slot; only honoured on nitro types
  --cni-max-eni N                    count at most N ENIs (applies in every mode)
  --show-max-allowed                 print the raw value, without the 110/250 vCPU cap
  --output text|json                 output format (default text)
  -h, --help                         show this help

--all --show-max-allowed reproduces eni-max-pods.txt. --instance-type-from-imds is not supported: this command
works offline; pass --instance-type.
`;

const OPTIONS = {
  'instance-type': { type: 'string', multiple: true },
  all: { type: 'boolean' },
  'cni-version': { type: 'string' },
  'cni-custom-networking-enabled': { type: 'boolean' },
  'cni-prefix-delegation-enabled': { type: 'boolean' },
  'cni-max-eni': { type: 'string' },
  'show-max-allowed': { type: 'boolean' },
  output: { type: 'string' },
  'instance-type-from-imds': { type: 'boolean' },
} as const;

function maxEniOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new CliError('CLI_USAGE', `--cni-max-eni must be a positive integer, not '${value}'`);
  }
  return Number(value);
}

function run({ values }: Flags<typeof OPTIONS, false>, io: CliIo): number {
  if (values['instance-type-from-imds'] === true) {
    throw new CliError(
      'CLI_USAGE',
      '--instance-type-from-imds is not supported: vpc-cni max-pods works offline; pass --instance-type',
    );
  }
  const given = values['instance-type'] ?? [];
  if (given.length > 0 && values.all === true)
    throw new CliError('CLI_USAGE', 'give either --instance-type or --all, not both');
  if (given.length === 0 && values.all !== true)
    throw new CliError('CLI_USAGE', '--instance-type TYPE or --all is required');
  const format = outputFormat(values.output);
  const cniVersion = values['cni-version'] ?? DEFAULT_CNI_VERSION;
  // A bad version is reported as such, before any type is looked up.
  parseCniVersion(cniVersion);
  const maxEni = maxEniOf(values['cni-max-eni']);

  const types = values.all === true ? listInstanceTypes() : given;
  const results = types.map((type) => {
    const input: MaxPodsInput = {
      limits: requireInstanceLimits(type),
      cniVersion,
      customNetworking: values['cni-custom-networking-enabled'] === true,
      prefixDelegation: values['cni-prefix-delegation-enabled'] === true,
      showMaxAllowed: values['show-max-allowed'] === true,
      ...(maxEni === undefined ? {} : { maxEni }),
    };
    return { instanceType: type, maxPods: calculateMaxPods(input).maxPods };
  });

  if (format === 'json') {
    io.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  } else if (values.all !== true && results.length === 1) {
    io.stdout.write(`${results[0]?.maxPods}\n`);
  } else {
    io.stdout.write(results.map((r) => `${r.instanceType} ${r.maxPods}\n`).join(''));
  }
  return EXIT_OK;
}

export const maxPodsCommand: CliCommand = flagCommand({ usage: USAGE, options: OPTIONS, positionals: false, run });
