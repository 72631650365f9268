import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { instanceWorld } from '../ec2/handlers/instances.test-util.js';
import { Ec2Error } from '../ec2/errors.js';
import { attachEni, createEni } from './ops-eni.js';
import { launchInstance, PRIMARY_ENI_DESCRIPTION, terminateInstance } from './ops-instance.js';

describe('launchInstance', () => {
  it('creates and attaches the primary ENI at device 0, card 0, DeleteOnTermination set', () => {
    const { store, subnetId, sgId } = instanceWorld();
    const events: string[] = [];
    store.events.on('eni-attached', ({ eni }) => events.push(`attached ${eni.id}`));
    store.events.on('instance-launched', ({ instance }) => events.push(`launched ${instance.id}`));
    const instance = launchInstance(store, {
      instanceType: 'm5.large',
      subnetId,
      groups: [sgId],
      tags: [{ key: 'Name', value: 'node-1' }],
    });
    const eni = store.eni(instance.primaryEniId);
    assert.equal(instance.state, 'running');
    assert.match(instance.id, /^i-[0-9a-f]{17}$/);
    assert.match(instance.reservationId, /^r-[0-9a-f]{17}$/);
    assert.equal(instance.privateIpAddress, eni.privateIpAddress);
    assert.equal(instance.availabilityZone, 'us-west-2a');
    assert.equal(instance.tags.get('Name'), 'node-1');
    assert.equal(eni.description, PRIMARY_ENI_DESCRIPTION);
    assert.deepEqual(eni.groups, [sgId]);
    assert.equal(eni.status, 'in-use');
    assert.equal(eni.attachment?.instanceId, instance.id);
    assert.equal(eni.attachment?.deviceIndex, 0);
    assert.equal(eni.attachment?.networkCardIndex, 0);
    assert.equal(eni.attachment?.deleteOnTermination, true);
    assert.deepEqual(events, [`attached ${eni.id}`, `launched ${instance.id}`]);
  });

  it('uses the given primary address and the VPC default group when none is given', () => {
    const { store, subnetId, defaultSgId } = instanceWorld();
    const instance = launchInstance(store, { instanceType: 't3.medium', subnetId, privateIpAddress: '10.0.1.77' });
    assert.equal(instance.privateIpAddress, '10.0.1.77');
    assert.deepEqual(instance.groups, [defaultSgId]);
  });

  it('refuses an unknown instance type with InvalidParameterValue and leaves the store unchanged', () => {
    const { store, subnetId } = instanceWorld();
    assert.throws(
      () => launchInstance(store, { instanceType: 'm9.huge', subnetId }),
      (e: unknown) =>
        e instanceof Ec2Error &&
        e.code === 'InvalidParameterValue' &&
        e.message === "Invalid value 'm9.huge' for InstanceType.",
    );
    assert.equal(store.instances.size, 0);
    assert.equal(store.enis.size, 0);
  });

  it('refuses an unknown subnet and a group of another VPC', () => {
    const { store, subnetId } = instanceWorld();
    assert.throws(() => launchInstance(store, { instanceType: 'm5.large', subnetId: 'subnet-00000000000000000' }), {
      code: 'InvalidSubnetID.NotFound',
    });
    assert.throws(
      () => launchInstance(store, { instanceType: 'm5.large', subnetId, groups: ['sg-00000000000000000'] }),
      { code: 'InvalidGroup.NotFound' },
    );
    assert.equal(store.enis.size, 0);
  });
});

describe('terminateInstance', () => {
  it('detaches every ENI, deletes those marked DeleteOnTermination and keeps the instance as terminated', () => {
    const { store, subnetId } = instanceWorld();
    const subnet = store.subnet(subnetId);
    const free = store.availableIpAddressCount(subnet);
    const instance = launchInstance(store, { instanceType: 'm5.large', subnetId });
    const secondary = createEni(store, { subnetId, secondaryIpCount: 2 });
    attachEni(store, { eniId: secondary.id, instanceId: instance.id, deviceIndex: 1 });
    const detached: string[] = [];
    let terminated = 0;
    store.events.on('eni-detached', ({ eni }) => detached.push(eni.id));
    store.events.on('instance-terminated', () => (terminated += 1));

    assert.deepEqual(terminateInstance(store, instance.id), {
      instanceId: instance.id,
      previousState: 'running',
      currentState: 'terminated',
    });
    assert.equal(store.instance(instance.id).state, 'terminated');
    assert.equal(store.enis.has(instance.primaryEniId), false);
    assert.equal(store.eni(secondary.id).status, 'available');
    assert.equal(store.eni(secondary.id).attachment, undefined);
    assert.deepEqual(detached.sort(), [instance.primaryEniId, secondary.id].sort());
    assert.equal(store.availableIpAddressCount(subnet), free - 3);

    assert.deepEqual(terminateInstance(store, instance.id), {
      instanceId: instance.id,
      previousState: 'terminated',
      currentState: 'terminated',
    });
    assert.equal(terminated, 1);
  });

  it('fails with InvalidInstanceID.NotFound for an unknown instance', () => {
    const { store } = instanceWorld();
    assert.throws(() => terminateInstance(store, 'i-00000000000000000'), {
      code: 'InvalidInstanceID.NotFound',
      message: "The instance ID 'i-00000000000000000' does not exist",
    });
  });
});
