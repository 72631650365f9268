/**
 * Instances in the embedded VPC: launch (a primary ENI created in the subnet and attached at device 0 of card 0,
 * DeleteOnTermination set, as RunInstances does) and terminate (every interface detached, those marked
 * DeleteOnTermination deleted). A terminated instance stays in the store, as EC2 keeps listing it for a while.
 *
 * @example
 * const instance = launchInstance(store, { instanceType: 'm5.large', subnetId, groups: [sgId] });
 * terminateInstance(store, instance.id); // { previousState: 'running', currentState: 'terminated' }
 */
import { Ec2Error } from '../ec2/errors.js';
import type { Instance, InstanceStateName } from './model.js';
import { attachEni, createEni, deleteEni, releaseInstanceEnis } from './ops-eni.js';
import { initialTags, type TagInput } from './ops-tags.js';
import type { VpcStore } from './store.js';

/** The AMI id reported when a launch names none (AWS's documentation example id). */
export const DEFAULT_IMAGE_ID = 'ami-0abcdef1234567890';

export const PRIMARY_ENI_DESCRIPTION = 'Primary network interface';

export interface LaunchInstanceInput {
  readonly instanceType: string;
  readonly subnetId: string;
  /** Security groups of the primary ENI; the VPC's `default` group when absent or empty. */
  readonly groups?: readonly string[];
  /** The primary address; the lowest free address of the subnet when absent. */
  readonly privateIpAddress?: string;
  readonly tags?: readonly TagInput[];
  /** Tags for the primary ENI (RunInstances' TagSpecification of type network-interface). */
  readonly eniTags?: readonly TagInput[];
  readonly imageId?: string;
  /** Groups instances launched by one RunInstances call; a fresh `r-` id when absent. */
  readonly reservationId?: string;
}

/** EC2's numeric instance state codes (the low byte of `instanceState.code`). */
export const INSTANCE_STATE_CODES: Readonly<Record<InstanceStateName, number>> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

/** Checks an instance type against the types this EC2 knows; RunInstances' error for an unknown one. */
export function validateInstanceType(store: VpcStore, instanceType: string): void {
  if (store.instanceTypeLimits(instanceType) === undefined) {
    throw new Ec2Error('InvalidParameterValue', `Invalid value '${instanceType}' for InstanceType.`);
  }
}

/**
 * RunInstances for one instance: validates the type, creates the primary ENI (description
 * `Primary network interface`), records the instance as `running` and attaches the ENI at device 0, card 0.
 * Emits `eni-attached` (from the attach) and then `instance-launched`. All or nothing: a failed attach deletes the
 * ENI and the instance record again.
 */
export function launchInstance(store: VpcStore, input: LaunchInstanceInput): Instance {
  validateInstanceType(store, input.instanceType);
  const tags = initialTags(input.tags);
  const subnet = store.subnet(input.subnetId);
  const eni = createEni(store, {
    subnetId: subnet.id,
    description: PRIMARY_ENI_DESCRIPTION,
    ...(input.groups === undefined ? {} : { groups: input.groups }),
    ...(input.privateIpAddress === undefined ? {} : { privateIpAddress: input.privateIpAddress }),
    ...(input.eniTags === undefined
      ? {}
      : { tags: [...initialTags(input.eniTags)].map(([key, value]) => ({ key, value })) }),
  });
  const instance: Instance = {
    id: store.newId('i'),
    reservationId: input.reservationId ?? store.newId('r'),
    instanceType: input.instanceType,
    imageId: input.imageId ?? DEFAULT_IMAGE_ID,
    availabilityZone: subnet.availabilityZone,
    subnetId: subnet.id,
    vpcId: subnet.vpcId,
    privateIpAddress: eni.privateIpAddress,
    primaryEniId: eni.id,
    groups: [...eni.groups],
    // Attach requires an instance in an attachable state, so the record exists (running) before the attach.
    state: 'running',
    launchTime: store.clock.now(),
    tags,
  };
  store.instances.set(instance.id, instance);
  try {
    const attachment = attachEni(store, {
      eniId: eni.id,
      instanceId: instance.id,
      deviceIndex: 0,
      networkCardIndex: 0,
    });
    attachment.deleteOnTermination = true;
  } catch (error) {
    store.instances.delete(instance.id);
    deleteEni(store, eni.id);
    throw error;
  }
  store.events.emit('instance-launched', { instance });
  return instance;
}

/** A state change, as TerminateInstances reports it. */
export interface InstanceStateChange {
  readonly instanceId: string;
  readonly previousState: InstanceStateName;
  readonly currentState: InstanceStateName;
}

/**
 * TerminateInstances for one instance: detaches every ENI (deleting those with DeleteOnTermination, which returns
 * their addresses to the subnet) and marks the instance `terminated`. Terminating a terminated instance changes
 * nothing and reports terminated → terminated, as EC2 does. Emits `instance-terminated` on the first call only.
 */
export function terminateInstance(store: VpcStore, instanceId: string): InstanceStateChange {
  const instance = store.instance(instanceId);
  const previousState = instance.state;
  if (previousState !== 'terminated') {
    releaseInstanceEnis(store, instance.id);
    instance.state = 'terminated';
    store.events.emit('instance-terminated', { instance });
  }
  return { instanceId: instance.id, previousState, currentState: instance.state };
}

/** Whether an instance still has network presence (terminated ones keep their record but no interfaces). */
export function isLive(instance: Instance): boolean {
  return instance.state !== 'terminated' && instance.state !== 'shutting-down';
}
