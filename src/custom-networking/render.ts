/**
 * The plan as the user reads it: text (the seed's six steps as a diff, `+` to create, `~` to change, `=` already
 * there), JSON (the plan and the target's changes), or YAML (the ENIConfig manifests, ready for `kubectl apply -f -`).
 *
 * @example
 * io.stdout.write(renderPlanText(plan, changes));
 * io.stdout.write(renderEniConfigYaml(plan)); // apiVersion: crd.k8s.amazonaws.com/v1alpha1 / kind: ENIConfig / ...
 */
import { stringify } from 'yaml';
import { ec2Changes, type Plan } from './plan-types.js';
import { planEniConfigs, targetChanges, type TargetAction, type TargetChanges } from './target.js';

const mark = (action: TargetAction | 'associate' | 'wait'): string =>
  action === 'none' ? '=' : action === 'update' ? '~' : action === 'wait' ? '…' : '+';

const tagText = (tags: Readonly<Record<string, string>>): string =>
  Object.entries(tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) =>
    r
      .map((cell, c) => cell.padEnd(widths[c] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

/**
 * Total changes: EC2 plus target.
 *
 * @example
 * totalChanges(plan, await target.inspect(plan)); // 14 before apply
 */
export function totalChanges(plan: Plan, changes: TargetChanges): number {
  return ec2Changes(plan) + targetChanges(changes);
}

/**
 * The text plan; see the module comment.
 *
 * @example
 * io.stdout.write(renderPlanText(plan, describeOnlyChanges(plan)));
 */
export function renderPlanText(plan: Plan, changes: TargetChanges): string {
  const total = totalChanges(plan, changes);
  const who = plan.cluster === undefined ? plan.vpcId : `cluster ${plan.cluster} (${plan.vpcId})`;
  const out: string[] = [
    `Custom networking plan for ${who}: ${total === 0 ? 'nothing to change' : `${total} change(s)`}`,
    '',
  ];
  const c = plan.cidr;
  const cidrText = {
    associate: `associate ${c.cidr} with ${c.vpcId}`,
    wait: `${c.cidr} is associating with ${c.vpcId} (wait)`,
    none: `${c.cidr} already associated with ${c.vpcId}`,
  }[c.action];
  out.push('1. VPC CIDR block', `   ${mark(c.action)} ${cidrText}`, '');
  out.push(`2. Pod subnets (one per zone${plan.prefixDelegation ? ', sized for /28 prefixes' : ''})`);
  for (const line of table(
    plan.subnets.map((s) => {
      const action = s.action === 'create' ? 'create' : Object.keys(s.missingTags).length > 0 ? 'update' : 'none';
      return [
        `   ${mark(action)} ${s.availabilityZone}`,
        s.cidr,
        s.subnetId ?? '(new)',
        `${s.usableIps} usable, ${s.nodeCount} node(s) need ${s.neededIps}`,
        action === 'update' ? `add tags ${tagText(s.missingTags)}` : `tags ${tagText(s.tags)}`,
      ];
    }),
  ))
    out.push(line);
  out.push('', "3. Route tables (the table of the nodes' subnets in each zone)");
  for (const r of plan.routes) {
    const text =
      r.action === 'associate'
        ? `associate ${r.cidr} with ${r.routeTableId}`
        : `${r.cidr} uses ${r.routeTableId}${r.main ? ' (main)' : ''}`;
    out.push(`   ${mark(r.action)} ${r.availabilityZone}  ${text}`);
  }
  out.push('', `4. aws-node DaemonSet env (${changes.where})`);
  for (const [key, value] of Object.entries(plan.daemonSetEnv)) out.push(`   ${mark(changes.env)} ${key}=${value}`);
  out.push('', `5. ENIConfigs, named after their zone (${changes.where})`);
  for (const line of table(
    plan.eniConfigs.map((e) => [
      `   ${mark(changes.eniConfigs.find((x) => x.name === e.name)?.action ?? 'create')} ${e.name}`,
      `subnet ${e.subnet}`,
      `securityGroups ${e.securityGroups.join(', ') || "(the primary ENI's)"}`,
    ]),
  ))
    out.push(line);
  out.push('', `6. Nodes (${changes.where})`);
  if (plan.nodes.length === 0) out.push('   (no nodes selected)');
  for (const line of table(
    plan.nodes.map((n) => [
      `   ${mark(changes.nodes.find((x) => x.nodeName === n.nodeName)?.action ?? 'create')} ${n.nodeName}`,
      `${n.kind} ${n.key}=${n.value}`,
      `${n.instanceId} ${n.instanceType}`,
      `max pods ${n.maxPods}`,
    ]),
  ))
    out.push(line);
  out.push('', 'Max pods per node (custom networking leaves the primary ENI to the node: one ENI fewer)');
  for (const line of table(
    plan.maxPods.map((m) => [`   ${m.instanceType}`, `${m.before} → ${m.after}`, m.formula, `${m.nodes} node(s)`]),
  ))
    out.push(line);
  return `${out.join('\n')}\n`;
}

/**
 * The plan and the target's changes as one JSON document.
 *
 * @example
 * JSON.parse(renderPlanJson(plan, changes)).changes; // 14
 */
export function renderPlanJson(plan: Plan, changes: TargetChanges): string {
  return `${JSON.stringify({ changes: totalChanges(plan, changes), ec2Changes: ec2Changes(plan), plan, target: changes }, null, 2)}\n`;
}

/**
 * The ENIConfig manifests, multi-document YAML.
 *
 * @example
 * renderEniConfigYaml(plan); // '---\napiVersion: crd.k8s.amazonaws.com/v1alpha1\nkind: ENIConfig\n...' (after apply: real subnet ids)
 */
export function renderEniConfigYaml(plan: Plan): string {
  const pending = plan.subnets.filter((s) => s.subnetId === undefined).map((s) => s.cidr);
  const note =
    pending.length === 0
      ? ''
      : `# The subnets ${pending.join(', ')} do not exist yet: run apply (or create them) before applying these.\n`;
  return (
    note +
    planEniConfigs(plan)
      .map((doc) => `---\n${stringify(doc)}`)
      .join('')
  );
}
