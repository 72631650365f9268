/**
 * `apply`: carries out the plan, step by step, each step first reading the current state — so that a second run
 * changes nothing and a run interrupted anywhere (Ctrl-C, a lost connection) resumes where it stopped: a block
 * still `associating` is waited for, a subnet already created is reused (it was tagged in its CreateSubnet call), an
 * association already made is skipped, a file already written is left alone. Every refusal happens in the first
 * plan, before anything changes. At the end the state is read again and must plan to nothing.
 *
 * @example
 * const result = await applyCustomNetworking({ ec2, discover: { cluster: 'eksworkshop' }, plan: { cidr: '100.64.0.0/16', subnetSize: 19 },
 *   target: staticTarget('/etc/vpc-cni'), progress: createProgress(io.stderr), sleep: realSleep, clock: systemClock });
 * result.changes; // 12 on the first run, 0 on the second
 */
import type { Clock } from '../ipam/clock.js';
import type { Sleep } from '../cloud/ec2/retry.js';
import { isCloudError } from '../cloud/errors.js';
import type { Progress, ProgressStep } from '../obs/progress.js';
import type { Ec2VpcApi } from '../cloud/ec2/port.js';
import { discover, inVpc, type DiscoverOptions } from './discover.js';
import { CustomNetworkingError } from './errors.js';
import { buildPlan, type PlanOptions } from './plan.js';
import { ec2Changes, type Plan } from './plan-types.js';
import { totalChanges } from './render.js';
import { targetChanges, type Target, type TargetChanges } from './target.js';

export interface ApplyOptions {
  readonly ec2: Ec2VpcApi;
  readonly discover: DiscoverOptions;
  readonly plan: PlanOptions;
  readonly target: Target;
  readonly progress: Progress;
  readonly clock: Clock;
  readonly sleep: Sleep;
  /** How long to wait for the CIDR block to become associated (default 5 min). */
  readonly associationTimeoutMs?: number;
  /** Poll interval while waiting (default 1 s). */
  readonly pollMs?: number;
}

export interface ApplyResult {
  /** The plan apply started from (what it changed). */
  readonly before: Plan;
  readonly beforeTarget: TargetChanges;
  /** The verified end state. */
  readonly after: Plan;
  readonly afterTarget: TargetChanges;
  /** Changes made; 0 = there was nothing to change. */
  readonly changes: number;
}

async function replan(options: ApplyOptions): Promise<{ plan: Plan; target: TargetChanges }> {
  const plan = buildPlan(await discover(options.ec2, options.discover), options.plan);
  return { plan, target: await options.target.inspect(plan) };
}

/** Runs `body` as `step`: the summary it resolves to ends the step, or a failure does (with its message, rethrown). */
async function runStep(step: ProgressStep, body: () => Promise<string>): Promise<void> {
  try {
    step.succeed(await body());
  } catch (error) {
    step.fail((error as Error).message);
    throw error;
  }
}

async function associateCidr(options: ApplyOptions, plan: Plan): Promise<void> {
  const { ec2 } = options;
  const step = options.progress.step(`associating ${plan.cidr.cidr} with ${plan.vpcId}`);
  await runStep(step, async () => {
    if (plan.cidr.action === 'associate') {
      const association = await ec2.associateVpcCidrBlock(plan.vpcId, plan.cidr.cidr);
      step.log(`AssociateVpcCidrBlock: ${association.associationId} ${association.state}`);
    }
    const timeout = options.associationTimeoutMs ?? 300_000;
    const deadline = options.clock.now() + timeout;
    for (;;) {
      const [vpc] = await ec2.describeVpcs([plan.vpcId]);
      const block = vpc?.cidrBlocks.find((b) => b.cidr === plan.cidr.cidr && !b.state.startsWith('disassociat'));
      step.update(0, block?.state ?? 'not visible yet');
      if (block?.state === 'associated') break;
      if (block?.state === 'failed' || block?.state === 'failing') {
        throw new CustomNetworkingError(
          'CN_CIDR_ASSOCIATION_FAILED',
          `the association of ${plan.cidr.cidr} with ${plan.vpcId} ${block.state}`,
          { cidr: plan.cidr.cidr },
        );
      }
      if (options.clock.now() >= deadline) {
        throw new CustomNetworkingError(
          'CN_CIDR_ASSOCIATION_FAILED',
          `${plan.cidr.cidr} was not associated with ${plan.vpcId} after ${timeout / 1000} s (state ${block?.state ?? 'unknown'}); run apply again to keep waiting`,
          { cidr: plan.cidr.cidr },
        );
      }
      await options.sleep(options.pollMs ?? 1_000);
    }
    return 'associated';
  });
}

async function createSubnets(options: ApplyOptions, plan: Plan): Promise<number> {
  const work = plan.subnets.filter((s) => s.action === 'create' || Object.keys(s.missingTags).length > 0);
  if (work.length === 0) return 0;
  const step = options.progress.step('creating and tagging pod subnets', work.length);
  let done = 0;
  await runStep(step, async () => {
    const current = await options.ec2.describeSubnets([inVpc(plan.vpcId)]);
    for (const s of work) {
      const existing = current.find((c) => c.cidr === s.cidr);
      if (existing === undefined) {
        const created = await options.ec2.createSubnet({
          vpcId: plan.vpcId,
          cidr: s.cidr,
          availabilityZone: s.availabilityZone,
          tags: s.tags,
        });
        step.log(`CreateSubnet ${s.cidr} in ${s.availabilityZone}: ${created.id}`);
      } else {
        const missing = Object.fromEntries(Object.entries(s.tags).filter(([k]) => existing.tags[k] === undefined));
        if (Object.keys(missing).length > 0) await options.ec2.createTags([existing.id], missing);
        step.log(`CreateTags ${existing.id}: ${Object.keys(missing).join(', ') || 'already tagged'}`);
      }
      step.update(++done, s.cidr);
    }
    return `${done} subnet(s)`;
  });
  return work.length;
}

async function associateRoutes(options: ApplyOptions, plan: Plan): Promise<number> {
  const work = plan.routes.filter((r) => r.action === 'associate' && r.subnetId !== undefined);
  if (work.length === 0) return 0;
  const step = options.progress.step('associating route tables', work.length);
  let done = 0;
  await runStep(step, async () => {
    for (const r of work) {
      try {
        const id = await options.ec2.associateRouteTable(r.routeTableId, r.subnetId ?? '');
        step.log(`AssociateRouteTable ${r.routeTableId} ${r.subnetId ?? ''}: ${id}`);
      } catch (error) {
        // Made by an interrupted run between our read and this call: the verification checks it is the right table.
        if (!(isCloudError(error) && error.details.awsCode === 'Resource.AlreadyAssociated')) throw error;
      }
      step.update(++done, r.cidr);
    }
    return `${done} association(s)`;
  });
  return work.length;
}

/**
 * See the module comment. @throws CustomNetworkingError (refusals, CN_VERIFY_FAILED) or CloudError.
 *
 * @example
 * const { changes } = await applyCustomNetworking({ ec2, discover, plan, target: staticTarget(dir), progress, clock, sleep }); // 14, then 0
 */
export async function applyCustomNetworking(options: ApplyOptions): Promise<ApplyResult> {
  const reading = options.progress.step('reading the VPC, its subnets, route tables and nodes');
  let first: { plan: Plan; target: TargetChanges };
  try {
    first = await replan(options);
    reading.succeed(
      `${first.plan.vpcId}, ${first.plan.nodes.length} node(s), ${totalChanges(first.plan, first.target)} change(s) to make`,
    );
  } catch (error) {
    reading.fail((error as Error).message);
    throw error;
  }
  if (totalChanges(first.plan, first.target) === 0 && first.plan.cidr.action === 'none') {
    return { before: first.plan, beforeTarget: first.target, after: first.plan, afterTarget: first.target, changes: 0 };
  }
  let changes = first.plan.cidr.action === 'associate' ? 1 : 0;
  if (first.plan.cidr.action !== 'none') await associateCidr(options, first.plan);
  changes += await createSubnets(options, first.plan);
  // The new subnets have ids now: plan again for their route tables and ENIConfigs.
  const second = await replan(options);
  changes += await associateRoutes(options, second.plan);
  if (targetChanges(second.target) > 0) {
    const step = options.progress.step(`writing ENIConfigs, node mapping and env (${options.target.where})`);
    changes += await options.target.write(second.plan, (line) => step.log(line));
    step.succeed('done');
  }
  const verify = options.progress.step('verifying');
  const after = await replan(options);
  const left = ec2Changes(after.plan) + targetChanges(after.target) + (after.plan.cidr.action === 'none' ? 0 : 1);
  if (left > 0) {
    verify.fail(`${left} change(s) still to do`);
    throw new CustomNetworkingError(
      'CN_VERIFY_FAILED',
      `after apply, ${left} change(s) are still to do; run plan to see them and apply again`,
      { left },
    );
  }
  verify.succeed('the VPC and the target match the plan');
  return { before: first.plan, beforeTarget: first.target, after: after.plan, afterTarget: after.target, changes };
}
