/**
 * `validate FILES...`: lints ENIConfig manifests (multi-document YAML, JSON, Lists) and, with a node mapping, the
 * nodes' annotations or labels — offline first (schema, duplicate names: the seed's three files all named
 * `group1-pod-netconfig`), then, given `--cluster` or `--vpc-id`, against the VPC: each subnet exists, is in the VPC
 * and in the zone of the nodes that would use it (the nodes' zones come from EC2, or from their zone label; an
 * ENIConfig named after a zone must point into that zone), each security group exists in the VPC.
 *
 * @example
 * const report = await validateManifests({ files: ['a.yaml', 'b.yaml', 'c.yaml'] });
 * report.problems[0]; // "ENIConfig name 'group1-pod-netconfig' is defined 3 times (a.yaml (document 1), ...)"
 */
import { readFile } from 'node:fs/promises';
import { collectEniConfigs, parseEniConfigText } from '../eniconfig/documents.js';
import { parseNodeInfoText } from '../eniconfig/node-file.js';
import { selectEniConfigName, type EniConfigKeys } from '../eniconfig/select.js';
import type { CheckedEniConfig } from '../eniconfig/validate-object.js';
import { validateEniConfig } from '../eniconfig/vpc-check.js';
import { describeOrigin, type EniConfig, type NodeInfo } from '../eniconfig/types.js';
import type { Ec2Subnet, Ec2VpcApi } from '../cloud/ec2/port.js';
import { discover, type DiscoverOptions, type VpcState } from './discover.js';
import { CustomNetworkingError, fileError } from './errors.js';

export interface ValidateOptions {
  readonly files: readonly string[];
  /** Node mapping (the static source's node file, or `kubectl get nodes -o yaml`). */
  readonly nodesFile?: string;
  readonly keys?: EniConfigKeys;
  /** With `discover`: check against the VPC. */
  readonly ec2?: Ec2VpcApi;
  readonly discover?: DiscoverOptions;
}

export interface ValidateReport {
  readonly files: readonly string[];
  /** Valid documents, by name (duplicates included once per document). */
  readonly eniConfigs: readonly { readonly name: string; readonly origin: string; readonly subnet: string }[];
  readonly nodes: readonly { readonly name: string; readonly eniConfig: string; readonly zone?: string }[];
  readonly vpcId?: string;
  readonly problems: readonly string[];
  readonly warnings: readonly string[];
}

const ZONE_LABEL = 'topology.kubernetes.io/zone';

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw fileError('CN_MANIFEST_UNREADABLE', 'read', path, error);
  }
}

function nodeZone(node: NodeInfo, state: VpcState | undefined): string | undefined {
  return state?.nodes.find((n) => n.privateDnsName === node.name)?.availabilityZone ?? node.labels[ZONE_LABEL];
}

function vpcProblems(
  docs: readonly CheckedEniConfig[],
  nodes: ValidateReport['nodes'],
  state: VpcState,
  subnets: readonly Ec2Subnet[],
): string[] {
  const problems: string[] = [];
  for (const doc of docs) {
    const config: EniConfig | undefined = doc.config;
    if (config === undefined) continue;
    const where = describeOrigin(doc.origin);
    const zones = new Set(
      nodes.filter((n) => n.eniConfig === config.metadata.name && n.zone !== undefined).map((n) => n.zone ?? ''),
    );
    if (zones.size === 0 && state.zones.includes(config.metadata.name)) zones.add(config.metadata.name);
    const subnetZone = subnets.find((s) => s.id === config.spec.subnet)?.availabilityZone;
    if (zones.size === 0) zones.add(subnetZone ?? state.zones[0] ?? '');
    const seen = new Set<string>();
    for (const zone of zones) {
      for (const p of validateEniConfig(config, {
        nodeAz: zone,
        vpcId: state.vpc.id,
        subnets: subnets.map((s) => ({ ...s })),
        securityGroups: state.securityGroups,
      })) {
        const users = nodes.filter((n) => n.eniConfig === config.metadata.name && n.zone === zone).map((n) => n.name);
        const text = `${where}: ${p.message}${p.code === 'ENICONFIG_SUBNET_WRONG_AZ' && users.length > 0 ? ` (nodes ${users.join(', ')})` : ''}`;
        if (!seen.has(text)) problems.push(text);
        seen.add(text);
      }
    }
  }
  return problems;
}

/**
 * See the module comment. Never throws for problems in the files: they are in the report.
 *
 * @example
 * (await validateManifests({ files: ['seed/group1.yaml', 'seed/group2.yaml'] })).problems.length; // 1
 */
export async function validateManifests(options: ValidateOptions): Promise<ValidateReport> {
  const docs: CheckedEniConfig[] = [];
  for (const file of options.files) docs.push(...parseEniConfigText(await readText(file), file));
  const catalogue = collectEniConfigs(docs);
  const problems = catalogue.errors.map((e) => e.message);
  const warnings = [...catalogue.warnings];
  if (docs.length === 0) problems.push(`no ENIConfig document in ${options.files.join(', ')}`);

  const state =
    options.ec2 !== undefined && options.discover !== undefined
      ? await discover(options.ec2, options.discover)
      : undefined;
  const nodeInfos =
    options.nodesFile === undefined ? [] : parseNodeInfoText(await readText(options.nodesFile), options.nodesFile);
  const names = new Set(docs.flatMap((d) => (d.name === undefined ? [] : [d.name])));
  const nodes = nodeInfos.map((node) => {
    const zone = nodeZone(node, state);
    const choice = selectEniConfigName(node, options.keys ?? {});
    if (!names.has(choice.name)) {
      problems.push(
        `node ${node.name} selects ENIConfig '${choice.name}' (${choice.source}${choice.key === undefined ? '' : ` ${choice.key}`}), which no file defines`,
      );
    }
    if (state !== undefined && zone === undefined)
      warnings.push(
        `node ${node.name}: zone unknown (no instance of that name in ${state.vpc.id}, no ${ZONE_LABEL} label)`,
      );
    return { name: node.name, eniConfig: choice.name, ...(zone === undefined ? {} : { zone }) };
  });

  if (state !== undefined && options.ec2 !== undefined) {
    const subnetIds = [...new Set(docs.flatMap((d) => (d.config === undefined ? [] : [d.config.spec.subnet])))];
    const groupIds = [...new Set(docs.flatMap((d) => d.config?.spec.securityGroups ?? []))];
    const [subnets, groups] = await Promise.all([
      // By filter: an unknown id is absent (reported as a problem) instead of failing the call.
      options.ec2.describeSubnets([{ name: 'subnet-id', values: subnetIds }]),
      options.ec2.describeSecurityGroups([{ name: 'group-id', values: groupIds }]),
    ]);
    const withGroups: VpcState = {
      ...state,
      securityGroups: [
        ...state.securityGroups,
        ...groups.filter((g) => !state.securityGroups.some((s) => s.id === g.id)),
      ],
    };
    problems.push(...vpcProblems(docs, nodes, withGroups, subnets));
  }
  return {
    files: options.files,
    eniConfigs: docs.flatMap((d) =>
      d.config === undefined
        ? []
        : [{ name: d.config.metadata.name, origin: describeOrigin(d.origin), subnet: d.config.spec.subnet }],
    ),
    nodes,
    ...(state === undefined ? {} : { vpcId: state.vpc.id }),
    problems,
    warnings,
  };
}

/**
 * Throws the report's problems as one error (the CLI's exit 1), naming each.
 *
 * @example
 * assertValid(await validateManifests({ files })); // throws CN_ENICONFIG_INVALID listing each problem
 */
export function assertValid(report: ValidateReport): void {
  if (report.problems.length === 0) return;
  throw new CustomNetworkingError(
    'CN_ENICONFIG_INVALID',
    `${report.problems.length} problem(s) in ${report.files.join(', ')}:\n${report.problems.map((p) => `  - ${p}`).join('\n')}`,
    { problems: report.problems },
  );
}
