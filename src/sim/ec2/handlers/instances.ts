/**
 * RunInstances, TerminateInstances and DescribeInstances [ec2-imds §2.1]. DescribeInstances is what the CNI calls with
 * its own id to find free device indexes, so the network interface set (attachment, card, device) is exact; the
 * instance-level fields are EC2's shape with plausible values.
 *
 * @example
 * await ec2.send(new RunInstancesCommand({ InstanceType: 'm5.large', SubnetId, MinCount: 1, MaxCount: 1 }));
 * await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] })); // Reservations[0].Instances[0]
 */
import type { Instance } from '../../state/model.js';
import {
  INSTANCE_STATE_CODES,
  launchInstance,
  terminateInstance,
  validateInstanceType,
} from '../../state/ops-instance.js';
import type { TagInput } from '../../state/ops-tags.js';
import type { VpcStore } from '../../state/store.js';
import {
  Ec2Error,
  invalidParameterCombination,
  invalidParameterValue,
  malformedId,
  missingParameter,
} from '../errors.js';
import { applyFilters, type FilterFields } from '../filters.js';
import type { HandlerTable } from '../handler.js';
import { paginate } from '../paginate.js';
import { privateDnsName } from '../shapes.js';
import type { Params } from '../params.js';
import type { XmlObject } from '../xml.js';
import { instanceEnis, instanceXml, reservationsXml, stateXml } from './instance-xml.js';

const INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

/** The instances named by `InstanceId.N`, in request order; any unknown id fails the whole call, as in EC2. */
function instancesById(store: VpcStore, ids: readonly string[]): Instance[] {
  for (const id of ids) if (!INSTANCE_ID.test(id)) throw malformedId('InvalidInstanceID.Malformed', id, 'i');
  const unique = [...new Set(ids)];
  const missing = unique.filter((id) => !store.instances.has(id));
  if (missing.length === 1)
    throw new Ec2Error('InvalidInstanceID.NotFound', `The instance ID '${missing.join('')}' does not exist`);
  if (missing.length > 1)
    throw new Ec2Error('InvalidInstanceID.NotFound', `The instance IDs '${missing.join(', ')}' do not exist`);
  return unique.map((id) => store.instance(id));
}

function fieldsOf(store: VpcStore): FilterFields<Instance> {
  const enis = (i: Instance) => instanceEnis(store, i.id);
  const zoneId = (i: Instance) => store.availabilityZones.find((z) => z.name === i.availabilityZone)?.id;
  return {
    'instance-id': (i) => i.id,
    'instance-type': (i) => i.instanceType,
    'image-id': (i) => i.imageId,
    'reservation-id': (i) => i.reservationId,
    'instance-state-name': (i) => i.state,
    'instance-state-code': (i) => INSTANCE_STATE_CODES[i.state],
    'availability-zone': (i) => i.availabilityZone,
    'placement.availability-zone-id': zoneId,
    'vpc-id': (i) => i.vpcId,
    'subnet-id': (i) => i.subnetId,
    'private-ip-address': (i) => (i.state === 'terminated' ? undefined : i.privateIpAddress),
    'instance.group-id': (i) => enis(i).find((e) => e.id === i.primaryEniId)?.groups ?? i.groups,
    'network-interface.network-interface-id': (i) => enis(i).map((e) => e.id),
    'network-interface.attachment.instance-id': (i) => enis(i).map(() => i.id),
    'network-interface.attachment.attachment-id': (i) => enis(i).flatMap((e) => e.attachment?.id ?? []),
    'network-interface.attachment.device-index': (i) => enis(i).map((e) => String(e.attachment?.deviceIndex ?? '')),
    'network-interface.attachment.network-card-index': (i) =>
      enis(i).map((e) => String(e.attachment?.networkCardIndex ?? '')),
    'network-interface.subnet-id': (i) => enis(i).map((e) => e.subnetId),
    'network-interface.vpc-id': (i) => enis(i).map((e) => e.vpcId),
    'network-interface.mac-address': (i) => enis(i).map((e) => e.macAddress),
    'network-interface.group-id': (i) => enis(i).flatMap((e) => e.groups),
    'network-interface.addresses.private-ip-address': (i) =>
      enis(i).flatMap((e) => [e.privateIpAddress, ...e.secondaryIps]),
    'network-interface.private-dns-name': (i) => enis(i).map((e) => privateDnsName(store, e.privateIpAddress)),
    'private-dns-name': (i) => (i.state === 'terminated' ? undefined : privateDnsName(store, i.privateIpAddress)),
  };
}

function describeInstances(params: Params, store: VpcStore): XmlObject {
  const ids = params.list('InstanceId');
  if (ids.length > 0 && params.has('MaxResults')) {
    throw invalidParameterCombination('The parameter instancesSet cannot be used with the parameter maxResults');
  }
  const candidates = ids.length > 0 ? instancesById(store, ids) : [...store.instances.values()];
  const matching = applyFilters(candidates, params.filters(), fieldsOf(store), (i) => i.tags);
  const { page, nextToken } = paginate('DescribeInstances', matching, params, { min: 5, max: 1000 });
  return { reservationSet: reservationsXml(store, page), nextToken };
}

/** The subnet of a launch: SubnetId, or the first subnet of the default VPC as EC2 does without one. */
function launchSubnet(params: Params, store: VpcStore): string {
  const given = params.optString('SubnetId');
  if (given !== undefined && given !== '') return store.subnet(given).id;
  for (const vpc of store.vpcs.values()) {
    if (!vpc.isDefault) continue;
    for (const subnet of store.subnets.values()) if (subnet.vpcId === vpc.id) return subnet.id;
  }
  throw new Ec2Error('VPCIdNotSpecified', 'No default VPC for this user');
}

/** Security groups by id (`SecurityGroupId.N`) and by name in the subnet's VPC (`SecurityGroup.N`). */
function launchGroups(params: Params, store: VpcStore, subnetId: string): string[] {
  const vpcId = store.subnet(subnetId).vpcId;
  const byName = params.list('SecurityGroup').map((name) => {
    for (const group of store.securityGroups.values())
      if (group.vpcId === vpcId && group.name === name) return group.id;
    throw new Ec2Error('InvalidGroup.NotFound', `The security group '${name}' does not exist in VPC '${vpcId}'`);
  });
  return [...params.list('SecurityGroupId'), ...byName];
}

/** TagSpecification.N: `instance` tags the instances, `network-interface` their primary ENIs; volumes are ignored. */
function launchTags(params: Params): { instance: TagInput[]; eni: TagInput[] } {
  const out = { instance: [] as TagInput[], eni: [] as TagInput[] };
  for (const spec of params.structList('TagSpecification')) {
    const type = spec.optString('ResourceType') ?? '';
    if (type === 'instance') out.instance.push(...spec.tags());
    else if (type === 'network-interface') out.eni.push(...spec.tags());
    else if (type !== 'volume')
      throw invalidParameterValue(`'${type}' is not a valid taggable resource type for this operation.`);
  }
  return out;
}

function runInstances(params: Params, store: VpcStore): XmlObject {
  const minCount = params.int('MinCount', { min: 1 });
  const maxCount = params.int('MaxCount', { min: 1 });
  if (minCount > maxCount)
    throw invalidParameterValue(`MinCount (${minCount}) cannot be greater than MaxCount (${maxCount}).`);
  // EC2's default type when none is given.
  const instanceType = params.optString('InstanceType') ?? 'm1.small';
  validateInstanceType(store, instanceType);
  const privateIpAddress = params.optString('PrivateIpAddress');
  if (privateIpAddress !== undefined && maxCount > 1) {
    throw invalidParameterCombination('A private IP address can only be specified when launching a single instance.');
  }
  const subnetId = launchSubnet(params, store);
  const groups = launchGroups(params, store, subnetId);
  const tags = launchTags(params);
  // EC2 launches as many as fit, at least MinCount; each instance needs one address for its primary ENI.
  const fits = store.availableIpAddressCount(store.subnet(subnetId));
  if (fits < minCount) {
    throw new Ec2Error(
      'InsufficientFreeAddressesInSubnet',
      'The specified subnet does not have enough free addresses to satisfy the request.',
    );
  }
  const reservationId = store.newId('r');
  const imageId = params.optString('ImageId');
  const launched = Array.from({ length: Math.min(maxCount, fits) }, () =>
    launchInstance(store, {
      instanceType,
      subnetId,
      reservationId,
      tags: tags.instance,
      eniTags: tags.eni,
      ...(groups.length > 0 ? { groups } : {}),
      ...(privateIpAddress === undefined ? {} : { privateIpAddress }),
      ...(imageId === undefined ? {} : { imageId }),
    }),
  );
  return {
    reservationId,
    ownerId: store.accountId,
    groupSet: [],
    instancesSet: launched.map((instance, i) => ({ ...instanceXml(store, instance), amiLaunchIndex: i })),
  };
}

function terminateInstances(params: Params, store: VpcStore): XmlObject {
  const ids = params.list('InstanceId');
  if (ids.length === 0) throw missingParameter('InstanceId');
  const instances = instancesById(store, ids);
  return {
    instancesSet: instances.map((instance) => {
      const change = terminateInstance(store, instance.id);
      return {
        instanceId: change.instanceId,
        currentState: stateXml(change.currentState),
        previousState: stateXml(change.previousState),
      };
    }),
  };
}

export const instanceHandlers: HandlerTable = {
  DescribeInstances: (params, { store }) => describeInstances(params, store),
  RunInstances: (params, { store }) => runInstances(params, store),
  TerminateInstances: (params, { store }) => terminateInstances(params, store),
};
