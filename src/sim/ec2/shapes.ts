/**
 * Response shapes shared by several operations (an ENI appears in DescribeNetworkInterfaces,
 * CreateNetworkInterface and DescribeInstances). Element names are EC2's locationNames.
 */
import type { Eni, Tags, TrunkAssociation } from '../state/model.js';
import type { VpcStore } from '../state/store.js';
import type { XmlObject } from './xml.js';

export function tagSetXml(tags: Tags): XmlObject[] {
  return [...tags].map(([key, value]) => ({ key, value }));
}

export function groupSetXml(store: VpcStore, groupIds: readonly string[]): XmlObject[] {
  return groupIds.map((groupId) => ({ groupId, groupName: store.securityGroups.get(groupId)?.name }));
}

/** `ip-10-11-16-31.<region>.compute.internal`, EC2's private DNS name for an address. */
export function privateDnsName(store: VpcStore, address: string): string {
  const suffix = store.region === 'us-east-1' ? 'ec2.internal' : `${store.region}.compute.internal`;
  return `ip-${address.replaceAll('.', '-')}.${suffix}`;
}

/** The NetworkInterface shape (DescribeNetworkInterfaces item, CreateNetworkInterface's networkInterface). */
export function eniXml(store: VpcStore, eni: Eni): XmlObject {
  const attachment = eni.attachment;
  return {
    networkInterfaceId: eni.id,
    subnetId: eni.subnetId,
    vpcId: eni.vpcId,
    availabilityZone: eni.availabilityZone,
    description: eni.description,
    ownerId: store.accountId,
    requesterManaged: eni.requesterManaged,
    status: eni.status,
    macAddress: eni.macAddress,
    privateIpAddress: eni.privateIpAddress,
    privateDnsName: privateDnsName(store, eni.privateIpAddress),
    sourceDestCheck: eni.sourceDestCheck,
    groupSet: groupSetXml(store, eni.groups),
    attachment:
      attachment === undefined
        ? undefined
        : {
            attachmentId: attachment.id,
            instanceId: attachment.instanceId,
            instanceOwnerId: store.accountId,
            deviceIndex: attachment.deviceIndex,
            networkCardIndex: attachment.networkCardIndex,
            status: attachment.status,
            attachTime: new Date(attachment.attachTime),
            deleteOnTermination: attachment.deleteOnTermination,
          },
    tagSet: tagSetXml(eni.tags),
    privateIpAddressesSet: [
      {
        privateIpAddress: eni.privateIpAddress,
        privateDnsName: privateDnsName(store, eni.privateIpAddress),
        primary: true,
      },
      ...eni.secondaryIps.map((ip) => ({
        privateIpAddress: ip,
        privateDnsName: privateDnsName(store, ip),
        primary: false,
      })),
    ],
    ipv4PrefixSet: eni.prefixes.map((ipv4Prefix) => ({ ipv4Prefix })),
    ipv6AddressesSet: [],
    interfaceType: eni.interfaceType,
  };
}

/** The TrunkInterfaceAssociation shape (AssociateTrunkInterface, DescribeTrunkInterfaceAssociations). */
export function trunkAssociationXml(association: TrunkAssociation): XmlObject {
  return {
    associationId: association.id,
    branchInterfaceId: association.branchInterfaceId,
    trunkInterfaceId: association.trunkInterfaceId,
    interfaceProtocol: association.interfaceProtocol,
    vlanId: association.vlanId,
    tagSet: [],
  };
}
