import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addGroup, addSubnet, addVpc, errorOf, newWorld } from './eni-fixtures.test-util.js';
import { createEni, deleteEni, eniSettings, modifyEniAttribute } from './ops-eni.js';

describe('createEni', () => {
  it('takes the lowest free address as primary, allocates secondaries and defaults to the VPC default group', () => {
    const { store, subnetId, defaultSgId } = newWorld();
    const subnet = store.subnet(subnetId);
    const before = store.availableIpAddressCount(subnet);
    const eni = createEni(store, {
      subnetId,
      secondaryIpCount: 3,
      description: 'aws-K8S-i-0abc',
      tags: [{ key: 'k', value: 'v' }],
    });
    assert.equal(eni.privateIpAddress, '10.0.1.4');
    assert.deepEqual(eni.secondaryIps, ['10.0.1.5', '10.0.1.6', '10.0.1.7']);
    assert.deepEqual(eni.groups, [defaultSgId]);
    assert.equal(eni.status, 'available');
    assert.equal(eni.attachment, undefined);
    assert.equal(eni.interfaceType, 'interface');
    assert.match(eni.id, /^eni-[0-9a-f]{17}$/);
    assert.match(eni.macAddress, /^02(:[0-9a-f]{2}){5}$/);
    assert.equal(eni.tags.get('k'), 'v');
    assert.equal(store.availableIpAddressCount(subnet), before - 4);
  });

  it('takes explicit primary, secondaries and prefixes', () => {
    const { store, subnetId, sgId } = newWorld();
    const eni = createEni(store, {
      subnetId,
      groups: [sgId, sgId],
      privateIpAddress: '10.0.1.100',
      secondaryIps: ['10.0.1.101'],
    });
    assert.equal(eni.privateIpAddress, '10.0.1.100');
    assert.deepEqual(eni.secondaryIps, ['10.0.1.101']);
    assert.deepEqual(eni.groups, [sgId]);
    const withPrefix = createEni(store, { subnetId, prefixes: ['10.0.1.48/28'] });
    assert.deepEqual(withPrefix.prefixes, ['10.0.1.48/28']);
    assert.equal(withPrefix.privateIpAddress, '10.0.1.4');
  });

  it('refuses counts together with lists, and IPs together with prefixes', async () => {
    const { store, subnetId } = newWorld();
    for (const input of [
      { subnetId, secondaryIpCount: 1, secondaryIps: ['10.0.1.50'] },
      { subnetId, prefixCount: 1, prefixes: ['10.0.1.48/28'] },
      { subnetId, secondaryIpCount: 1, prefixCount: 1 },
    ]) {
      assert.equal((await errorOf(() => createEni(store, input))).name, 'InvalidParameterCombination');
    }
    assert.equal(store.enis.size, 0);
  });

  it('checks security groups against the subnet VPC', async () => {
    const { store, subnetId } = newWorld();
    const other = addVpc(store, '10.1.0.0/16');
    const foreign = addGroup(store, other.id, 'elsewhere');
    const error = await errorOf(() => createEni(store, { subnetId, groups: [foreign.id] }));
    assert.equal(error.name, 'InvalidGroup.NotFound');
    assert.equal(
      error.message,
      `The security group '${foreign.id}' does not exist in VPC '${store.subnet(subnetId).vpcId}'`,
    );
  });

  it('is all-or-nothing when the subnet runs out', async () => {
    const { store, vpcId } = newWorld();
    const small = addSubnet(store, vpcId, '10.0.9.0/28');
    const before = store.availableIpAddressCount(small);
    assert.equal(before, 11);
    const error = await errorOf(() => createEni(store, { subnetId: small.id, secondaryIpCount: 11 }));
    assert.equal(error.name, 'InsufficientFreeAddressesInSubnet');
    assert.equal(store.availableIpAddressCount(small), before);
    const prefixError = await errorOf(() => createEni(store, { subnetId: small.id, prefixCount: 1 }));
    assert.equal(prefixError.name, 'InsufficientCidrBlocks');
    assert.equal(store.availableIpAddressCount(small), before);
  });

  it('refuses an explicit address in use (primary: InvalidIPAddress.InUse, secondary: InvalidParameterValue)', async () => {
    const { store, subnetId } = newWorld();
    createEni(store, { subnetId, secondaryIps: ['10.0.1.9'] });
    assert.equal(
      (await errorOf(() => createEni(store, { subnetId, privateIpAddress: '10.0.1.4' }))).name,
      'InvalidIPAddress.InUse',
    );
    assert.equal(
      (await errorOf(() => createEni(store, { subnetId, secondaryIps: ['10.0.1.9'] }))).name,
      'InvalidParameterValue',
    );
    assert.equal(
      (await errorOf(() => createEni(store, { subnetId, privateIpAddress: '10.0.2.9' }))).name,
      'InvalidParameterValue',
    );
    assert.equal(
      (await errorOf(() => createEni(store, { subnetId, privateIpAddress: 'nope' }))).name,
      'InvalidParameterValue',
    );
    assert.equal(store.enis.size, 1);
  });

  it('is idempotent per ClientToken', async () => {
    const { store, subnetId } = newWorld();
    const a = createEni(store, { subnetId, secondaryIpCount: 2, clientToken: 'tok' });
    const b = createEni(store, { subnetId, secondaryIpCount: 2, clientToken: 'tok' });
    assert.equal(a, b);
    assert.equal(store.enis.size, 1);
    assert.equal(
      (await errorOf(() => createEni(store, { subnetId, secondaryIpCount: 3, clientToken: 'tok' }))).name,
      'IdempotentParameterMismatch',
    );
  });

  it('enforces the regional quota and the unattached address limit', async () => {
    const { store, subnetId } = newWorld();
    eniSettings(store).regionalEniQuota = 2;
    createEni(store, { subnetId });
    createEni(store, { subnetId });
    assert.equal((await errorOf(() => createEni(store, { subnetId }))).name, 'NetworkInterfaceLimitExceeded');
    eniSettings(store).regionalEniQuota = 10;
    assert.equal(
      (await errorOf(() => createEni(store, { subnetId, secondaryIpCount: 50 }))).name,
      'PrivateIpAddressLimitExceeded',
    );
  });
});

describe('deleteEni', () => {
  it('returns every address and prefix to the subnet', async () => {
    const { store, subnetId } = newWorld();
    const subnet = store.subnet(subnetId);
    const before = store.availableIpAddressCount(subnet);
    const a = createEni(store, { subnetId, secondaryIpCount: 2 });
    const b = createEni(store, { subnetId, prefixCount: 2 });
    assert.equal(store.availableIpAddressCount(subnet), before - 3 - 1 - 32);
    deleteEni(store, a.id);
    deleteEni(store, b.id);
    assert.equal(store.availableIpAddressCount(subnet), before);
    assert.equal(subnet.used.size, 0);
    const error = await errorOf(() => deleteEni(store, a.id));
    assert.equal(error.name, 'InvalidNetworkInterfaceID.NotFound');
    assert.equal(error.message, `The networkInterface ID '${a.id}' does not exist`);
  });
});

describe('modifyEniAttribute', () => {
  it('changes one attribute at a time', async () => {
    const { store, subnetId, sgId, defaultSgId } = newWorld();
    const eni = createEni(store, { subnetId });
    modifyEniAttribute(store, eni.id, { groups: [sgId, defaultSgId] });
    assert.deepEqual(eni.groups, [sgId, defaultSgId]);
    modifyEniAttribute(store, eni.id, { description: 'changed' });
    assert.equal(eni.description, 'changed');
    modifyEniAttribute(store, eni.id, { sourceDestCheck: false });
    assert.equal(eni.sourceDestCheck, false);
    assert.equal(
      (await errorOf(() => modifyEniAttribute(store, eni.id, { description: 'x', sourceDestCheck: true }))).name,
      'InvalidParameterCombination',
    );
    assert.equal((await errorOf(() => modifyEniAttribute(store, eni.id, {}))).name, 'MissingParameter');
    assert.equal(
      (await errorOf(() => modifyEniAttribute(store, eni.id, { groups: ['sg-00000000000000000'] }))).name,
      'InvalidGroup.NotFound',
    );
    const attachmentError = await errorOf(() =>
      modifyEniAttribute(store, eni.id, {
        attachment: { attachmentId: 'eni-attach-00000000000000000', deleteOnTermination: true },
      }),
    );
    assert.equal(attachmentError.name, 'InvalidAttachmentID.NotFound');
  });
});
