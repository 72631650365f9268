import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addInstance, addSubnet, errorOf, newWorld } from './eni-fixtures.test-util.js';
import { assignPrivateIps, attachEni, createEni, unassignPrivateIps } from './ops-eni.js';

function attachedEni(type: string, subnetCidr?: string) {
  const world = newWorld(subnetCidr === undefined ? {} : { subnetCidr });
  const instance = addInstance(world.store, { type, subnetId: world.subnetId });
  const eni = createEni(world.store, { subnetId: world.subnetId });
  attachEni(world.store, { eniId: eni.id, instanceId: instance.id, deviceIndex: 1 });
  return { ...world, instance, eni, subnet: world.store.subnet(world.subnetId) };
}

describe('assignPrivateIps', () => {
  it('adds secondaries and emits addresses-assigned', () => {
    const { store, eni } = attachedEni('m5.large');
    const events: unknown[] = [];
    store.events.on('addresses-assigned', (e) => events.push({ id: e.eni.id, ips: e.ips, prefixes: e.prefixes }));
    const added = assignPrivateIps(store, eni.id, { count: 2 });
    assert.deepEqual(added, { ips: ['10.0.1.6', '10.0.1.7'], prefixes: [] });
    assert.deepEqual(eni.secondaryIps, ['10.0.1.6', '10.0.1.7']);
    assert.deepEqual(events, [{ id: eni.id, ips: ['10.0.1.6', '10.0.1.7'], prefixes: [] }]);
    assert.deepEqual(assignPrivateIps(store, eni.id, { ips: ['10.0.1.20', '10.0.1.21'] }).ips, [
      '10.0.1.20',
      '10.0.1.21',
    ]);
  });

  it('limits addresses per ENI: m5.large holds 10 including the primary', async () => {
    const { store, eni } = attachedEni('m5.large');
    assignPrivateIps(store, eni.id, { count: 9 });
    const error = await errorOf(() => assignPrivateIps(store, eni.id, { count: 1 }));
    assert.deepEqual(error, {
      name: 'PrivateIpAddressLimitExceeded',
      message: 'Number of private addresses will exceed limit.',
    });
    assert.equal(eni.secondaryIps.length, 9);
  });

  it('counts each prefix as one address, and takes 16 from the subnet per prefix', async () => {
    const { store, eni, subnet } = attachedEni('c5.large');
    const before = store.availableIpAddressCount(subnet);
    const added = assignPrivateIps(store, eni.id, { prefixCount: 1 });
    assert.deepEqual(added, { ips: [], prefixes: ['10.0.1.16/28'] });
    assert.equal(store.availableIpAddressCount(subnet), before - 16);
    assignPrivateIps(store, eni.id, { prefixCount: 8 });
    assert.equal(store.availableIpAddressCount(subnet), before - 16 * 9);
    assert.equal(
      (await errorOf(() => assignPrivateIps(store, eni.id, { prefixCount: 1 }))).name,
      'PrivateIpAddressLimitExceeded',
    );
  });

  it('refuses prefixes on a Xen instance type', async () => {
    const { store, eni } = attachedEni('t2.medium');
    const error = await errorOf(() => assignPrivateIps(store, eni.id, { prefixCount: 1 }));
    assert.equal(error.name, 'InvalidParameterValue');
  });

  it('allows prefixes on bare metal and on an unattached ENI', () => {
    const { store, eni } = attachedEni('m5.metal');
    assert.equal(assignPrivateIps(store, eni.id, { prefixCount: 1 }).prefixes.length, 1);
    const loose = createEni(store, { subnetId: eni.subnetId });
    assert.equal(assignPrivateIps(store, loose.id, { prefixes: ['10.0.1.64/28'] }).prefixes[0], '10.0.1.64/28');
  });

  it('reports a full /28 subnet as InsufficientFreeAddressesInSubnet, all-or-nothing', async () => {
    const { store, vpcId } = newWorld();
    const small = addSubnet(store, vpcId, '10.0.9.0/28');
    const eni = createEni(store, { subnetId: small.id, secondaryIpCount: 8 });
    const error = await errorOf(() => assignPrivateIps(store, eni.id, { count: 3 }));
    assert.equal(error.name, 'InsufficientFreeAddressesInSubnet');
    assert.equal(store.availableIpAddressCount(small), 2);
    assignPrivateIps(store, eni.id, { count: 2 });
    assert.equal(store.availableIpAddressCount(small), 0);
  });

  it('reports a fragmented subnet as InsufficientCidrBlocks while single addresses remain', async () => {
    const { store, eni, subnet } = attachedEni('c5.large', '10.0.1.0/26');
    // Primary ENI .4, this ENI .5; .20 breaks the .16 block, so only .32/28 is whole (.0 and .48 hold reserved
    // addresses).
    assignPrivateIps(store, eni.id, { ips: ['10.0.1.20'] });
    assert.deepEqual(assignPrivateIps(store, eni.id, { prefixCount: 1 }).prefixes, ['10.0.1.32/28']);
    const free = store.availableIpAddressCount(subnet);
    assert.ok(free > 16, `${free} single addresses remain`);
    const error = await errorOf(() => assignPrivateIps(store, eni.id, { prefixCount: 1 }));
    assert.deepEqual(error, {
      name: 'InsufficientCidrBlocks',
      message: 'There are not enough free cidr blocks in the specified subnet to satisfy the request.',
    });
    assert.equal(store.availableIpAddressCount(subnet), free);
    assert.equal(assignPrivateIps(store, eni.id, { count: 1 }).ips.length, 1);
  });

  it('validates the request form and explicit addresses', async () => {
    const { store, eni, instance } = attachedEni('m5.large');
    assert.equal((await errorOf(() => assignPrivateIps(store, eni.id, {}))).name, 'MissingParameter');
    assert.equal(
      (await errorOf(() => assignPrivateIps(store, eni.id, { count: 1, prefixCount: 1 }))).name,
      'InvalidParameterCombination',
    );
    assert.equal((await errorOf(() => assignPrivateIps(store, eni.id, { count: 0 }))).name, 'InvalidParameterValue');
    assert.equal(
      (await errorOf(() => assignPrivateIps(store, eni.id, { ips: [instance.privateIpAddress] }))).name,
      'InvalidParameterValue',
    );
    assert.equal(
      (await errorOf(() => assignPrivateIps(store, eni.id, { prefixes: ['10.0.1.17/28'] }))).name,
      'InvalidParameterValue',
    );
    assert.equal(
      (await errorOf(() => assignPrivateIps(store, 'eni-00000000000000000', { count: 1 }))).name,
      'InvalidNetworkInterfaceID.NotFound',
    );
  });

  it('moves a secondary from another ENI with allowReassignment', () => {
    const { store, eni, instance } = attachedEni('m5.large');
    const primary = store.eni(instance.primaryEniId);
    assignPrivateIps(store, primary.id, { ips: ['10.0.1.30'] });
    const removed: string[] = [];
    store.events.on('addresses-unassigned', (e) => removed.push(`${e.eni.id}:${e.ips.join(',')}`));
    assignPrivateIps(store, eni.id, { ips: ['10.0.1.30'], allowReassignment: true });
    assert.deepEqual(primary.secondaryIps, []);
    assert.deepEqual(eni.secondaryIps, ['10.0.1.30']);
    assert.deepEqual(removed, [`${primary.id}:10.0.1.30`]);
  });
});

describe('unassignPrivateIps', () => {
  it('removes secondaries or prefixes, returns them to the subnet and emits addresses-unassigned', () => {
    const { store, eni, subnet } = attachedEni('m5.large');
    const before = store.availableIpAddressCount(subnet);
    const { ips } = assignPrivateIps(store, eni.id, { count: 3 });
    const { prefixes } = assignPrivateIps(store, eni.id, { prefixCount: 1 });
    const events: unknown[] = [];
    store.events.on('addresses-unassigned', (e) => events.push({ ips: e.ips, prefixes: e.prefixes }));
    unassignPrivateIps(store, eni.id, { ips: ips.slice(0, 2) });
    unassignPrivateIps(store, eni.id, { prefixes });
    assert.deepEqual(eni.secondaryIps, ips.slice(2));
    assert.deepEqual(eni.prefixes, []);
    assert.equal(store.availableIpAddressCount(subnet), before - 1);
    assert.deepEqual(events, [
      { ips: ips.slice(0, 2), prefixes: [] },
      { ips: [], prefixes },
    ]);
  });

  it('refuses addresses not on the ENI, the primary, and both lists at once', async () => {
    const { store, eni } = attachedEni('m5.large');
    const { ips } = assignPrivateIps(store, eni.id, { count: 1 });
    assert.deepEqual(await errorOf(() => unassignPrivateIps(store, eni.id, { ips: [...ips, '10.0.1.200'] })), {
      name: 'InvalidParameterValue',
      message: `Some of the specified addresses are not assigned to interface ${eni.id}`,
    });
    assert.deepEqual(eni.secondaryIps, ips);
    assert.equal(
      (await errorOf(() => unassignPrivateIps(store, eni.id, { ips: [eni.privateIpAddress] }))).name,
      'InvalidParameterValue',
    );
    assert.equal(
      (await errorOf(() => unassignPrivateIps(store, eni.id, { ips, prefixes: ['10.0.1.16/28'] }))).name,
      'InvalidParameterCombination',
    );
    assert.equal((await errorOf(() => unassignPrivateIps(store, eni.id, {}))).name, 'MissingParameter');
  });
});
