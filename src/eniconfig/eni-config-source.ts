/**
 * The {@link EniConfigSource} ipamd calls before creating each ENI under custom networking [behaviour §4.3–4.4]:
 * reads the node, chooses the ENIConfig name, fetches it, checks it against EC2 (subnet in the node's zone and VPC
 * with room; security groups exist in the VPC) and answers `{ subnet, securityGroups }` — the ENIConfig's groups, or
 * the primary ENI's when it lists none. Anything wrong is thrown as an {@link EniConfigError} whose message says
 * exactly what (ENIConfig missing; subnet in us-west-2b but node in us-west-2a; unknown sg-…), reported once per
 * `reportEveryMs` on the node (a Kubernetes Warning event, or a log line), and passed to `onInvalid` (metrics).
 *
 * @example
 * const eniConfigSource = createEniConfigSource({
 *   source, ec2, keys: config.customNetworking,
 *   node: { az: identity.availabilityZone, vpcId, primaryEniSecurityGroups: groups },
 *   log, onInvalid: () => metrics.ipamdError('eniConfig'),
 * });
 * new Ipamd({ ...deps, eniConfigSource });           // ipamd calls it per new ENI
 * introspection: { eniConfigName: () => eniConfigSource.currentName() }
 */
import type { Clock } from '../ipam/clock.js';
import type { Ec2Api } from '../cloud/ec2/port.js';
import { silentLogger, type Logger } from '../obs/logger.js';
import type { EniConfigSource, NodeInfoSource, NodeProblemReason } from './port.js';
import { systemClock } from '../obs/clock.js';
import { EniConfigError, isEniConfigError, type EniConfigErrorCode } from './errors.js';
import { describeChoice, selectEniConfigName, type EniConfigChoice, type EniConfigKeys } from './select.js';
import type { EniConfig, NodeInfo } from './types.js';
import { validateEniConfig, type EniConfigProblem } from './vpc-check.js';

/** What the checks need to know about the node (from IMDS or ipamd's NodeState). */
export interface CustomNetworkingNodeFacts {
  /** The node's availability zone. */
  readonly az: string;
  readonly vpcId: string;
  /** The fall-back groups of new ENIs; absent = answer the ENIConfig's groups as they are (ipamd falls back itself). */
  readonly primaryEniSecurityGroups?: readonly string[];
}

export interface EniConfigSourceOptions {
  readonly source: NodeInfoSource;
  readonly ec2: Pick<Ec2Api, 'describeSubnets' | 'describeSecurityGroups'>;
  /** The facts, or a function read at each call (e.g. from ipamd's context once node initialisation learnt them). */
  readonly node: CustomNetworkingNodeFacts | (() => CustomNetworkingNodeFacts | Promise<CustomNetworkingNodeFacts>);
  /** ENI_CONFIG_ANNOTATION_DEF / ENI_CONFIG_LABEL_DEF (`config.customNetworking` fits as is). */
  readonly keys: EniConfigKeys;
  readonly log?: Logger;
  /** Every failure to produce an ENIConfig (for a metric); called before the error is thrown. */
  readonly onInvalid?: (problem: { readonly code: string; readonly message: string; readonly name?: string }) => void;
  readonly clock?: Clock;
  /** How long a successful (or VPC-refused) check of one ENIConfig is reused; default 30 s. Changes clear it. */
  readonly cacheMs?: number;
  /** The same problem is reported on the node at most once per this; default 10 min. */
  readonly reportEveryMs?: number;
  /** Free addresses a new ENI needs in the subnet; default 1. */
  readonly minFreeAddresses?: number;
  readonly prefixDelegation?: boolean;
}

/** ipamd's {@link EniConfigSource}, plus what introspection and shutdown need. */
export type CustomNetworkingSource = EniConfigSource & {
  /** The name chosen for this node as last seen (for `/v1/eni-configs`); undefined until the node was read. */
  currentName(): string | undefined;
  lastChoice(): EniConfigChoice | undefined;
  /** Re-reads the node now (also done on every change the source reports). */
  refresh(): Promise<EniConfigChoice>;
  /** Stops following the source's changes (does not close the source). */
  close(): void;
};

/**
 * The ENIConfig name for a node's labels and annotations — what `/v1/eni-configs` reports.
 *
 * @example
 * eniConfigNameFor({ labels: {}, annotations: { 'k8s.amazonaws.com/eniConfig': 'pods-a' } }, config.customNetworking); // 'pods-a'
 */
export function eniConfigNameFor(node: Pick<NodeInfo, 'labels' | 'annotations'>, keys: EniConfigKeys): string {
  return selectEniConfigName(node, keys).name;
}

function reasonFor(code: EniConfigErrorCode): NodeProblemReason {
  return code === 'ENICONFIG_NOT_FOUND' ? 'EniConfigNotFound' : 'EniConfigInvalid';
}

/**
 * Builds the source (and starts following node and ENIConfig changes).
 *
 * @example
 * const cn = createEniConfigSource({ source, ec2, node, keys: config.customNetworking });
 * await cn(); // { subnet: 'subnet-…', securityGroups: ['sg-…'] }
 */
export function createEniConfigSource(options: EniConfigSourceOptions): CustomNetworkingSource {
  const { source, ec2 } = options;
  const factsNow = async (): Promise<CustomNetworkingNodeFacts> =>
    typeof options.node === 'function' ? options.node() : options.node;
  const log = (options.log ?? silentLogger).child({ component: 'eniconfig' });
  const clock = options.clock ?? systemClock;
  const cacheMs = options.cacheMs ?? 30_000;
  const reportEveryMs = options.reportEveryMs ?? 600_000;
  const checked = new Map<string, { readonly at: number; readonly problems: readonly EniConfigProblem[] }>();
  const reported = new Map<string, number>();
  let last: EniConfigChoice | undefined;

  const choose = async (): Promise<EniConfigChoice> => {
    let info: NodeInfo;
    try {
      info = await source.node();
    } catch (error) {
      if (isEniConfigError(error)) throw error;
      throw new EniConfigError(
        'NODE_INFO_UNAVAILABLE',
        `cannot read this node's labels and annotations: ${(error as Error).message}`,
        {},
        error,
      );
    }
    const choice = selectEniConfigName(info, options.keys);
    if (last !== undefined && last.name !== choice.name) {
      log.info(
        { from: last.name, to: choice.name, source: choice.source },
        `this node now uses ${describeChoice(choice)}; new ENIs use it, existing ENIs keep their subnet`,
      );
    }
    last = choice;
    return choice;
  };

  const problemsOf = async (
    config: EniConfig,
    facts: CustomNetworkingNodeFacts,
  ): Promise<readonly EniConfigProblem[]> => {
    const groups = config.spec.securityGroups ?? [];
    const key = JSON.stringify([config.metadata.name, config.spec.subnet, groups, facts.az, facts.vpcId]);
    const hit = checked.get(key);
    if (hit !== undefined && clock.now() - hit.at < cacheMs) return hit.problems;
    const subnets = await ec2.describeSubnets([{ name: 'subnet-id', values: [config.spec.subnet] }]);
    const described =
      groups.length > 0 && ec2.describeSecurityGroups !== undefined
        ? await ec2.describeSecurityGroups([{ name: 'group-id', values: [...groups] }])
        : undefined;
    const problems = validateEniConfig(config, {
      nodeAz: facts.az,
      vpcId: facts.vpcId,
      subnets,
      ...(described === undefined ? {} : { securityGroups: described }),
      ...(options.minFreeAddresses === undefined ? {} : { minFreeAddresses: options.minFreeAddresses }),
      ...(options.prefixDelegation === undefined ? {} : { prefixDelegation: options.prefixDelegation }),
    });
    checked.set(key, { at: clock.now(), problems });
    return problems;
  };

  const fail = (error: EniConfigError, name: string | undefined): never => {
    options.onInvalid?.({ code: error.code, message: error.message, ...(name === undefined ? {} : { name }) });
    const previous = reported.get(error.message);
    if (previous === undefined || clock.now() - previous >= reportEveryMs) {
      reported.set(error.message, clock.now());
      log.warn({ code: error.code, eniConfig: name }, error.message);
      if (error.code !== 'NODE_INFO_UNAVAILABLE')
        void source.report({ reason: reasonFor(error.code), message: error.message });
    }
    throw error;
  };

  const resolve = async (): Promise<{ subnet: string; securityGroups: readonly string[] }> => {
    let choice: EniConfigChoice | undefined;
    let config: EniConfig | undefined;
    try {
      choice = await choose();
      config = await source.eniConfig(choice.name);
    } catch (error) {
      if (isEniConfigError(error)) return fail(error, choice?.name);
      throw error;
    }
    if (config === undefined) {
      return fail(
        new EniConfigError(
          'ENICONFIG_NOT_FOUND',
          `${describeChoice(choice)} does not exist, so no ENI can be added to this node; create it, or point the node at an existing ENIConfig`,
          { name: choice.name, source: choice.source },
        ),
        choice.name,
      );
    }
    const facts = await factsNow();
    const problems = await problemsOf(config, facts);
    const first = problems[0];
    if (first !== undefined) {
      return fail(
        new EniConfigError(first.code, problems.map((p) => p.message).join('; '), {
          name: choice.name,
          problems: problems.map((p) => p.code),
        }),
        choice.name,
      );
    }
    const own = config.spec.securityGroups ?? [];
    return {
      subnet: config.spec.subnet,
      securityGroups: own.length > 0 ? [...own] : [...(facts.primaryEniSecurityGroups ?? [])],
    };
  };

  const refresh = async (): Promise<EniConfigChoice> => choose();
  const unsubscribe = source.watch(() => {
    checked.clear();
    refresh().catch((error: unknown) =>
      log.warn({}, `re-reading the node after a change failed: ${(error as Error).message}`),
    );
  });
  refresh().catch((error: unknown) => log.warn({}, `reading the node failed: ${(error as Error).message}`));

  return Object.assign(resolve, { currentName: () => last?.name, lastChoice: () => last, refresh, close: unsubscribe });
}
