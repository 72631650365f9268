/**
 * The instance metadata tree [ec2-imds §5.3], built per request from the store (instance facts, subnets, VPC blocks,
 * security groups) and the instance's lagging {@link ImdsView} (which interfaces and addresses IMDS knows).
 *
 * Directories list one entry per line, sub-directories with a trailing `/`, and only keys that exist (`ipv4-prefix`
 * only with prefixes, `network-card` only on multi-card types): the CNI decides what to read from these listings.
 * Scalars carry no trailing newline; the CNI uses `subnet-id` verbatim.
 *
 * @example
 * lookupMetadata(view, 'meta-data/network/interfaces/macs'); // '02:4f:8a:11:22:01/\n02:4f:8a:11:22:02/'
 * lookupMetadata(view, 'meta-data/nope');                     // undefined (404)
 */
import { rfc3339 } from '../../ipam/clock.js';
import { architectureOf } from '../ec2/handlers/instance-types.js';
import { privateDnsName } from '../ec2/shapes.js';
import type { Instance } from '../state/model.js';
import { cidrAssociationState } from '../state/ops-vpc.js';
import type { VpcStore } from '../state/store.js';
import type { ImdsView, VisibleEni } from './view.js';

/** A node of the tree: a scalar or list body, or a directory. Absent keys are simply missing. */
type MetadataNode = string | MetadataDir;
interface MetadataDir {
  readonly [name: string]: MetadataNode | undefined;
}

function optional(present: boolean, entries: Record<string, MetadataNode>): Record<string, MetadataNode> {
  return present ? entries : {};
}

/** IPv4 blocks of a VPC that are associated now, primary first. */
function associatedBlocks(store: VpcStore, vpcId: string): string[] {
  const vpc = store.vpcs.get(vpcId);
  if (vpc === undefined) return [];
  return vpc.cidrAssociations.filter((a) => cidrAssociationState(store, a) === 'associated').map((a) => a.cidr);
}

function interfaceDir(store: VpcStore, instance: Instance, eni: VisibleEni): MetadataDir {
  const live = store.enis.get(eni.eniId);
  const groups = live?.groups ?? eni.groups;
  const subnet = store.subnets.get(eni.subnetId);
  const multiCard = (store.instanceTypeLimits(instance.instanceType)?.networkCards.length ?? 1) > 1;
  const primaryBlock = store.vpcs.get(eni.vpcId)?.cidrAssociations[0]?.cidr;
  return {
    'device-number': String(eni.deviceIndex),
    'interface-id': eni.eniId,
    ...optional(eni.prefixes.length > 0, { 'ipv4-prefix': eni.prefixes.join('\n') }),
    'local-hostname': privateDnsName(store, eni.privateIpAddress),
    'local-ipv4s': [eni.privateIpAddress, ...eni.secondaryIps].join('\n'),
    mac: eni.macAddress,
    // Instances serve `network-card`; AWS's docs and metadata mock call it `network-card-index`. Serve both.
    ...optional(multiCard, {
      'network-card': String(eni.networkCardIndex),
      'network-card-index': String(eni.networkCardIndex),
    }),
    'owner-id': store.accountId,
    'security-group-ids': groups.join('\n'),
    'security-groups': groups.map((id) => store.securityGroups.get(id)?.name ?? id).join('\n'),
    'subnet-id': eni.subnetId,
    ...optional(subnet !== undefined, { 'subnet-ipv4-cidr-block': subnet?.cidr ?? '' }),
    'vpc-id': eni.vpcId,
    ...optional(primaryBlock !== undefined, { 'vpc-ipv4-cidr-block': primaryBlock ?? '' }),
    'vpc-ipv4-cidr-blocks': associatedBlocks(store, eni.vpcId).join('\n'),
  };
}

/** `/latest/dynamic/instance-identity/document`: what the Go SDK's GetRegion and the CNI's metrics helper read. */
export function identityDocument(store: VpcStore, instance: Instance): string {
  const document = {
    accountId: store.accountId,
    architecture: architectureOf(instance.instanceType),
    availabilityZone: instance.availabilityZone,
    billingProducts: null,
    devpayProductCodes: null,
    marketplaceProductCodes: null,
    imageId: instance.imageId,
    instanceId: instance.id,
    instanceType: instance.instanceType,
    kernelId: null,
    pendingTime: rfc3339(instance.launchTime),
    privateIp: instance.privateIpAddress,
    ramdiskId: null,
    region: store.region,
    version: '2017-09-30',
  };
  return JSON.stringify(document, null, 2);
}

function metadataTree(view: ImdsView, instance: Instance): MetadataDir {
  const store = view.store;
  const interfaces = view.interfaces();
  const primary = interfaces.find((eni) => eni.deviceIndex === 0 && eni.networkCardIndex === 0);
  const localIpv4 = primary?.privateIpAddress ?? instance.privateIpAddress;
  const groups = store.enis.get(instance.primaryEniId)?.groups ?? instance.groups;
  const macs: Record<string, MetadataNode> = {};
  for (const eni of interfaces) macs[eni.macAddress] = interfaceDir(store, instance, eni);
  return {
    'ami-id': instance.imageId,
    'ami-launch-index': '0',
    hostname: privateDnsName(store, localIpv4),
    'instance-action': 'none',
    'instance-id': instance.id,
    'instance-life-cycle': 'on-demand',
    'instance-type': instance.instanceType,
    'local-hostname': privateDnsName(store, localIpv4),
    'local-ipv4': localIpv4,
    ...optional(primary !== undefined, { mac: primary?.macAddress ?? '' }),
    network: { interfaces: { macs } },
    placement: {
      'availability-zone': instance.availabilityZone,
      'availability-zone-id': store.availabilityZones.find((z) => z.name === instance.availabilityZone)?.id ?? '',
      region: store.region,
    },
    'reservation-id': instance.reservationId,
    'security-groups': groups.map((id) => store.securityGroups.get(id)?.name ?? id).join('\n'),
    services: { domain: 'amazonaws.com', partition: 'aws' },
  };
}

/** Entries in tree order: keys are written alphabetically, MACs by card and device index (as instances list them). */
function listing(dir: MetadataDir): string {
  return Object.keys(dir)
    .map((name) => (typeof dir[name] === 'string' ? name : `${name}/`))
    .join('\n');
}

/**
 * The body for a path below `/latest/` (e.g. `meta-data/local-ipv4`, `meta-data/network/interfaces/macs/`), or
 * undefined for 404. A directory answers with its listing whether or not the path ends in `/`.
 */
export function lookupMetadata(view: ImdsView, path: string): string | undefined {
  const instance = view.store.instances.get(view.instanceId);
  if (instance === undefined) return undefined;
  const root: MetadataDir = {
    'meta-data': metadataTree(view, instance),
    dynamic: { 'instance-identity': { document: identityDocument(view.store, instance) } },
  };
  let node: MetadataNode | undefined = root;
  for (const segment of path.split('/').filter((s) => s !== '')) {
    if (node === undefined || typeof node === 'string') return undefined;
    node = Object.hasOwn(node, segment) ? node[segment] : undefined;
  }
  if (node === undefined) return undefined;
  return typeof node === 'string' ? node : listing(node);
}
