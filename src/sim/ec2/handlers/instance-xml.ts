/**
 * The Instance shape of DescribeInstances and RunInstances [ec2-imds §2.1]: EC2's locationNames (`instanceState`,
 * `groupSet`, `networkInterfaceSet`, `dnsName`), the interfaces attached now (by card, then device index), and for
 * a terminated instance what EC2 shows then: no addresses, no interfaces.
 *
 * @example
 * instanceXml(store, store.instance(id)).instanceState; // { code: 16, name: 'running' }
 */
import type { Eni, Instance } from '../../state/model.js';
import { INSTANCE_STATE_CODES, isLive } from '../../state/ops-instance.js';
import { settleEni } from '../../state/ops-eni.js';
import type { VpcStore } from '../../state/store.js';
import { eniXml, groupSetXml, privateDnsName, tagSetXml } from '../shapes.js';
import type { XmlObject } from '../xml.js';
import { architectureOf } from './instance-types.js';

/** The interfaces attached to an instance (detaching ones included, as EC2 lists them), card then device order. */
export function instanceEnis(store: VpcStore, instanceId: string): Eni[] {
  const enis: Eni[] = [];
  for (const eni of store.enis.values()) {
    settleEni(store, eni);
    if (eni.attachment?.instanceId === instanceId) enis.push(eni);
  }
  const order = (eni: Eni): number =>
    (eni.attachment?.networkCardIndex ?? 0) * 1000 + (eni.attachment?.deviceIndex ?? 0);
  return enis.sort((a, b) => order(a) - order(b));
}

export function stateXml(state: Instance['state']): XmlObject {
  return { code: INSTANCE_STATE_CODES[state], name: state };
}

/**
 * InstanceNetworkInterface: the NetworkInterface shape of DescribeNetworkInterfaces minus what EC2 leaves out here
 * (the zone, requesterManaged, the tags, and the attachment's instance and owner).
 */
function instanceEniXml(store: VpcStore, eni: Eni): XmlObject {
  const { availabilityZone: _zone, requesterManaged: _managed, tagSet: _tags, ...shape } = eniXml(store, eni);
  const attachment = shape['attachment'] as XmlObject | undefined;
  if (attachment === undefined) return shape;
  const { instanceId: _instance, instanceOwnerId: _owner, ...kept } = attachment;
  // Overwriting the key keeps its place: the elements stay in EC2's order.
  return { ...shape, attachment: kept };
}

/** The Instance shape (`instancesSet/item`). */
export function instanceXml(store: VpcStore, instance: Instance): XmlObject {
  const live = isLive(instance);
  const enis = live ? instanceEnis(store, instance.id) : [];
  const primary = enis.find((eni) => eni.id === instance.primaryEniId);
  const zone = store.availabilityZones.find((z) => z.name === instance.availabilityZone);
  return {
    instanceId: instance.id,
    imageId: instance.imageId,
    instanceState: stateXml(instance.state),
    privateDnsName: live ? privateDnsName(store, instance.privateIpAddress) : '',
    dnsName: '',
    reason: instance.state === 'terminated' ? 'User initiated' : '',
    amiLaunchIndex: 0,
    instanceType: instance.instanceType,
    launchTime: new Date(instance.launchTime),
    placement: {
      availabilityZone: instance.availabilityZone,
      availabilityZoneId: zone?.id,
      groupName: '',
      tenancy: 'default',
    },
    monitoring: { state: 'disabled' },
    subnetId: live ? instance.subnetId : undefined,
    vpcId: live ? instance.vpcId : undefined,
    privateIpAddress: live ? instance.privateIpAddress : undefined,
    sourceDestCheck: primary?.sourceDestCheck,
    groupSet: groupSetXml(store, primary?.groups ?? instance.groups),
    architecture: architectureOf(instance.instanceType),
    rootDeviceType: 'ebs',
    rootDeviceName: '/dev/xvda',
    // The model's HypervisorType is `ovm | xen`: EC2 reports `xen` for Nitro instances too.
    hypervisor: 'xen',
    networkInterfaceSet: enis.map((eni) => instanceEniXml(store, eni)),
    tagSet: tagSetXml(instance.tags),
    ebsOptimized: false,
    enaSupport: true,
    metadataOptions: { state: 'applied', httpTokens: 'required', httpPutResponseHopLimit: 2, httpEndpoint: 'enabled' },
  };
}

/** Instances grouped into reservations, in first-seen order (`reservationSet/item`). */
export function reservationsXml(store: VpcStore, instances: readonly Instance[]): XmlObject[] {
  const byReservation = new Map<string, Instance[]>();
  for (const instance of instances) {
    const group = byReservation.get(instance.reservationId);
    if (group === undefined) byReservation.set(instance.reservationId, [instance]);
    else group.push(instance);
  }
  return [...byReservation].map(([reservationId, members]) => ({
    reservationId,
    ownerId: store.accountId,
    groupSet: [],
    instancesSet: members.map((instance) => instanceXml(store, instance)),
  }));
}
