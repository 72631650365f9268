/**
 * The plan of the custom-networking workflow: the seed's six steps as the end state they should reach and, for
 * each, whether it is already there. `plan` prints it; `apply` carries it out step by step and plans again to
 * verify; a plan with no change is what a second `apply` finds.
 *
 * @example
 * const plan = buildPlan(state, { cidr: '100.64.0.0/16', subnetSize: 19 });
 * plan.subnets.map((s) => `${s.availabilityZone} ${s.cidr} ${s.action}`); // ['ap-northeast-2a 100.64.0.0/19 create', ...]
 */
import type { Ec2Tags } from '../cloud/ec2/port.js';

/** What happens to one item: it is created/changed, or it is already as planned. */
export type StepAction = 'create' | 'none';

export interface CidrStep {
  readonly vpcId: string;
  readonly cidr: string;
  /** `associate`: a new block; `wait`: associating (an interrupted apply); `none`: associated. */
  readonly action: 'associate' | 'wait' | 'none';
}

export interface SubnetStep {
  readonly availabilityZone: string;
  readonly cidr: string;
  /** Known when the subnet exists. */
  readonly subnetId?: string;
  readonly action: StepAction;
  /** The tags the pod subnet carries when done. */
  readonly tags: Ec2Tags;
  /** Tags an existing subnet lacks (created subnets get every tag in the CreateSubnet call). */
  readonly missingTags: Ec2Tags;
  /** Addresses AWS can hand out (size − 5). */
  readonly usableIps: number;
  /** Addresses the AZ's nodes may need: max pods × nodes, or 16 per /28 prefix with prefix delegation. */
  readonly neededIps: number;
  readonly nodeCount: number;
}

export interface RouteStep {
  readonly availabilityZone: string;
  readonly cidr: string;
  readonly subnetId?: string;
  readonly routeTableId: string;
  /** The route table is the VPC's main table (a subnet without explicit association already uses it). */
  readonly main: boolean;
  readonly action: 'associate' | 'none';
}

export interface EniConfigDoc {
  /** The AZ: ENIConfigs are named after their zone (never the seed's three `group1-pod-netconfig`). */
  readonly name: string;
  /** The subnet id; for a subnet still to be created, `<new subnet 100.64.0.0/19>`. */
  readonly subnet: string;
  readonly securityGroups: readonly string[];
}

export interface NodeMapping {
  readonly nodeName: string;
  readonly instanceId: string;
  /** The node's primary private address (to find its Node when the cluster names nodes otherwise). */
  readonly privateIp: string;
  readonly instanceType: string;
  readonly availabilityZone: string;
  /** `annotation` (ENI_CONFIG_ANNOTATION_DEF, default) or `label` (`--label-key`, ENI_CONFIG_LABEL_DEF). */
  readonly kind: 'annotation' | 'label';
  readonly key: string;
  /** The ENIConfig name = the node's AZ. */
  readonly value: string;
  /** Max pods of the node under custom networking (EKS calculator; m5.large: 20). */
  readonly maxPods: number;
}

export interface MaxPodsLine {
  readonly instanceType: string;
  readonly nodes: number;
  /** Without custom networking (m5.large: 29). */
  readonly before: number;
  /** With custom networking: one ENI fewer (m5.large: 20). */
  readonly after: number;
  readonly formula: string;
}

export interface Plan {
  readonly cluster: string | undefined;
  readonly vpcId: string;
  readonly cidr: CidrStep;
  readonly subnets: readonly SubnetStep[];
  readonly routes: readonly RouteStep[];
  readonly eniConfigs: readonly EniConfigDoc[];
  readonly nodes: readonly NodeMapping[];
  /** The aws-node DaemonSet env after the change (the seed's `kubectl set env ds aws-node ...`). */
  readonly daemonSetEnv: Readonly<Record<string, string>>;
  readonly maxPods: readonly MaxPodsLine[];
  readonly prefixDelegation: boolean;
}

/**
 * The number of EC2 changes a plan makes (CIDR association, subnets, tags, route-table associations).
 *
 * @example
 * ec2Changes(buildPlan(state, options)); // 7 for the workshop VPC, 0 after apply
 */
export function ec2Changes(plan: Plan): number {
  return (
    (plan.cidr.action === 'associate' ? 1 : 0) +
    plan.subnets.filter((s) => s.action === 'create' || Object.keys(s.missingTags).length > 0).length +
    plan.routes.filter((r) => r.action === 'associate').length
  );
}
