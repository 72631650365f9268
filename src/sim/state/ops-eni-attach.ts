/**
 * AttachNetworkInterface / DetachNetworkInterface with EC2's limits: ENIs per network card of the instance type,
 * one interface per device index, same availability zone, and an ENI may not carry more addresses than the type
 * allows. Attach completes at once (`attached`, ENI `in-use`); detach is `detaching` for the configured delay
 * (see ops-eni-settings.ts). Both emit their event immediately: the data plane plugs/unplugs at once, the IMDS
 * views add their own propagation delay.
 */
import { Ec2Error, invalidParameterCombination, invalidParameterValue } from '../ec2/errors.js';
import { addressCount, instanceEniLimits, markDetaching, settleEni } from './ops-eni-settings.js';
import { checkTrunkAttach, checkTrunkDetach, releaseTrunk } from './ops-trunk.js';
import type { Eni, EniAttachment } from './model.js';
import type { VpcStore } from './store.js';

export interface AttachEniInput {
  eniId: string;
  instanceId: string;
  deviceIndex: number;
  /** Default 0; the primary interface (device 0) must be on card 0. */
  networkCardIndex?: number;
}

/** Instance states in which EC2 accepts an attach: cold (pending), hot (running) and warm (stopped) attach. */
const ATTACHABLE_STATES: ReadonlySet<string> = new Set(['pending', 'running', 'stopped']);

function enisOf(store: VpcStore, instanceId: string): Eni[] {
  const enis: Eni[] = [];
  for (const eni of store.enis.values()) {
    settleEni(store, eni);
    if (eni.attachment?.instanceId === instanceId) enis.push(eni);
  }
  return enis;
}

/** AttachNetworkInterface; emits `eni-attached`. */
export function attachEni(store: VpcStore, input: AttachEniInput): EniAttachment {
  const eni = store.eni(input.eniId);
  const instance = store.instance(input.instanceId);
  settleEni(store, eni);
  const card = input.networkCardIndex ?? 0;
  const device = input.deviceIndex;
  if (!ATTACHABLE_STATES.has(instance.state)) {
    throw new Ec2Error(
      'IncorrectInstanceState',
      `The instance '${instance.id}' is not in a valid state for this operation (${instance.state}).`,
    );
  }
  if (eni.attachment !== undefined) {
    throw new Ec2Error('InvalidNetworkInterface.InUse', `Interface: [${eni.id}] in use.`);
  }
  if (eni.availabilityZone !== instance.availabilityZone) {
    throw invalidParameterCombination(
      'You may not attach a network interface to an instance if they are not in the same availability zone',
    );
  }
  if (!Number.isInteger(device) || device < 0)
    throw invalidParameterValue(`Invalid value '${device}' for deviceIndex.`);
  const limits = instanceEniLimits(store, instance);
  const attached = enisOf(store, instance.id);
  checkTrunkAttach(eni, instance, limits, attached);
  const cardLimit = limits.networkCards.find((c) => c.index === card);
  if (cardLimit === undefined) {
    throw invalidParameterValue(
      `Invalid value '${card}' for networkCardIndex. The instance type ${limits.instanceType} has no such network card.`,
    );
  }
  if (device === 0 && card !== 0) {
    // Device index 0 is the primary interface, which lives on card 0; other cards start at device index 1.
    throw invalidParameterValue(
      `Invalid value '${device}' for deviceIndex on network card ${card}: device index 0 is only valid on network card 0.`,
    );
  }
  const onCard = attached.filter((e) => e.attachment?.networkCardIndex === card);
  if (onCard.some((e) => e.attachment?.deviceIndex === device)) {
    throw invalidParameterValue(
      `Instance '${instance.id}' already has an interface attached at device index '${device}'.`,
    );
  }
  if (onCard.length + 1 > cardLimit.maxEnis) {
    throw new Ec2Error(
      'AttachmentLimitExceeded',
      `Interface count ${onCard.length + 1} exceeds the limit for ${limits.instanceType}`,
    );
  }
  if (addressCount(eni) > limits.ipv4PerEni) {
    throw new Ec2Error(
      'InvalidInterface.IpAddressLimitExceeded',
      `The network interface '${eni.id}' has ${addressCount(eni)} private addresses; ${limits.instanceType} allows ${limits.ipv4PerEni} per interface.`,
    );
  }
  if (eni.prefixes.length > 0 && !limits.prefixDelegation) {
    throw invalidParameterValue(
      `Prefix delegation is not supported on instance type ${limits.instanceType}; network interface '${eni.id}' holds IPv4 prefixes.`,
    );
  }
  const attachment: EniAttachment = {
    id: store.newId('eni-attach'),
    instanceId: instance.id,
    deviceIndex: device,
    networkCardIndex: card,
    status: 'attached',
    attachTime: store.clock.now(),
    // EC2 sets it for the interface created with the instance, not for ones attached later.
    deleteOnTermination: device === 0,
  };
  eni.attachment = attachment;
  eni.status = 'in-use';
  store.events.emit('eni-attached', { eni, instanceId: instance.id });
  return attachment;
}

function findByAttachment(store: VpcStore, attachmentId: string): Eni {
  for (const eni of store.enis.values()) {
    settleEni(store, eni);
    if (eni.attachment?.id === attachmentId) return eni;
  }
  throw new Ec2Error(
    'InvalidAttachmentID.NotFound',
    `The network interface attachment ID '${attachmentId}' does not exist`,
  );
}

/**
 * DetachNetworkInterface: the attachment goes `detaching` and the ENI `available` once the detach delay has passed.
 * Detaching an interface that is already detaching is accepted and changes nothing (the CNI retries detaches). A
 * trunk with branch associations is refused (ops-trunk.ts). Emits `eni-detached` at once.
 */
export function detachEni(store: VpcStore, attachmentId: string, _options: { force?: boolean } = {}): void {
  const eni = findByAttachment(store, attachmentId);
  const attachment = eni.attachment;
  if (attachment === undefined || attachment.status === 'detaching') return;
  if (attachment.deviceIndex === 0 && attachment.networkCardIndex === 0) {
    throw new Ec2Error(
      'OperationNotPermitted',
      'The network interface at device index 0 and networkCard index 0 cannot be detached.',
    );
  }
  checkTrunkDetach(store, eni);
  detachNow(store, eni);
}

function detachNow(store: VpcStore, eni: Eni): void {
  const instanceId = eni.attachment?.instanceId;
  if (instanceId === undefined) return;
  markDetaching(store, eni);
  store.events.emit('eni-detached', { eni, instanceId });
}

/**
 * For TerminateInstances: detaches every interface of the instance (the primary included, immediately, without the
 * detach delay) and deletes those marked DeleteOnTermination, returning their addresses to the subnets. A trunk's
 * branch associations end first (`trunk-disassociated`). Emits `eni-detached` for each interface.
 */
export function releaseInstanceEnis(store: VpcStore, instanceId: string): { deleted: string[]; detached: string[] } {
  const deleted: string[] = [];
  const detached: string[] = [];
  for (const eni of enisOf(store, instanceId)) {
    const attachment = eni.attachment;
    if (attachment === undefined) continue;
    releaseTrunk(store, eni);
    eni.attachment = undefined;
    eni.status = 'available';
    // A detaching interface was already reported when its detach began.
    if (attachment.status !== 'detaching') store.events.emit('eni-detached', { eni, instanceId });
    if (attachment.deleteOnTermination) {
      store.releaseIps(store.subnet(eni.subnetId), [eni.privateIpAddress, ...eni.secondaryIps], eni.prefixes);
      store.enis.delete(eni.id);
      deleted.push(eni.id);
    } else {
      detached.push(eni.id);
    }
  }
  return { deleted, detached };
}
