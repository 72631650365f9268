/**
 * Subnet discovery ([behaviour §4.5], `ENABLE_SUBNET_DISCOVERY`, default on): new ENIs may go to any subnet of the
 * node's VPC and zone that is tagged for the CNI, most free addresses first. The selection is pure
 * ({@link selectSubnets}); {@link discoverSubnets} adds the DescribeSubnets call and the fall-back to the node's
 * own subnet when EC2 cannot answer.
 *
 * Rules: `kubernetes.io/role/cni=0` never (not even the node's subnet); the node's subnet without the tag is fine;
 * another subnet needs the tag (any value but "0"); with CLUSTER_NAME, a subnet scoped to clusters
 * (`cni.networking.k8s.aws/cluster/*` tags) must name this one.
 *
 * @example
 * selectSubnets(subnets, { primarySubnetId: 'subnet-a', clusterName: undefined }).usable.map((s) => s.id);
 * // ['subnet-b', 'subnet-a'] when subnet-b is tagged kubernetes.io/role/cni=1 and has more free addresses
 */
import type { DescribedSubnets, IpamdContext } from '../context.js';
import { recordFailure } from '../pool/history.js';
import type { Ec2Subnet } from '../../cloud/ec2/port.js';

export const SUBNET_ROLE_TAG = 'kubernetes.io/role/cni';
export const CLUSTER_SCOPE_TAG_PREFIX = 'cni.networking.k8s.aws/cluster/';

export interface SubnetChoiceOptions {
  readonly primarySubnetId: string;
  readonly clusterName: string | undefined;
}

/**
 * Whether pods may get addresses from this subnet, and why.
 *
 * @example
 * subnetVerdict({ ...subnet, tags: { 'kubernetes.io/role/cni': '0' } }, options); // { usable: false, reason: '... (excluded)' }
 */
export function subnetVerdict(subnet: Ec2Subnet, options: SubnetChoiceOptions): { usable: boolean; reason: string } {
  const role = subnet.tags[SUBNET_ROLE_TAG];
  if (role === '0') return { usable: false, reason: `tagged ${SUBNET_ROLE_TAG}=0 (excluded)` };
  const isPrimary = subnet.id === options.primarySubnetId;
  if (role === undefined && !isPrimary) return { usable: false, reason: `secondary subnet without ${SUBNET_ROLE_TAG}` };
  const cluster = options.clusterName;
  if (cluster !== undefined && cluster !== '') {
    const scoped = Object.keys(subnet.tags).some((key) => key.startsWith(CLUSTER_SCOPE_TAG_PREFIX));
    if (scoped && subnet.tags[`${CLUSTER_SCOPE_TAG_PREFIX}${cluster}`] === undefined) {
      return { usable: false, reason: `scoped to other clusters (no ${CLUSTER_SCOPE_TAG_PREFIX}${cluster})` };
    }
  }
  return {
    usable: true,
    reason: isPrimary && role === undefined ? "the node's subnet" : `tagged ${SUBNET_ROLE_TAG}=${role ?? ''}`,
  };
}

/**
 * [behaviour §4.5] selection: usable subnets by free addresses (descending, ties by id), and the rejected ones with
 * reasons.
 *
 * @example
 * selectSubnets(subnets, { primarySubnetId: 'subnet-a', clusterName: 'prod' }).rejected;
 */
export function selectSubnets(
  subnets: readonly Ec2Subnet[],
  options: SubnetChoiceOptions,
): { usable: Ec2Subnet[]; rejected: { id: string; reason: string }[] } {
  const usable: Ec2Subnet[] = [];
  const rejected: { id: string; reason: string }[] = [];
  for (const subnet of subnets) {
    const verdict = subnetVerdict(subnet, options);
    if (verdict.usable) usable.push(subnet);
    else rejected.push({ id: subnet.id, reason: verdict.reason });
  }
  usable.sort(
    (a, b) => b.availableIpAddressCount - a.availableIpAddressCount || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  return { usable, rejected };
}

/**
 * Subnets whose ENIs must not give addresses to pods (`IsExcludedForPodIPs`).
 *
 * @example
 * excludedSubnetIds(subnets).has('subnet-x'); // tagged kubernetes.io/role/cni=0
 */
export function excludedSubnetIds(subnets: readonly Ec2Subnet[]): Set<string> {
  return new Set(subnets.filter((s) => s.tags[SUBNET_ROLE_TAG] === '0').map((s) => s.id));
}

/** Start-up's DescribeSubnets answer per ipamd, kept for the first subnet discovery (`timings.subnetReuseMs`). */
const startupAnswer = new WeakMap<IpamdContext, DescribedSubnets>();

/**
 * The node's VPC and zone subnets, as EC2 describes them now; also feeds the per-subnet free-address metric and
 * keeps the answer in `ctx.node.describedSubnets` (for the dashboard). `keep`: also remember it for the first
 * {@link discoverSubnets} (start-up's read).
 *
 * @example
 * (await describeZoneSubnets(ctx)).map((s) => s.availableIpAddressCount);
 */
export async function describeZoneSubnets(
  ctx: IpamdContext,
  options: { readonly keep?: boolean } = {},
): Promise<Ec2Subnet[]> {
  const subnets = await ctx.deps.ec2.describeSubnets([
    { name: 'vpc-id', values: [ctx.node.vpcId] },
    { name: 'availability-zone', values: [ctx.node.identity.availabilityZone] },
  ]);
  const described: DescribedSubnets = { at: ctx.clock.now(), subnets };
  ctx.node.describedSubnets = described;
  if (options.keep === true) startupAnswer.set(ctx, described);
  ctx.deps.metrics.subnets(subnets);
  return subnets;
}

/** Start-up's answer when it is younger than `timings.subnetReuseMs`; it serves once. */
function takeStartupAnswer(ctx: IpamdContext): Ec2Subnet[] | undefined {
  const kept = startupAnswer.get(ctx);
  startupAnswer.delete(ctx);
  if (kept === undefined || ctx.clock.now() - kept.at >= ctx.timings.subnetReuseMs) return undefined;
  return [...kept.subnets];
}

/**
 * Where to create the next ENI, in order of preference. Discovery off → the node's subnet. DescribeSubnets failing
 * → the node's subnet (logged), as the reference. Ours: the first discovery after start-up uses start-up's answer
 * when it is younger than `timings.subnetReuseMs` (the reference asks again a moment later) and says so with
 * `reused`; the caller asks again (`fresh`) when that answer's subnets turn out to be full.
 *
 * @example
 * await discoverSubnets(ctx); // { subnetIds: ['subnet-b', 'subnet-a'], reason: 'by free addresses: ...' }
 */
export async function discoverSubnets(
  ctx: IpamdContext,
  options: { readonly fresh?: boolean } = {},
): Promise<{ subnetIds: string[]; reason: string; reused?: true }> {
  const primarySubnetId = ctx.node.primaryEni.subnetId;
  if (!ctx.deps.config.features.subnetDiscovery)
    return { subnetIds: [primarySubnetId], reason: 'subnet discovery is off' };
  let subnets: Ec2Subnet[];
  const kept = options.fresh === true ? undefined : takeStartupAnswer(ctx);
  try {
    subnets = kept ?? (await describeZoneSubnets(ctx));
  } catch (error) {
    recordFailure(ctx, { action: 'DescribeSubnets', detail: 'subnet discovery' }, error);
    return { subnetIds: [primarySubnetId], reason: "DescribeSubnets failed: using the node's subnet" };
  }
  const { usable, rejected } = selectSubnets(subnets, {
    primarySubnetId,
    clusterName: ctx.deps.config.node.clusterName,
  });
  const order = usable.map((s) => `${s.id} (${s.availableIpAddressCount} free)`).join(', ');
  const skipped = rejected.map((r) => `${r.id}: ${r.reason}`).join('; ');
  ctx.log.debug(
    { usable: usable.map((s) => s.id), rejected },
    `subnet discovery: ${order || 'no usable subnet'}${skipped ? `; skipped ${skipped}` : ''}`,
  );
  const subnetIds = usable.map((s) => s.id);
  const reason = usable.length === 0 ? `no usable subnet (${skipped})` : `by free addresses: ${order}`;
  return kept === undefined
    ? { subnetIds, reason }
    : { subnetIds, reason: `${reason} (start-up's answer)`, reused: true };
}
