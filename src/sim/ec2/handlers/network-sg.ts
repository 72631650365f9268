/**
 * DescribeSecurityGroups and CreateSecurityGroup. Rules are not modelled, so every group shows EC2's defaults:
 * egress allows everything, and the VPC's `default` group also allows all traffic from its own members.
 */
import type { SecurityGroup } from '../../state/model.js';
import { createSecurityGroup, DEFAULT_GROUP_NAME } from '../../state/ops-sg.js';
import type { VpcStore } from '../../state/store.js';
import { Ec2Error } from '../errors.js';
import type { FilterFields } from '../filters.js';
import type { HandlerTable } from '../handler.js';
import { tagSetXml } from '../shapes.js';
import type { XmlObject } from '../xml.js';
import { checkId, describePage, ec2Arn, GROUP_ID, PAGE_5_1000, VPC_ID } from './network-common.js';

/** An all-protocols IpPermission (`ipProtocol` -1 means every protocol and port). */
function allTraffic(from: { groups?: XmlObject[]; ipRanges?: XmlObject[] }): XmlObject {
  return {
    ipProtocol: '-1',
    groups: from.groups ?? [],
    ipRanges: from.ipRanges ?? [],
    ipv6Ranges: [],
    prefixListIds: [],
  };
}

/** The SecurityGroup shape (DescribeSecurityGroups item). */
export function securityGroupXml(store: VpcStore, group: SecurityGroup): XmlObject {
  return {
    ownerId: store.accountId,
    groupId: group.id,
    groupName: group.name,
    groupDescription: group.description,
    vpcId: group.vpcId,
    securityGroupArn: ec2Arn(store, 'security-group', group.id),
    ipPermissions:
      group.name === DEFAULT_GROUP_NAME
        ? [allTraffic({ groups: [{ groupId: group.id, userId: store.accountId }] })]
        : [],
    ipPermissionsEgress: [allTraffic({ ipRanges: [{ cidrIp: '0.0.0.0/0' }] })],
    tagSet: tagSetXml(group.tags),
  };
}

function groupFilters(store: VpcStore): FilterFields<SecurityGroup> {
  return {
    'group-id': (g) => g.id,
    'group-name': (g) => g.name,
    description: (g) => g.description,
    'vpc-id': (g) => g.vpcId,
    'owner-id': () => store.accountId,
  };
}

/**
 * Groups named by `GroupId.N` and/or `GroupName.N` (either may name a group), in creation order; any unknown id or
 * name fails the call. No ids or names: every group.
 */
function selectGroups(store: VpcStore, ids: readonly string[], names: readonly string[]): SecurityGroup[] {
  const all = [...store.securityGroups.values()];
  if (ids.length === 0 && names.length === 0) return all;
  for (const id of ids) store.securityGroup(checkId(GROUP_ID, id));
  for (const name of names) {
    if (!all.some((g) => g.name === name))
      throw new Ec2Error('InvalidGroup.NotFound', `The security group '${name}' does not exist`);
  }
  return all.filter((g) => ids.includes(g.id) || names.includes(g.name));
}

/** DescribeSecurityGroups and CreateSecurityGroup. */
export const securityGroupHandlers: HandlerTable = {
  DescribeSecurityGroups: (p, { store, action }) => {
    const groups = selectGroups(store, p.list('GroupId'), p.list('GroupName'));
    const { page, nextToken } = describePage(action, p, groups, groupFilters(store), (g) => g.tags, PAGE_5_1000);
    return { securityGroupInfo: page.map((g) => securityGroupXml(store, g)), nextToken };
  },

  CreateSecurityGroup: (p, { store }) => {
    const requested = p.optString('VpcId');
    let vpcId: string;
    if (requested === undefined) {
      // Without VpcId EC2 uses the default VPC; there is no EC2-Classic to fall back to.
      const fallback = [...store.vpcs.values()].find((v) => v.isDefault);
      if (fallback === undefined) throw new Ec2Error('VPCIdNotSpecified', 'No default VPC for this user');
      vpcId = fallback.id;
    } else {
      vpcId = checkId(VPC_ID, requested);
    }
    const group = createSecurityGroup(store, {
      vpcId,
      name: p.string('GroupName'),
      description: p.string('GroupDescription'),
      tags: p.tagSpecifications('security-group'),
    });
    return {
      groupId: group.id,
      tagSet: tagSetXml(group.tags),
      securityGroupArn: ec2Arn(store, 'security-group', group.id),
    };
  },
};
