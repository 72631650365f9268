/**
 * CreateSubnet and DescribeSubnets. DescribeSubnets is what the CNI's subnet discovery calls (`vpc-id` +
 * `availability-zone`, then the `kubernetes.io/role/cni` tag), so `availableIpAddressCount` reflects the
 * addresses ENIs hold right now.
 */
import type { Subnet } from '../../state/model.js';
import { createSubnet, isDefaultForAz, subnetZoneId } from '../../state/ops-subnet.js';
import type { VpcStore } from '../../state/store.js';
import type { FilterFields } from '../filters.js';
import type { HandlerTable } from '../handler.js';
import { tagSetXml } from '../shapes.js';
import type { XmlObject } from '../xml.js';
import {
  checkId,
  describePage,
  ec2Arn,
  PAGE_5_1000,
  refuseUnsupported,
  selectByIds,
  SUBNET_ID,
  VPC_ID,
} from './network-common.js';

/** The Subnet shape (DescribeSubnets item, CreateSubnet's `subnet`). */
export function subnetXml(store: VpcStore, subnet: Subnet): XmlObject {
  return {
    subnetId: subnet.id,
    subnetArn: ec2Arn(store, 'subnet', subnet.id),
    state: 'available',
    vpcId: subnet.vpcId,
    ownerId: store.accountId,
    cidrBlock: subnet.cidr,
    availableIpAddressCount: store.availableIpAddressCount(subnet),
    availabilityZone: subnet.availabilityZone,
    availabilityZoneId: subnetZoneId(store, subnet),
    defaultForAz: isDefaultForAz(subnet),
    mapPublicIpOnLaunch: subnet.mapPublicIpOnLaunch,
    mapCustomerOwnedIpOnLaunch: false,
    assignIpv6AddressOnCreation: false,
    ipv6CidrBlockAssociationSet: [],
    ipv6Native: false,
    enableDns64: false,
    privateDnsNameOptionsOnLaunch: {
      hostnameType: 'ip-name',
      enableResourceNameDnsARecord: false,
      enableResourceNameDnsAAAARecord: false,
    },
    tagSet: tagSetXml(subnet.tags),
  };
}

function subnetFilters(store: VpcStore): FilterFields<Subnet> {
  const zoneId = (s: Subnet): string => subnetZoneId(store, s);
  const defaultForAz = (s: Subnet): boolean => isDefaultForAz(s);
  return {
    'subnet-id': (s) => s.id,
    'subnet-arn': (s) => ec2Arn(store, 'subnet', s.id),
    'vpc-id': (s) => s.vpcId,
    'availability-zone': (s) => s.availabilityZone,
    availabilityZone: (s) => s.availabilityZone,
    'availability-zone-id': zoneId,
    availabilityZoneId: zoneId,
    // EC2 accepts all three spellings for the subnet's block.
    'cidr-block': (s) => s.cidr,
    cidr: (s) => s.cidr,
    cidrBlock: (s) => s.cidr,
    'available-ip-address-count': (s) => store.availableIpAddressCount(s),
    'default-for-az': defaultForAz,
    defaultForAz,
    'map-public-ip-on-launch': (s) => s.mapPublicIpOnLaunch,
    'ipv6-native': () => false,
    'owner-id': () => store.accountId,
    state: () => 'available',
  };
}

/** CreateSubnet and DescribeSubnets. */
export const subnetHandlers: HandlerTable = {
  CreateSubnet: (p, { store }) => {
    refuseUnsupported(p, ['Ipv6CidrBlock', 'Ipv6Native', 'Ipv4IpamPoolId', 'Ipv6IpamPoolId', 'OutpostArn']);
    const availabilityZone = p.optString('AvailabilityZone');
    const availabilityZoneId = p.optString('AvailabilityZoneId');
    const subnet = createSubnet(store, {
      vpcId: checkId(VPC_ID, p.string('VpcId')),
      cidr: p.string('CidrBlock'),
      ...(availabilityZone === undefined ? {} : { availabilityZone }),
      ...(availabilityZoneId === undefined ? {} : { availabilityZoneId }),
      tags: p.tagSpecifications('subnet'),
    });
    return { subnet: subnetXml(store, subnet) };
  },

  DescribeSubnets: (p, { store, action }) => {
    const subnets = selectByIds(p.list('SubnetId'), SUBNET_ID, (id) => store.subnet(id), [...store.subnets.values()]);
    const { page, nextToken } = describePage(action, p, subnets, subnetFilters(store), (s) => s.tags, PAGE_5_1000);
    return { subnetSet: page.map((s) => subnetXml(store, s)), nextToken };
  },
};
