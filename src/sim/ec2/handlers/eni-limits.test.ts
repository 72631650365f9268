// Limits, idempotency and bad input through @aws-sdk/client-ec2 over HTTP: the error codes ipamd branches on.
import {
  AssignPrivateIpAddressesCommand,
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  DeleteNetworkInterfaceCommand,
  DetachNetworkInterfaceCommand,
  type CreateNetworkInterfaceCommandInput,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addInstance, addSubnet, errorOf, newWorld, startEniServer } from '../../state/eni-fixtures.test-util.js';
import { suiteFixture } from '../../../suite-fixture.test-util.js';

async function createEni(
  client: EC2Client,
  subnetId: string,
  extra: { SecondaryPrivateIpAddressCount?: number } = {},
): Promise<string> {
  const out = await client.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId, ...extra }));
  return out.NetworkInterface?.NetworkInterfaceId ?? '';
}

describe('ENI limits over the EC2 Query API', () => {
  const world = suiteFixture(() => newWorld());
  const server = suiteFixture(() => startEniServer(world.store));

  it('an m5.large takes 3 ENIs; the 4th attach is AttachmentLimitExceeded', async () => {
    const { client } = server;
    const instance = addInstance(world.store, { type: 'm5.large', subnetId: world.subnetId });
    for (const device of [1, 2]) {
      await client.send(
        new AttachNetworkInterfaceCommand({
          NetworkInterfaceId: await createEni(client, world.subnetId),
          InstanceId: instance.id,
          DeviceIndex: device,
        }),
      );
    }
    const fourth = await createEni(client, world.subnetId);
    const error = await errorOf(() =>
      client.send(
        new AttachNetworkInterfaceCommand({ NetworkInterfaceId: fourth, InstanceId: instance.id, DeviceIndex: 3 }),
      ),
    );
    assert.deepEqual(error, {
      name: 'AttachmentLimitExceeded',
      message: 'Interface count 4 exceeds the limit for m5.large',
    });
    const taken = await errorOf(() =>
      client.send(
        new AttachNetworkInterfaceCommand({ NetworkInterfaceId: fourth, InstanceId: instance.id, DeviceIndex: 2 }),
      ),
    );
    assert.deepEqual(taken, {
      name: 'InvalidParameterValue',
      message: `Instance '${instance.id}' already has an interface attached at device index '2'.`,
    });
  });

  it('an m5.large ENI holds 10 addresses including the primary; the 10th secondary is PrivateIpAddressLimitExceeded', async () => {
    const { client } = server;
    const instance = addInstance(world.store, { type: 'm5.large', subnetId: world.subnetId });
    const eniId = await createEni(client, world.subnetId, { SecondaryPrivateIpAddressCount: 8 });
    await client.send(
      new AttachNetworkInterfaceCommand({ NetworkInterfaceId: eniId, InstanceId: instance.id, DeviceIndex: 1 }),
    );
    await client.send(
      new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: eniId, SecondaryPrivateIpAddressCount: 1 }),
    );
    const error = await errorOf(() =>
      client.send(
        new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: eniId, SecondaryPrivateIpAddressCount: 1 }),
      ),
    );
    assert.deepEqual(error, {
      name: 'PrivateIpAddressLimitExceeded',
      message: 'Number of private addresses will exceed limit.',
    });
  });

  it('a full /28 subnet is InsufficientFreeAddressesInSubnet', async () => {
    const { client } = server;
    const small = addSubnet(world.store, world.vpcId, '10.0.20.0/28');
    await createEni(client, small.id, { SecondaryPrivateIpAddressCount: 10 });
    const error = await errorOf(() => createEni(client, small.id));
    assert.deepEqual(error, {
      name: 'InsufficientFreeAddressesInSubnet',
      message: 'The specified subnet does not have enough free addresses to satisfy the request.',
    });
  });

  it('prefixes: 16 addresses each, InsufficientCidrBlocks when fragmented, refused on Xen', async () => {
    const { client } = server;
    const { store } = world;
    const subnet = addSubnet(store, world.vpcId, '10.0.30.0/26');
    const instance = addInstance(store, { type: 'c5.large', subnetId: subnet.id });
    const eniId = await createEni(client, subnet.id);
    await client.send(
      new AttachNetworkInterfaceCommand({ NetworkInterfaceId: eniId, InstanceId: instance.id, DeviceIndex: 1 }),
    );
    await client.send(
      new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: eniId, PrivateIpAddresses: ['10.0.30.20'] }),
    );
    const before = store.availableIpAddressCount(subnet);
    const ok = await client.send(
      new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: eniId, Ipv4PrefixCount: 1 }),
    );
    assert.deepEqual(ok.AssignedIpv4Prefixes, [{ Ipv4Prefix: '10.0.30.32/28' }]);
    assert.equal(store.availableIpAddressCount(subnet), before - 16);
    const fragmented = await errorOf(() =>
      client.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: eniId, Ipv4PrefixCount: 1 })),
    );
    assert.equal(fragmented.name, 'InsufficientCidrBlocks');
    assert.ok(store.availableIpAddressCount(subnet) > 16);

    const xen = addInstance(store, { type: 't2.medium', subnetId: world.subnetId });
    const xenEni = await createEni(client, world.subnetId);
    await client.send(
      new AttachNetworkInterfaceCommand({ NetworkInterfaceId: xenEni, InstanceId: xen.id, DeviceIndex: 1 }),
    );
    const refused = await errorOf(() =>
      client.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: xenEni, Ipv4PrefixCount: 1 })),
    );
    assert.equal(refused.name, 'InvalidParameterValue');
  });

  it('the primary interface cannot be detached; unknown attachments are NotFound', async () => {
    const { client } = server;
    const instance = addInstance(world.store, { type: 'm5.large', subnetId: world.subnetId });
    const primaryAttachment = world.store.eni(instance.primaryEniId).attachment?.id;
    const error = await errorOf(() =>
      client.send(new DetachNetworkInterfaceCommand({ AttachmentId: primaryAttachment })),
    );
    assert.equal(error.name, 'OperationNotPermitted');
    const unknown = await errorOf(() =>
      client.send(new DetachNetworkInterfaceCommand({ AttachmentId: 'eni-attach-00000000000000000' })),
    );
    assert.equal(unknown.name, 'InvalidAttachmentID.NotFound');
    const malformed = await errorOf(() => client.send(new DetachNetworkInterfaceCommand({ AttachmentId: 'attach-1' })));
    assert.equal(malformed.name, 'InvalidNetworkInterfaceAttachmentId.Malformed');
  });
});

describe('CreateNetworkInterface idempotency and bad input', () => {
  const world = suiteFixture(() => newWorld());
  const server = suiteFixture(() => startEniServer(world.store));

  it('returns the same ENI for a repeated ClientToken, IdempotentParameterMismatch for other parameters', async () => {
    const { client } = server;
    const input = { SubnetId: world.subnetId, SecondaryPrivateIpAddressCount: 2, ClientToken: 'token-1' };
    const first = await client.send(new CreateNetworkInterfaceCommand(input));
    const again = await client.send(new CreateNetworkInterfaceCommand(input));
    assert.equal(again.NetworkInterface?.NetworkInterfaceId, first.NetworkInterface?.NetworkInterfaceId);
    assert.equal(again.ClientToken, 'token-1');
    assert.equal(world.store.enis.size, 1);
    const mismatch = await errorOf(() =>
      client.send(new CreateNetworkInterfaceCommand({ ...input, SecondaryPrivateIpAddressCount: 3 })),
    );
    assert.equal(mismatch.name, 'IdempotentParameterMismatch');
  });

  it('rejects a missing SubnetId, count with list, unknown and malformed ids', async () => {
    const { client } = server;
    const createError = (input: CreateNetworkInterfaceCommandInput) =>
      errorOf(() => client.send(new CreateNetworkInterfaceCommand(input)));
    const missing = await createError({ SubnetId: undefined });
    assert.equal(missing.name, 'MissingParameter');
    const combination = await createError({
      SubnetId: world.subnetId,
      SecondaryPrivateIpAddressCount: 1,
      PrivateIpAddresses: [{ PrivateIpAddress: '10.0.1.50', Primary: false }],
    });
    assert.equal(combination.name, 'InvalidParameterCombination');
    const prefixAndCount = await createError({
      SubnetId: world.subnetId,
      SecondaryPrivateIpAddressCount: 1,
      Ipv4PrefixCount: 1,
    });
    assert.equal(prefixAndCount.name, 'InvalidParameterCombination');
    const noSubnet = await createError({ SubnetId: 'subnet-00000000000000000' });
    assert.deepEqual(noSubnet, {
      name: 'InvalidSubnetID.NotFound',
      message: "The subnet ID 'subnet-00000000000000000' does not exist",
    });
    const badSubnet = await createError({ SubnetId: 'subnet-1' });
    assert.equal(badSubnet.name, 'InvalidSubnetID.Malformed');
    const noGroup = await createError({ SubnetId: world.subnetId, Groups: ['sg-00000000000000000'] });
    assert.deepEqual(noGroup, {
      name: 'InvalidGroup.NotFound',
      message: `The security group 'sg-00000000000000000' does not exist in VPC '${world.vpcId}'`,
    });
    const badEni = await errorOf(() =>
      client.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: 'eni-0123' })),
    );
    assert.deepEqual(badEni, {
      name: 'InvalidNetworkInterfaceId.Malformed',
      message: 'Invalid id: "eni-0123" (expecting "eni-...")',
    });
    const noEni = await errorOf(() =>
      client.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: 'eni-00000000000000000' })),
    );
    assert.equal(noEni.name, 'InvalidNetworkInterfaceID.NotFound');
    const noInstance = await errorOf(() =>
      client.send(
        new AttachNetworkInterfaceCommand({
          NetworkInterfaceId: 'eni-00000000000000000',
          InstanceId: 'i-00000000000000000',
          DeviceIndex: 1,
        }),
      ),
    );
    assert.equal(noInstance.name, 'InvalidNetworkInterfaceID.NotFound');
    const wrongTagType = await createError({
      SubnetId: world.subnetId,
      TagSpecifications: [{ ResourceType: 'subnet', Tags: [{ Key: 'a', Value: 'b' }] }],
    });
    assert.equal(wrongTagType.name, 'InvalidParameterValue');
    assert.equal(world.store.enis.size, 1);
  });
});
