/**
 * SDK shapes to ipamd's domain types (ports.ts) and back: the anti-corruption layer's mapping half, in the style of
 * cilium's `parseENI`. Every SDK field is optional in the generated types; a field ipamd cannot work without (an
 * ENI's id) makes the answer unusable and raises CLOUD_EC2_ERROR, the rest default to empty values.
 *
 * @example
 * toEc2Eni(response.NetworkInterface, 'CreateNetworkInterface'); // { id: 'eni-…', secondaryIps: [...], ... }
 * toSdkFilters([{ name: 'vpc-id', values: ['vpc-1'] }]);      // [{ Name: 'vpc-id', Values: ['vpc-1'] }]
 */
import type { Filter, Instance, NetworkInterface, SecurityGroup, Subnet, Tag } from '@aws-sdk/client-ec2';
import type { Ec2Eni, Ec2Filter, Ec2InstanceAttachments, Ec2SecurityGroup, Ec2Subnet } from './port.js';
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

export function toSdkTags(tags: Readonly<Record<string, string>>): Tag[] {
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

export function toEc2Subnet(subnet: Subnet, operation: string): Ec2Subnet {
  if (subnet.SubnetId === undefined) throw malformed(operation, 'a subnet id');
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
