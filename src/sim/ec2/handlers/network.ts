/**
 * VPC-level EC2 operations of the embedded VPC (what the custom-networking workflow calls): VPCs and their CIDR
 * blocks, availability zones, and — from the sibling modules — subnets, route tables and security groups.
 * {@link networkHandlers} is the table to give the server.
 *
 * @example
 * const server = await startEc2Server({ store, handlers: { ...networkHandlers, ...tagHandlers }, port: 0 });
 */
import { createHash } from 'node:crypto';
import type { Vpc } from '../../state/model.js';
import { associateVpcCidrBlock, cidrAssociationState, createVpc, primaryCidr } from '../../state/ops-vpc.js';
import type { VpcStore } from '../../state/store.js';
import { Ec2Error } from '../errors.js';
import { applyFilters, type FilterFields } from '../filters.js';
import type { HandlerTable } from '../handler.js';
import { tagSetXml } from '../shapes.js';
import type { XmlObject } from '../xml.js';
import { checkId, describePage, PAGE_5_1000, refuseUnsupported, selectByIds, VPC_ID } from './network-common.js';
import { routeHandlers } from './network-routes.js';
import { securityGroupHandlers } from './network-sg.js';
import { subnetHandlers } from './network-subnets.js';

const IPV6_AND_IPAM = [
  'AmazonProvidedIpv6CidrBlock',
  'Ipv6CidrBlock',
  'Ipv6Pool',
  'Ipv6IpamPoolId',
  'Ipv4IpamPoolId',
  'Ipv4NetmaskLength',
];

/** The region's default DHCP options set: one per account and region, like EC2's. */
function dhcpOptionsId(store: VpcStore): string {
  return `dopt-${createHash('sha256').update(`${store.accountId}/${store.region}`).digest('hex').slice(0, 17)}`;
}

/** The Vpc shape (DescribeVpcs item, CreateVpc's `vpc`). */
export function vpcXml(store: VpcStore, vpc: Vpc): XmlObject {
  return {
    vpcId: vpc.id,
    ownerId: store.accountId,
    state: 'available',
    cidrBlock: primaryCidr(vpc),
    cidrBlockAssociationSet: vpc.cidrAssociations.map((a) => ({
      associationId: a.associationId,
      cidrBlock: a.cidr,
      cidrBlockState: { state: cidrAssociationState(store, a) },
    })),
    dhcpOptionsId: dhcpOptionsId(store),
    instanceTenancy: 'default',
    isDefault: vpc.isDefault,
    tagSet: tagSetXml(vpc.tags),
  };
}

function vpcFilters(store: VpcStore): FilterFields<Vpc> {
  return {
    'vpc-id': (v) => v.id,
    cidr: (v) => primaryCidr(v),
    'cidr-block-association.cidr-block': (v) => v.cidrAssociations.map((a) => a.cidr),
    'cidr-block-association.association-id': (v) => v.cidrAssociations.map((a) => a.associationId),
    'cidr-block-association.state': (v) => v.cidrAssociations.map((a) => cidrAssociationState(store, a)),
    'is-default': (v) => v.isDefault,
    state: () => 'available',
    'owner-id': () => store.accountId,
    'dhcp-options-id': () => dhcpOptionsId(store),
  };
}

const zoneFields = (store: VpcStore): FilterFields<VpcStore['availabilityZones'][number]> => ({
  'zone-name': (z) => z.name,
  'zone-id': (z) => z.id,
  'region-name': () => store.region,
  'group-name': () => store.region,
  'network-border-group': () => store.region,
  state: () => 'available',
  'zone-type': () => 'availability-zone',
  'opt-in-status': () => 'opt-in-not-required',
});

const vpcHandlers: HandlerTable = {
  DescribeVpcs: (p, { store, action }) => {
    const vpcs = selectByIds(p.list('VpcId'), VPC_ID, (id) => store.vpc(id), [...store.vpcs.values()]);
    const { page, nextToken } = describePage(action, p, vpcs, vpcFilters(store), (v) => v.tags, PAGE_5_1000);
    return { vpcSet: page.map((v) => vpcXml(store, v)), nextToken };
  },

  CreateVpc: (p, { store }) => {
    refuseUnsupported(p, IPV6_AND_IPAM);
    const vpc = createVpc(store, { cidr: p.string('CidrBlock'), tags: p.tagSpecifications('vpc') });
    return { vpc: vpcXml(store, vpc) };
  },

  AssociateVpcCidrBlock: (p, { store }) => {
    refuseUnsupported(p, IPV6_AND_IPAM);
    const vpcId = checkId(VPC_ID, p.string('VpcId'));
    const association = associateVpcCidrBlock(store, vpcId, p.string('CidrBlock'));
    return {
      vpcId,
      cidrBlockAssociation: {
        associationId: association.associationId,
        cidrBlock: association.cidr,
        // EC2 always answers `associating`, even when the block settles at once; later reads show the transition.
        cidrBlockState: { state: 'associating' },
      },
    };
  },

  DescribeAvailabilityZones: (p, { store }) => {
    p.optBool('AllAvailabilityZones'); // every zone is opted in, so "all" changes nothing; the value is still checked
    const names = p.list('ZoneName');
    const ids = p.list('ZoneId');
    const zones = store.availabilityZones;
    const unknown = [
      ...names.filter((name) => !zones.some((z) => z.name === name)),
      ...ids.filter((id) => !zones.some((z) => z.id === id)),
    ][0];
    if (unknown !== undefined) throw new Ec2Error('InvalidParameterValue', `Invalid availability zone: [${unknown}]`);
    const chosen =
      names.length + ids.length === 0 ? zones : zones.filter((z) => names.includes(z.name) || ids.includes(z.id));
    return {
      availabilityZoneInfo: applyFilters(chosen, p.filters(), zoneFields(store)).map((z) => ({
        zoneName: z.name,
        zoneId: z.id,
        zoneState: 'available',
        regionName: store.region,
        groupName: store.region,
        networkBorderGroup: store.region,
        optInStatus: 'opt-in-not-required',
        zoneType: 'availability-zone',
        messageSet: [],
      })),
    };
  },
};

/** VPCs, zones, subnets, route tables and security groups: every VPC-level operation of the embedded VPC. */
export const networkHandlers: HandlerTable = {
  ...vpcHandlers,
  ...subnetHandlers,
  ...routeHandlers,
  ...securityGroupHandlers,
};
