/**
 * Runs one `custom-networking` action for the CLI: resolves the EC2 endpoint and region (flags, else the config
 * layer's AWS_ENDPOINT_URL_EC2 / AWS_REGION), builds the EC2 adapter and the target, and writes the result to the
 * command's streams — the plan or report on stdout, apply's progress on stderr (a spinner and bar on a terminal,
 * plain lines otherwise).
 *
 * @example
 * const code = await runCustomNetworking('plan', options, [], { stdout: process.stdout, stderr: process.stderr });
 */
import { loadConfigFromProcess } from '../../config/index.js';
import { EXIT_OK, type CliIo } from '../io.js';
import { createEc2Api, type Ec2ApiClient } from '../../cloud/ec2/client.js';
import { realSleep } from '../../cloud/ec2/retry.js';
import { createProgress } from '../progress.js';
import { systemClock } from '../../obs/clock.js';
import { applyCustomNetworking } from '../../custom-networking/apply.js';
import { discover, type DiscoverOptions } from '../../custom-networking/discover.js';
import { kubeTarget } from '../../custom-networking/kube-target.js';
import type { CnAction, CnOptions } from './options.js';
import { buildPlan, type PlanOptions } from '../../custom-networking/plan.js';
import { renderEniConfigYaml, renderPlanJson, renderPlanText } from '../../custom-networking/render.js';
import { staticTarget } from '../../custom-networking/static-target.js';
import { describeOnlyChanges, type Target } from '../../custom-networking/target.js';
import { assertValid, validateManifests, type ValidateReport } from '../../custom-networking/validate.js';
import { CliError } from '../errors.js';

/**
 * The EC2 adapter for one command, with the workflow's call policy: no client-side budget (one short-lived command
 * paces nothing) and 6 attempts per call, where ipamd paces its calls and makes up to 10.
 */
function connect(options: CnOptions): Ec2ApiClient {
  const { config } = loadConfigFromProcess();
  const endpoint = options.endpointUrl ?? config.endpoints.ec2;
  const region = options.region ?? config.endpoints.region;
  if (region === undefined) throw new CliError('CLI_USAGE', '--region REGION (or AWS_REGION) is required');
  return createEc2Api({
    ...(endpoint === undefined ? {} : { endpoint }),
    region,
    clock: systemClock,
    budget: false,
    retry: { maxAttempts: 6 },
  });
}

const discoverOptions = (o: CnOptions): DiscoverOptions => ({
  ...(o.cluster === undefined ? {} : { cluster: o.cluster }),
  ...(o.vpcId === undefined ? {} : { vpcId: o.vpcId }),
  nodeTags: o.nodeTags,
  ...(o.securityGroups === undefined ? {} : { securityGroups: o.securityGroups }),
});

const planOptions = (o: CnOptions): PlanOptions => ({
  cidr: o.cidr,
  subnetSize: o.subnetSize,
  subnets: o.subnets,
  prefixDelegation: o.prefixDelegation,
  ...(o.azs === undefined ? {} : { azs: o.azs }),
  ...(o.labelKey === undefined ? {} : { labelKey: o.labelKey }),
  ...(o.annotationKey === undefined ? {} : { annotationKey: o.annotationKey }),
  ...(o.securityGroups === undefined ? {} : { securityGroups: o.securityGroups }),
});

async function targetFor(o: CnOptions): Promise<Target | undefined> {
  if (o.kubeconfig !== undefined) return kubeTarget(o.kubeconfig);
  return o.staticDir === undefined ? undefined : staticTarget(o.staticDir);
}

function validateText(report: ValidateReport): string {
  const lines = [
    `Checked ${report.eniConfigs.length} valid ENIConfig document(s) in ${report.files.length} file(s)${report.vpcId === undefined ? ' (offline: pass --cluster or --vpc-id to check them against the VPC)' : ` against ${report.vpcId}`}`,
    ...report.eniConfigs.map((c) => `  ${c.name}  subnet ${c.subnet}  (${c.origin})`),
    ...report.nodes.map(
      (n) => `  node ${n.name} → ENIConfig ${n.eniConfig}${n.zone === undefined ? '' : ` (${n.zone})`}`,
    ),
    ...report.warnings.map((w) => `warning: ${w}`),
    ...report.problems.map((p) => `error: ${p}`),
    report.problems.length === 0 ? 'OK: no problems found' : `${report.problems.length} problem(s) found`,
  ];
  return `${lines.join('\n')}\n`;
}

async function validate(options: CnOptions, files: readonly string[], io: CliIo): Promise<number> {
  const online = options.cluster !== undefined || options.vpcId !== undefined;
  const ec2 = online ? connect(options) : undefined;
  try {
    const report = await validateManifests({
      files,
      keys: {
        ...(options.labelKey === undefined ? {} : { labelKey: options.labelKey }),
        ...(options.annotationKey === undefined ? {} : { annotationKey: options.annotationKey }),
      },
      ...(options.nodesFile === undefined ? {} : { nodesFile: options.nodesFile }),
      ...(ec2 === undefined ? {} : { ec2, discover: discoverOptions(options) }),
    });
    io.stdout.write(options.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : validateText(report));
    assertValid(report);
    return EXIT_OK;
  } finally {
    ec2?.destroy();
  }
}

/**
 * See the module comment; returns the exit code, throws refusals (CustomNetworkingError, exit 1).
 *
 * @example
 * await runCustomNetworking('validate', options, ['a.yaml'], io); // 0, or throws CN_ENICONFIG_INVALID
 */
export async function runCustomNetworking(
  action: CnAction,
  options: CnOptions,
  files: readonly string[],
  io: CliIo,
): Promise<number> {
  if (action === 'validate') return validate(options, files, io);
  const ec2 = connect(options);
  try {
    const target = await targetFor(options);
    if (action === 'plan') {
      const plan = buildPlan(await discover(ec2, discoverOptions(options)), planOptions(options));
      const changes = target === undefined ? describeOnlyChanges(plan) : await target.inspect(plan);
      const render = { text: renderPlanText, json: renderPlanJson, yaml: renderEniConfigYaml }[options.output];
      io.stdout.write(render(plan, changes));
      return EXIT_OK;
    }
    if (target === undefined) throw new CliError('CLI_USAGE', 'apply needs --static-dir DIR or --kubeconfig PATH');
    const result = await applyCustomNetworking({
      ec2,
      discover: discoverOptions(options),
      plan: planOptions(options),
      target,
      progress: createProgress(io.stderr),
      clock: systemClock,
      sleep: realSleep,
      associationTimeoutMs: options.timeoutMs,
      pollMs: 250,
    });
    if (options.output === 'yaml') io.stdout.write(renderEniConfigYaml(result.after));
    else if (options.output === 'json')
      io.stdout.write(
        `${JSON.stringify({ changes: result.changes, before: result.before, after: result.after, target: result.afterTarget }, null, 2)}\n`,
      );
    else if (result.changes === 0)
      io.stdout.write(`Nothing to change: ${result.after.vpcId} and the ${target.where} already match the plan.\n`);
    else
      io.stdout.write(
        `${renderPlanText(result.before, result.beforeTarget)}\nApplied ${result.changes} change(s); verified: nothing left to change.\n`,
      );
    return EXIT_OK;
  } finally {
    ec2.destroy();
  }
}
