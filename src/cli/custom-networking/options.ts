/**
 * The command line of `vpc-cni custom-networking` (its usage text is in src/cli/commands/custom-networking.ts): flags
 * (node:util parseArgs) and their checked, typed form. Bad input is a CLI_USAGE error (exit 2) naming the flag.
 *
 * @example
 * const { action, options } = parseCustomNetworkingArgs(['plan', '--cluster', 'eksworkshop', '--output', 'yaml']);
 * options.cidr; // '100.64.0.0/16'
 */
import { parseArgs } from 'node:util';

import { intFlag, withUsageErrors } from '../args.js';
import { CliError } from '../errors.js';

const OPTIONS = {
  cluster: { type: 'string' },
  'vpc-id': { type: 'string' },
  'endpoint-url': { type: 'string' },
  region: { type: 'string' },
  cidr: { type: 'string' },
  'subnet-size': { type: 'string' },
  azs: { type: 'string' },
  subnet: { type: 'string', multiple: true },
  nodes: { type: 'string', multiple: true },
  'security-groups': { type: 'string' },
  'label-key': { type: 'string' },
  'annotation-key': { type: 'string' },
  'prefix-delegation': { type: 'boolean' },
  'static-dir': { type: 'string' },
  kubeconfig: { type: 'string' },
  timeout: { type: 'string' },
  'nodes-file': { type: 'string' },
  output: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type CnAction = 'plan' | 'apply' | 'validate';
export type CnOutput = 'text' | 'json' | 'yaml';

export interface CnOptions {
  readonly cluster?: string;
  readonly vpcId?: string;
  readonly endpointUrl?: string;
  readonly region?: string;
  readonly cidr: string;
  readonly subnetSize: number;
  readonly azs?: readonly string[];
  readonly subnets: Readonly<Record<string, string>>;
  readonly nodeTags: Readonly<Record<string, string | undefined>>;
  readonly securityGroups?: readonly string[];
  readonly labelKey?: string;
  readonly annotationKey?: string;
  readonly prefixDelegation: boolean;
  readonly staticDir?: string;
  readonly kubeconfig?: string;
  readonly timeoutMs: number;
  readonly nodesFile?: string;
  readonly output: CnOutput;
}

export interface ParsedArgs {
  readonly action: CnAction | 'help';
  readonly files: readonly string[];
  readonly options: CnOptions;
}

const list = (value: string | undefined): string[] | undefined =>
  value === undefined
    ? undefined
    : value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');

function pairs(
  flag: string,
  values: readonly string[] | undefined,
  valueRequired: boolean,
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const item of values ?? []) {
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    if (key === '' || (valueRequired && eq < 0))
      throw new CliError(
        'CLI_USAGE',
        `--${flag} expects ${valueRequired ? 'KEY=VALUE' : 'KEY or KEY=VALUE'}, not '${item}'`,
      );
    out[key] = eq < 0 ? undefined : item.slice(eq + 1);
  }
  return out;
}

const opt = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
  value === undefined ? {} : ({ [key]: value } as { [P in K]: V });

/**
 * Parses and checks the command line; see the module comment. @throws CliError CLI_USAGE
 *
 * @example
 * parseCustomNetworkingArgs(['validate', 'a.yaml']).files; // ['a.yaml']
 */
export function parseCustomNetworkingArgs(args: readonly string[]): ParsedArgs {
  const { values: v, positionals } = withUsageErrors(() =>
    parseArgs({ args: [...args], options: OPTIONS, strict: true, allowPositionals: true }),
  );
  const [first, ...files] = positionals;
  const output = v.output ?? 'text';
  if (output !== 'text' && output !== 'json' && output !== 'yaml')
    throw new CliError('CLI_USAGE', `--output must be text, json or yaml, not '${output}'`);
  const action = v.help === true || first === 'help' ? 'help' : first;
  if (action !== 'help' && action !== 'plan' && action !== 'apply' && action !== 'validate') {
    throw new CliError(
      'CLI_USAGE',
      action === undefined
        ? 'plan, apply or validate is required'
        : `unknown action '${action}' (plan, apply or validate)`,
    );
  }
  if ((action === 'plan' || action === 'apply') && files.length > 0)
    throw new CliError('CLI_USAGE', `unexpected argument '${files[0] ?? ''}'`);
  if (action === 'validate' && files.length === 0)
    throw new CliError('CLI_USAGE', 'validate needs at least one ENIConfig file');
  if ((action === 'plan' || action === 'apply') && v.cluster === undefined && v['vpc-id'] === undefined) {
    throw new CliError('CLI_USAGE', '--cluster NAME or --vpc-id ID is required');
  }
  if (action === 'apply' && v['static-dir'] === undefined && v.kubeconfig === undefined) {
    throw new CliError(
      'CLI_USAGE',
      'apply writes the ENIConfigs and the node mapping somewhere: pass --static-dir DIR (no cluster) or --kubeconfig PATH',
    );
  }
  const subnets = pairs('subnet', v.subnet, true) as Record<string, string>;
  const timeout = intFlag('timeout', v.timeout, { min: 1, max: 86_400 }) ?? 300;
  const options: CnOptions = {
    ...opt('cluster', v.cluster),
    ...opt('vpcId', v['vpc-id']),
    ...opt('endpointUrl', v['endpoint-url']),
    ...opt('region', v.region),
    cidr: v.cidr ?? '100.64.0.0/16',
    subnetSize: intFlag('subnet-size', v['subnet-size'], { min: 16, max: 28 }) ?? 19,
    ...opt('azs', list(v.azs)),
    subnets,
    nodeTags: pairs('nodes', v.nodes, false),
    ...opt('securityGroups', list(v['security-groups'])),
    ...opt('labelKey', v['label-key']),
    ...opt('annotationKey', v['annotation-key']),
    prefixDelegation: v['prefix-delegation'] === true,
    ...opt('staticDir', v['static-dir']),
    ...opt('kubeconfig', v.kubeconfig),
    timeoutMs: timeout * 1000,
    ...opt('nodesFile', v['nodes-file']),
    output,
  };
  return { action, files, options };
}
