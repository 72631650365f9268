/**
 * Builds the {@link Plan} from the discovered state: pure, so that plan, apply and apply's verification compute the
 * same thing. Every mistake the workflow refuses is refused here, before anything changes: a CIDR that overlaps or
 * is not allowed, a subnet outside its nodes' zone, too small for their pods, a conflicting subnet or route-table
 * association, security groups that do not exist or belong to another VPC.
 *
 * @example
 * const plan = buildPlan(await discover(ec2, { cluster: 'eksworkshop' }), { cidr: '100.64.0.0/16', subnetSize: 19 });
 * plan.eniConfigs.map((c) => c.name); // ['ap-northeast-2a', 'ap-northeast-2b', 'ap-northeast-2c']
 */
import { requireInstanceLimits } from '../limits/index.js';
import { calculateMaxPods } from '../ipam/max-pods.js';
import { DEFAULT_ENICONFIG_KEY } from '../eniconfig/types.js';
import { vpcBlockStatus } from './cidr-rules.js';
import type { VpcState } from './discover.js';
import { CustomNetworkingError } from './errors.js';
import type { CidrStep, EniConfigDoc, MaxPodsLine, NodeMapping, Plan } from './plan-types.js';
import { planSubnets, routeSteps } from './plan-subnets.js';

export interface PlanOptions {
  readonly cidr: string;
  readonly subnetSize: number;
  /** Default: the zones of the nodes. */
  readonly azs?: readonly string[];
  /** `--label-key`: map nodes by this label (ENI_CONFIG_LABEL_DEF) instead of the annotation. */
  readonly labelKey?: string;
  /** ENI_CONFIG_ANNOTATION_DEF; default `k8s.amazonaws.com/eniConfig`. */
  readonly annotationKey?: string;
  /** `--security-groups`: instead of the nodes' groups. */
  readonly securityGroups?: readonly string[];
  /** `--subnet AZ=subnet-id`: use these existing subnets instead of carving new ones. */
  readonly subnets?: Readonly<Record<string, string>>;
  /** Size the subnets for /28 prefixes (ENABLE_PREFIX_DELEGATION) rather than single addresses. */
  readonly prefixDelegation?: boolean;
}

/**
 * Placeholder subnet id of an ENIConfig whose subnet apply has yet to create.
 *
 * @example
 * newSubnetPlaceholder('100.64.0.0/19'); // '<new subnet 100.64.0.0/19>'
 */
export const newSubnetPlaceholder = (cidr: string): string => `<new subnet ${cidr}>`;

/*
 * Security groups of the ENIConfigs (the seed's step 6 reads them off the instances): by default the groups of the
 * zone's nodes, as their primary ENIs have them, so pods keep their nodes' rules; `--security-groups` replaces them.
 * Every group must exist and belong to the VPC, or EC2 would refuse the pods' ENIs later, on the node.
 */

/** The groups of the zone's nodes in first-seen order; of every node when the zone has none. */
function zoneSecurityGroups(state: VpcState, zone: string): string[] {
  const inZone = state.nodes.filter((n) => n.availabilityZone === zone);
  return [...new Set((inZone.length > 0 ? inZone : state.nodes).flatMap((n) => n.securityGroups))];
}

/** @throws CustomNetworkingError CN_SG_NOT_FOUND or CN_SG_OTHER_VPC naming the group(s). */
function checkSecurityGroups(state: VpcState, ids: readonly string[]): void {
  const unknown = ids.filter((id) => !state.securityGroups.some((g) => g.id === id));
  if (unknown.length > 0) {
    throw new CustomNetworkingError(
      'CN_SG_NOT_FOUND',
      `security group(s) ${unknown.join(', ')} do not exist in this region`,
      { groups: unknown },
    );
  }
  const foreign = state.securityGroups.filter((g) => ids.includes(g.id) && g.vpcId !== state.vpc.id);
  if (foreign.length > 0) {
    throw new CustomNetworkingError(
      'CN_SG_OTHER_VPC',
      `security group(s) ${foreign.map((g) => `${g.id} (${g.vpcId})`).join(', ')} belong to another VPC than ${state.vpc.id}; ENIs in the pod subnets cannot use them`,
      { groups: foreign.map((g) => g.id), vpcId: state.vpc.id },
    );
  }
}

function chooseZones(state: VpcState, azs: readonly string[] | undefined): string[] {
  if (azs !== undefined && azs.length > 0) {
    const unknown = azs.filter((z) => !state.zones.includes(z));
    if (unknown.length > 0) {
      throw new CustomNetworkingError(
        'CN_AZ_UNKNOWN',
        `--azs names ${unknown.join(', ')}, not a zone of this region (${state.zones.join(', ')})`,
        { unknown },
      );
    }
    return [...new Set(azs)];
  }
  const zones = [...new Set(state.nodes.map((n) => n.availabilityZone))].sort();
  if (zones.length === 0) {
    const who =
      state.cluster === undefined
        ? `in ${state.vpc.id}`
        : `tagged kubernetes.io/cluster/${state.cluster} in ${state.vpc.id}`;
    throw new CustomNetworkingError(
      'CN_NO_NODES',
      `no running instance ${who} matches the node selection; pass --azs to plan the subnets anyway`,
      { vpcId: state.vpc.id },
    );
  }
  return zones;
}

function maxPodsLines(
  state: VpcState,
  prefixDelegation: boolean,
): { lines: MaxPodsLine[]; perType: Map<string, number> } {
  const perType = new Map<string, number>();
  const lines: MaxPodsLine[] = [];
  for (const type of [...new Set(state.nodes.map((n) => n.instanceType))].sort()) {
    const limits = requireInstanceLimits(type);
    const before = calculateMaxPods({ limits, prefixDelegation });
    const after = calculateMaxPods({ limits, prefixDelegation, customNetworking: true });
    perType.set(type, after.maxPods);
    lines.push({
      instanceType: type,
      nodes: state.nodes.filter((n) => n.instanceType === type).length,
      before: before.maxPods,
      after: after.maxPods,
      formula: after.formula,
    });
  }
  return { lines, perType };
}

/**
 * See the module comment. @throws CustomNetworkingError for every refused mistake.
 *
 * @example
 * buildPlan(state, { cidr: '100.64.0.0/16', subnetSize: 19 }).nodes[0]?.maxPods; // 20 (m5.large)
 */
export function buildPlan(state: VpcState, options: PlanOptions): Plan {
  const prefixDelegation = options.prefixDelegation === true;
  const status = vpcBlockStatus(
    { id: state.vpc.id, primary: state.vpc.cidr, blocks: state.vpc.cidrBlocks },
    options.cidr,
  );
  const cidr: CidrStep = {
    vpcId: state.vpc.id,
    cidr: options.cidr,
    action: status.kind === 'new' ? 'associate' : status.kind === 'associating' ? 'wait' : 'none',
  };
  const zones = chooseZones(state, options.azs);
  const { lines, perType } = maxPodsLines(state, prefixDelegation);
  const subnets = planSubnets(state, { ...options, prefixDelegation }, zones, perType);
  const routes = routeSteps(state, subnets);
  const eniConfigs: EniConfigDoc[] = subnets.map((s) => ({
    name: s.availabilityZone,
    subnet: s.subnetId ?? newSubnetPlaceholder(s.cidr),
    securityGroups: options.securityGroups ?? zoneSecurityGroups(state, s.availabilityZone),
  }));
  checkSecurityGroups(state, [...new Set(eniConfigs.flatMap((c) => c.securityGroups))]);
  const kind = options.labelKey === undefined ? 'annotation' : 'label';
  const key = options.labelKey ?? options.annotationKey ?? DEFAULT_ENICONFIG_KEY;
  const nodes: NodeMapping[] = state.nodes
    .filter((n) => zones.includes(n.availabilityZone))
    .map((n) => ({
      nodeName: n.privateDnsName,
      instanceId: n.id,
      privateIp: n.privateIp,
      instanceType: n.instanceType,
      availabilityZone: n.availabilityZone,
      kind,
      key,
      value: n.availabilityZone,
      maxPods: perType.get(n.instanceType) ?? 0,
    }));
  return {
    cluster: state.cluster,
    vpcId: state.vpc.id,
    cidr,
    subnets,
    routes,
    eniConfigs,
    nodes,
    daemonSetEnv: {
      AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: 'true',
      ...(options.labelKey === undefined ? {} : { ENI_CONFIG_LABEL_DEF: options.labelKey }),
      ...(options.annotationKey === undefined ? {} : { ENI_CONFIG_ANNOTATION_DEF: options.annotationKey }),
      ...(prefixDelegation ? { ENABLE_PREFIX_DELEGATION: 'true' } : {}),
    },
    maxPods: lines,
    prefixDelegation,
  };
}
