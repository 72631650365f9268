/**
 * Where the Kubernetes half of the plan goes (the seed's steps 5 and 6: the aws-node env, the ENIConfigs, the node
 * annotations or labels): a cluster when there is one, otherwise the static source's files (static-target.ts) that
 * ipamd reads without an API server. A target reports what it would change, then changes only that.
 *
 * @example
 * const changes = await target.inspect(plan);
 * changes.eniConfigs; // [{ name: 'ap-northeast-2a', action: 'create' }, ...]
 * if (targetChanges(changes) > 0) await target.write(plan, (line) => step.log(line));
 */
import { eniConfig, type EniConfig } from '../eniconfig/types.js';
import type { Plan } from './plan-types.js';

export type TargetAction = 'create' | 'update' | 'none';

export interface TargetChanges {
  /** e.g. `static source in /etc/vpc-cni` */
  readonly where: string;
  readonly eniConfigs: readonly { readonly name: string; readonly action: TargetAction }[];
  readonly nodes: readonly { readonly nodeName: string; readonly action: TargetAction }[];
  readonly env: TargetAction;
}

export interface Target {
  readonly where: string;
  /** What {@link Target.write} would change. @throws CustomNetworkingError CN_DUPLICATE_ENICONFIG and the like. */
  inspect(plan: Plan): Promise<TargetChanges>;
  /** Makes the target match the plan; `note` gets one line per item written. Idempotent. */
  write(plan: Plan, note: (line: string) => void): Promise<number>;
}

/**
 * A target from its two halves: `inspect` reads the current state (the changes plus whatever `write` needs, such as
 * the objects or files it found), `write` makes the target match the plan from that state. The target's own inspect
 * reports the changes only (with where they go as the inspection found it), and its write always works from a fresh
 * inspection.
 *
 * @example
 * return makeTarget(where, (plan) => readState(plan), async (plan, state, note) => writeFiles(plan, state, note));
 */
export function makeTarget<S extends TargetChanges>(
  where: string,
  inspect: (plan: Plan) => Promise<S>,
  write: (plan: Plan, state: S, note: (line: string) => void) => Promise<number>,
): Target {
  return {
    where,
    inspect: async (plan) => {
      const state = await inspect(plan);
      return { where: state.where, eniConfigs: state.eniConfigs, nodes: state.nodes, env: state.env };
    },
    write: async (plan, note) => write(plan, await inspect(plan), note),
  };
}

/**
 * The number of items a target would write.
 *
 * @example
 * targetChanges(await target.inspect(plan)); // 7 on a fresh directory
 */
export function targetChanges(changes: TargetChanges): number {
  return (
    changes.eniConfigs.filter((c) => c.action !== 'none').length +
    changes.nodes.filter((n) => n.action !== 'none').length +
    (changes.env === 'none' ? 0 : 1)
  );
}

/**
 * The plan's ENIConfig documents as CRD objects.
 *
 * @example
 * planEniConfigs(plan)[0]?.metadata.name; // 'ap-northeast-2a'
 */
export function planEniConfigs(plan: Plan): EniConfig[] {
  return plan.eniConfigs.map((c) => eniConfig(c.name, { subnet: c.subnet, securityGroups: c.securityGroups }));
}

/**
 * No target: nothing written (plan without --static-dir or --kubeconfig).
 *
 * @example
 * describeOnlyChanges(plan).where; // 'printed only; ...'
 */
export function describeOnlyChanges(plan: Plan): TargetChanges {
  return {
    where: 'printed only; --static-dir DIR or --kubeconfig PATH writes it',
    eniConfigs: plan.eniConfigs.map((c) => ({ name: c.name, action: 'create' })),
    nodes: plan.nodes.map((n) => ({ nodeName: n.nodeName, action: 'create' })),
    env: 'create',
  };
}
