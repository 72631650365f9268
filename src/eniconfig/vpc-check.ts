/**
 * Checks an ENIConfig against the node's VPC, as EC2 describes it: the subnet exists, is in the node's zone and VPC
 * and has room; each security group exists and is in the node's VPC. The reference does none of this (EC2 rejects
 * CreateNetworkInterface and the pod sees "failed to assign an IP address"); here every problem is one precise line.
 *
 * @example
 * const problems = validateEniConfig(config, {
 *   nodeAz: 'us-west-2a', vpcId: 'vpc-1', subnets: await ec2.describeSubnets([{ name: 'subnet-id', values: [config.spec.subnet] }]),
 * });
 * // [{ code: 'ENICONFIG_SUBNET_WRONG_AZ', message: "ENIConfig 'x': subnet subnet-… is in us-west-2b but this node is in us-west-2a; …" }]
 */
import type { Ec2SecurityGroup, Ec2Subnet } from '../cloud/ec2/port.js';
import type { EniConfigErrorCode } from './errors.js';
import type { EniConfig } from './types.js';

export interface EniConfigProblem {
  readonly code: EniConfigErrorCode;
  readonly message: string;
}

export interface VpcFacts {
  /** The node's availability zone (`us-west-2a`). */
  readonly nodeAz: string;
  readonly vpcId: string;
  /** Subnets EC2 described (at least the ENIConfig's, when it exists); others are ignored. */
  readonly subnets: readonly Ec2Subnet[];
  /** Ids of the groups that exist in the node's VPC; absent = groups are not checked. */
  readonly securityGroupIds?: ReadonlySet<string>;
  /** Groups EC2 described, of any VPC (tells "another VPC" from "does not exist"); absent = not checked. */
  readonly securityGroups?: readonly Ec2SecurityGroup[];
  /** Free addresses a new ENI needs in the subnet (its primary address plus the first batch); default 1. */
  readonly minFreeAddresses?: number;
  /** Prefix delegation: the subnet must be able to hold an aligned /28 beside EC2's reserved addresses (≤ /27). */
  readonly prefixDelegation?: boolean;
}

function prefixLength(cidr: string): number | undefined {
  const bits = Number(cidr.split('/')[1]);
  return Number.isInteger(bits) ? bits : undefined;
}

function checkSubnet(prefix: string, config: EniConfig, facts: VpcFacts): EniConfigProblem[] {
  const id = config.spec.subnet;
  const subnet = facts.subnets.find((s) => s.id === id);
  if (subnet === undefined) {
    return [
      {
        code: 'ENICONFIG_SUBNET_NOT_FOUND',
        message: `${prefix}subnet ${id} does not exist (EC2 describes no such subnet in this region and account)`,
      },
    ];
  }
  const problems: EniConfigProblem[] = [];
  if (subnet.vpcId !== facts.vpcId) {
    problems.push({
      code: 'ENICONFIG_SUBNET_WRONG_VPC',
      message: `${prefix}subnet ${id} belongs to ${subnet.vpcId}, not to this node's VPC ${facts.vpcId}`,
    });
  }
  if (subnet.availabilityZone !== facts.nodeAz) {
    problems.push({
      code: 'ENICONFIG_SUBNET_WRONG_AZ',
      message:
        `${prefix}subnet ${id} is in ${subnet.availabilityZone} but this node is in ${facts.nodeAz}; an ENI can only use a subnet of its ` +
        `instance's zone — point the ENIConfig at a ${facts.nodeAz} subnet, or name ENIConfigs after zones and set ENI_CONFIG_LABEL_DEF=topology.kubernetes.io/zone`,
    });
  }
  const need = Math.max(1, facts.minFreeAddresses ?? 1);
  const bits = prefixLength(subnet.cidr);
  if (facts.prefixDelegation === true && bits !== undefined && bits > 27) {
    problems.push({
      code: 'ENICONFIG_SUBNET_FULL',
      message: `${prefix}subnet ${id} (${subnet.cidr}) is too small for prefix delegation: a /28 prefix cannot fit beside EC2's 5 reserved addresses; use a /27 or larger`,
    });
  } else if (subnet.availableIpAddressCount < need) {
    problems.push({
      code: 'ENICONFIG_SUBNET_FULL',
      message: `${prefix}subnet ${id} (${subnet.cidr}) has ${subnet.availableIpAddressCount} free addresses; a new ENI needs at least ${need}`,
    });
  }
  return problems;
}

function checkGroups(prefix: string, config: EniConfig, facts: VpcFacts): EniConfigProblem[] {
  const problems: EniConfigProblem[] = [];
  for (const id of config.spec.securityGroups ?? []) {
    const described = facts.securityGroups?.find((g) => g.id === id);
    if (described !== undefined && described.vpcId !== facts.vpcId) {
      problems.push({
        code: 'ENICONFIG_SECURITY_GROUP_WRONG_VPC',
        message: `${prefix}security group ${id}${described.name === '' ? '' : ` (${described.name})`} belongs to ${described.vpcId}, not to this node's VPC ${facts.vpcId}`,
      });
      continue;
    }
    const knownInVpc = described !== undefined || facts.securityGroupIds?.has(id) === true;
    const checked = facts.securityGroups !== undefined || facts.securityGroupIds !== undefined;
    if (checked && !knownInVpc) {
      problems.push({
        code: 'ENICONFIG_SECURITY_GROUP_NOT_FOUND',
        message: `${prefix}security group ${id} does not exist in this node's VPC ${facts.vpcId}`,
      });
    }
  }
  return problems;
}

/**
 * Every reason the ENIConfig cannot serve this node; empty when it can. Each message starts with
 * `ENIConfig '<name>': `.
 *
 * @example
 * validateEniConfig(config, { nodeAz: 'us-west-2a', vpcId: 'vpc-1', subnets: [], securityGroupIds: new Set() })[0]?.code;
 * // 'ENICONFIG_SUBNET_NOT_FOUND'
 */
export function validateEniConfig(config: EniConfig, facts: VpcFacts): EniConfigProblem[] {
  const prefix = `ENIConfig '${config.metadata.name}': `;
  return [...checkSubnet(prefix, config, facts), ...checkGroups(prefix, config, facts)];
}
