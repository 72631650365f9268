/**
 * SDK shapes to the port's domain types (port.ts) and back: the anti-corruption layer's mapping half, in the style of
 * cilium's `parseENI`. Every SDK field is optional in the generated types; a field no caller can work without (an
 * ENI's, subnet's, VPC's ... id) makes the answer unusable and raises CLOUD_EC2_ERROR, the rest default to empty
 * values.
 *
 * @example
 * toEc2Eni(response.NetworkInterface, 'CreateNetworkInterface'); // { id: 'eni-…', secondaryIps: [...], ... }
 * toSdkFilters([{ name: 'vpc-id', values: ['vpc-1'] }]);      // [{ Name: 'vpc-id', Values: ['vpc-1'] }]
 */
import type {
  Filter,
  Instance,
  NetworkInterface,
  RouteTable,
  SecurityGroup,
  Subnet,
  Tag,
  Vpc,
  VpcCidrBlockAssociation,
} from '@aws-sdk/client-ec2';
import type {
  Ec2Eni,
  Ec2Filter,
  Ec2Instance,
  Ec2InstanceAttachments,
  Ec2RouteTable,
  Ec2SecurityGroup,
  Ec2Subnet,
  Ec2Tags,
  Ec2Vpc,
  Ec2VpcCidrBlock,
} from './port.js';
import { CloudError } from '../errors.js';

/** EC2 answered 200 but without something the answer must have. */
export function malformed(operation: string, what: string): CloudError {
  return new CloudError('CLOUD_EC2_ERROR', `${operation} answered without ${what}; the response cannot be used`, {
    operation,
  });
}

export function toSdkFilters(filters: readonly Ec2Filter[]): Filter[] {
  return filters.map((f) => ({ Name: f.name, Values: [...f.values] }));
}

export function toSdkTags(tags: Ec2Tags): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export function fromSdkTags(tags: readonly Tag[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of tags ?? []) if (tag.Key !== undefined) out[tag.Key] = tag.Value ?? '';
  return out;
}

export function toEc2Eni(eni: NetworkInterface | undefined, operation: string): Ec2Eni {
  if (eni?.NetworkInterfaceId === undefined) throw malformed(operation, 'a network interface id');
  const secondaryIps = (eni.PrivateIpAddresses ?? [])
    .filter((a) => a.Primary !== true)
    .flatMap((a) => a.PrivateIpAddress ?? []);
  const a = eni.Attachment;
  return {
    id: eni.NetworkInterfaceId,
    macAddress: eni.MacAddress ?? '',
    subnetId: eni.SubnetId ?? '',
    vpcId: eni.VpcId ?? '',
    availabilityZone: eni.AvailabilityZone ?? '',
    description: eni.Description ?? '',
    status: eni.Status ?? '',
    interfaceType: eni.InterfaceType ?? 'interface',
    privateIp: eni.PrivateIpAddress ?? '',
    secondaryIps,
    prefixes: (eni.Ipv4Prefixes ?? []).flatMap((p) => p.Ipv4Prefix ?? []),
    groups: (eni.Groups ?? []).flatMap((g) => g.GroupId ?? []),
    tags: fromSdkTags(eni.TagSet),
    ...(a?.AttachmentId === undefined
      ? {}
      : {
          attachment: {
            id: a.AttachmentId,
            instanceId: a.InstanceId ?? '',
            deviceIndex: a.DeviceIndex ?? 0,
            networkCardIndex: a.NetworkCardIndex ?? 0,
            deleteOnTermination: a.DeleteOnTermination ?? false,
            status: a.Status ?? '',
          },
        }),
  };
}

export function toEc2Subnet(subnet: Subnet | undefined, operation: string): Ec2Subnet {
  if (subnet?.SubnetId === undefined) throw malformed(operation, 'a subnet id');
  return {
    id: subnet.SubnetId,
    vpcId: subnet.VpcId ?? '',
    cidr: subnet.CidrBlock ?? '',
    availabilityZone: subnet.AvailabilityZone ?? '',
    availableIpAddressCount: subnet.AvailableIpAddressCount ?? 0,
    tags: fromSdkTags(subnet.Tags),
  };
}

export function toEc2SecurityGroup(group: SecurityGroup, operation: string): Ec2SecurityGroup {
  if (group.GroupId === undefined) throw malformed(operation, 'a security group id');
  return { id: group.GroupId, vpcId: group.VpcId ?? '', name: group.GroupName ?? '' };
}

/** A CIDR block association; `state` defaults to what the answer implies (a new association is `associating`). */
export function toEc2VpcCidrBlock(
  block: VpcCidrBlockAssociation | undefined,
  operation: string,
  defaults: { cidr?: string; state: string },
): Ec2VpcCidrBlock {
  if (block?.AssociationId === undefined) throw malformed(operation, 'a CIDR block association id');
  return {
    associationId: block.AssociationId,
    cidr: block.CidrBlock ?? defaults.cidr ?? '',
    state: block.CidrBlockState?.State ?? defaults.state,
  };
}

export function toEc2Vpc(vpc: Vpc, operation: string): Ec2Vpc {
  if (vpc.VpcId === undefined) throw malformed(operation, 'a VPC id');
  return {
    id: vpc.VpcId,
    cidr: vpc.CidrBlock ?? '',
    cidrBlocks: (vpc.CidrBlockAssociationSet ?? []).map((a) =>
      toEc2VpcCidrBlock(a, operation, { state: 'associated' }),
    ),
    tags: fromSdkTags(vpc.Tags),
  };
}

/** An instance; its groups are the primary ENI's (card 0, device 0), else the instance's. */
export function toEc2Instance(instance: Instance, operation: string): Ec2Instance {
  if (instance.InstanceId === undefined) throw malformed(operation, 'an instance id');
  const primary = (instance.NetworkInterfaces ?? []).find(
    (n) => n.Attachment?.DeviceIndex === 0 && (n.Attachment.NetworkCardIndex ?? 0) === 0,
  );
  return {
    id: instance.InstanceId,
    instanceType: instance.InstanceType ?? '',
    availabilityZone: instance.Placement?.AvailabilityZone ?? '',
    subnetId: instance.SubnetId ?? '',
    vpcId: instance.VpcId ?? '',
    privateIp: instance.PrivateIpAddress ?? '',
    privateDnsName: instance.PrivateDnsName ?? '',
    securityGroups: (primary?.Groups ?? instance.SecurityGroups ?? []).flatMap((g) => g.GroupId ?? []),
    state: instance.State?.Name ?? '',
    tags: fromSdkTags(instance.Tags),
  };
}

export function toEc2RouteTable(table: RouteTable, operation: string): Ec2RouteTable {
  if (table.RouteTableId === undefined) throw malformed(operation, 'a route table id');
  const associations = table.Associations ?? [];
  return {
    id: table.RouteTableId,
    vpcId: table.VpcId ?? '',
    main: associations.some((a) => a.Main === true),
    subnetIds: associations.flatMap((a) => (a.SubnetId === undefined || a.Main === true ? [] : [a.SubnetId])),
  };
}

/** Device indexes in use per card, from the instance's attached interfaces (the primary included). */
export function toInstanceAttachments(
  instance: Instance | undefined,
  instanceId: string,
  operation: string,
): Ec2InstanceAttachments {
  if (instance === undefined) {
    throw new CloudError('CLOUD_NOT_FOUND', `${operation} found no instance ${instanceId}`, { operation, instanceId });
  }
  const deviceIndexes = (instance.NetworkInterfaces ?? []).flatMap((eni) => {
    const a = eni.Attachment;
    if (a?.DeviceIndex === undefined) return [];
    return [{ networkCardIndex: a.NetworkCardIndex ?? 0, deviceIndex: a.DeviceIndex }];
  });
  return { instanceId: instance.InstanceId ?? instanceId, instanceType: instance.InstanceType ?? '', deviceIndexes };
}

/**
 * ENI ids named in an `InvalidNetworkInterfaceID.NotFound` message. EC2 writes them between single quotes
 * ("The networkInterface ID 'eni-0123' does not exist"); the reference matches `'([a-zA-Z0-9-]+)'`. A quoted list
 * ('eni-1, eni-2') is split too, in case EC2 ever names several.
 */
export function missingEniIds(message: string): string[] {
  const ids: string[] = [];
  for (const match of message.matchAll(/'([^']+)'/g)) {
    for (const part of (match[1] ?? '').split(/[\s,]+/)) if (/^eni-[a-zA-Z0-9]+$/.test(part)) ids.push(part);
  }
  return ids;
}
