// The reference CNI's call sequence ([ec2-imds §1.1] captured bodies) through @aws-sdk/client-ec2 over HTTP.
import {
  AssignPrivateIpAddressesCommand,
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  DeleteNetworkInterfaceCommand,
  DescribeNetworkInterfacesCommand,
  DetachNetworkInterfaceCommand,
  ModifyNetworkInterfaceAttributeCommand,
  UnassignPrivateIpAddressesCommand,
} from '@aws-sdk/client-ec2';
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addInstance, errorOf, newWorld, startEniServer } from '../../state/eni-fixtures.test-util.js';
import { suiteFixture } from '../../../suite-fixture.test-util.js';

describe('ENI lifecycle over the EC2 Query API', () => {
  const world = suiteFixture(() => newWorld());
  const instance = suiteFixture(() => addInstance(world.store, { type: 'm5.large', subnetId: world.subnetId }));
  const server = suiteFixture(() => startEniServer(world.store));

  it('creates, attaches, assigns, unassigns, detaches and deletes like ipamd does', async () => {
    const { client } = server;
    const { store, subnetId, sgId, defaultSgId, clock } = world;
    const subnet = store.subnet(subnetId);
    const freeAtStart = store.availableIpAddressCount(subnet);
    const events: string[] = [];
    store.events.on('eni-attached', (e) => events.push(`attached ${e.instanceId}`));
    store.events.on('eni-detached', (e) => events.push(`detached ${e.instanceId}`));
    store.events.on('addresses-assigned', (e) => events.push(`assigned ${e.ips.length}+${e.prefixes.length}`));
    store.events.on('addresses-unassigned', (e) => events.push(`unassigned ${e.ips.length}+${e.prefixes.length}`));
    const created = await client.send(
      new CreateNetworkInterfaceCommand({
        SubnetId: subnetId,
        Description: `aws-K8S-${instance.id}`,
        Groups: [sgId, defaultSgId],
        SecondaryPrivateIpAddressCount: 9,
        TagSpecifications: [
          {
            ResourceType: 'network-interface',
            Tags: [
              { Key: 'node.k8s.amazonaws.com/instance_id', Value: instance.id },
              { Key: 'cluster.k8s.amazonaws.com/name', Value: 'c1' },
            ],
          },
        ],
      }),
    );
    const eni = created.NetworkInterface;
    const eniId = eni?.NetworkInterfaceId ?? '';
    assert.match(eniId, /^eni-[0-9a-f]{17}$/);
    assert.ok(created.ClientToken, 'the SDK sends a ClientToken and it comes back');
    assert.equal(eni?.Status, 'available');
    assert.equal(eni?.Description, `aws-K8S-${instance.id}`);
    assert.equal(eni?.SubnetId, subnetId);
    assert.equal(eni?.VpcId, world.vpcId);
    assert.equal(eni?.InterfaceType, 'interface');
    assert.equal(eni?.SourceDestCheck, true);
    assert.deepEqual(
      eni?.Groups?.map((g) => [g.GroupId, g.GroupName]),
      [
        [sgId, 'nodes'],
        [defaultSgId, 'default'],
      ],
    );
    assert.equal(eni?.PrivateIpAddresses?.length, 10);
    assert.equal(eni?.PrivateIpAddresses?.filter((a) => a.Primary === true).length, 1);
    assert.deepEqual(
      eni?.TagSet?.map((t) => t.Key),
      ['node.k8s.amazonaws.com/instance_id', 'cluster.k8s.amazonaws.com/name'],
    );
    assert.equal(store.availableIpAddressCount(subnet), freeAtStart - 10);

    const attached = await client.send(
      new AttachNetworkInterfaceCommand({
        NetworkInterfaceId: eniId,
        InstanceId: instance.id,
        DeviceIndex: 1,
        NetworkCardIndex: 0,
      }),
    );
    const attachmentId = attached.AttachmentId ?? '';
    assert.match(attachmentId, /^eni-attach-[0-9a-f]{17}$/);
    assert.equal(attached.NetworkCardIndex, 0);
    await client.send(
      new ModifyNetworkInterfaceAttributeCommand({
        NetworkInterfaceId: eniId,
        Attachment: { AttachmentId: attachmentId, DeleteOnTermination: true },
      }),
    );
    const described = await client.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eniId] }));
    const view = described.NetworkInterfaces?.[0];
    assert.equal(view?.Status, 'in-use');
    assert.equal(view?.Attachment?.AttachmentId, attachmentId);
    assert.equal(view?.Attachment?.InstanceId, instance.id);
    assert.equal(view?.Attachment?.DeviceIndex, 1);
    assert.equal(view?.Attachment?.Status, 'attached');
    assert.equal(view?.Attachment?.DeleteOnTermination, true);
    assert.ok(view?.Attachment?.AttachTime instanceof Date);

    // A 10-address ENI on an m5.large is full: free two first, then assign two back.
    const secondaries = (view?.PrivateIpAddresses ?? [])
      .filter((a) => a.Primary !== true)
      .map((a) => a.PrivateIpAddress ?? '');
    await client.send(
      new UnassignPrivateIpAddressesCommand({ NetworkInterfaceId: eniId, PrivateIpAddresses: secondaries.slice(0, 3) }),
    );
    const two = await client.send(
      new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: eniId, SecondaryPrivateIpAddressCount: 2 }),
    );
    assert.equal(two.NetworkInterfaceId, eniId);
    assert.equal(two.AssignedPrivateIpAddresses?.length, 2);
    assert.equal(two.AssignedIpv4Prefixes, undefined);
    const prefix = await client.send(
      new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: eniId, Ipv4PrefixCount: 1 }),
    );
    const prefixText = prefix.AssignedIpv4Prefixes?.[0]?.Ipv4Prefix ?? '';
    assert.match(prefixText, /^10\.0\.1\.\d+\/28$/);
    assert.equal(store.availableIpAddressCount(subnet), freeAtStart - 10 + 3 - 2 - 16);
    await client.send(new UnassignPrivateIpAddressesCommand({ NetworkInterfaceId: eniId, Ipv4Prefixes: [prefixText] }));

    await client.send(new DetachNetworkInterfaceCommand({ AttachmentId: attachmentId, Force: false }));
    const detaching = await client.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eniId] }));
    assert.equal(detaching.NetworkInterfaces?.[0]?.Status, 'detaching');
    const inUse = await errorOf(() => client.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eniId })));
    assert.deepEqual(inUse, {
      name: 'InvalidParameterValue',
      message: `Network interface '${eniId}' is currently in use.`,
    });
    clock.advance(500);
    const settled = await client.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eniId] }));
    assert.equal(settled.NetworkInterfaces?.[0]?.Status, 'available');
    assert.equal(settled.NetworkInterfaces?.[0]?.Attachment, undefined);
    await client.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eniId }));
    assert.equal(store.availableIpAddressCount(subnet), freeAtStart);
    assert.deepEqual(events, [
      `attached ${instance.id}`,
      'unassigned 3+0',
      'assigned 2+0',
      'assigned 0+1',
      'unassigned 0+1',
      `detached ${instance.id}`,
    ]);
    store.events.removeAllListeners();
    const gone = await errorOf(() =>
      client.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eniId] })),
    );
    assert.deepEqual(gone, {
      name: 'InvalidNetworkInterfaceID.NotFound',
      message: `The networkInterface ID '${eniId}' does not exist`,
    });
  });

  it('creates with Ipv4PrefixCount=1 and with explicit addresses and prefixes', async () => {
    const { client } = server;
    const { subnetId, sgId } = world;
    const withPrefix = await client.send(
      new CreateNetworkInterfaceCommand({ SubnetId: subnetId, Ipv4PrefixCount: 1, Groups: [sgId] }),
    );
    assert.equal(withPrefix.NetworkInterface?.Ipv4Prefixes?.length, 1);
    assert.equal(withPrefix.NetworkInterface?.PrivateIpAddresses?.length, 1);
    const explicit = await client.send(
      new CreateNetworkInterfaceCommand({
        SubnetId: subnetId,
        PrivateIpAddresses: [
          { PrivateIpAddress: '10.0.1.201', Primary: false },
          { PrivateIpAddress: '10.0.1.200', Primary: true },
        ],
        InterfaceType: 'trunk',
      }),
    );
    assert.equal(explicit.NetworkInterface?.PrivateIpAddress, '10.0.1.200');
    assert.deepEqual(
      explicit.NetworkInterface?.PrivateIpAddresses?.map((a) => [a.PrivateIpAddress, a.Primary]),
      [
        ['10.0.1.200', true],
        ['10.0.1.201', false],
      ],
    );
    assert.equal(explicit.NetworkInterface?.InterfaceType, 'trunk');
    const prefixes = await client.send(
      new CreateNetworkInterfaceCommand({ SubnetId: subnetId, Ipv4Prefixes: [{ Ipv4Prefix: '10.0.1.224/28' }] }),
    );
    assert.deepEqual(prefixes.NetworkInterface?.Ipv4Prefixes, [{ Ipv4Prefix: '10.0.1.224/28' }]);
    const assigned = await client.send(
      new AssignPrivateIpAddressesCommand({
        NetworkInterfaceId: explicit.NetworkInterface?.NetworkInterfaceId,
        PrivateIpAddresses: ['10.0.1.220', '10.0.1.221'],
      }),
    );
    assert.deepEqual(assigned.AssignedPrivateIpAddresses, [
      { PrivateIpAddress: '10.0.1.220' },
      { PrivateIpAddress: '10.0.1.221' },
    ]);
  });

  it('modifies security groups, description and source/dest check, one at a time', async () => {
    const { client } = server;
    const { subnetId, sgId, defaultSgId, store } = world;
    const created = await client.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId }));
    const eniId = created.NetworkInterface?.NetworkInterfaceId ?? '';
    assert.deepEqual(
      created.NetworkInterface?.Groups?.map((g) => g.GroupId),
      [defaultSgId],
    );
    await client.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: eniId, Groups: [sgId] }));
    await client.send(
      new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: eniId, Description: { Value: 'hello <&>' } }),
    );
    await client.send(
      new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: eniId, SourceDestCheck: { Value: false } }),
    );
    const view = (await client.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eniId] })))
      .NetworkInterfaces?.[0];
    assert.deepEqual(
      view?.Groups?.map((g) => g.GroupId),
      [sgId],
    );
    assert.equal(view?.Description, 'hello <&>');
    assert.equal(view?.SourceDestCheck, false);
    const both = await errorOf(() =>
      client.send(
        new ModifyNetworkInterfaceAttributeCommand({
          NetworkInterfaceId: eniId,
          Description: { Value: 'x' },
          SourceDestCheck: { Value: true },
        }),
      ),
    );
    assert.equal(both.name, 'InvalidParameterCombination');
    const badGroup = await errorOf(() =>
      client.send(
        new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: eniId, Groups: ['sg-0000000000000000f'] }),
      ),
    );
    assert.equal(badGroup.name, 'InvalidGroup.NotFound');
    assert.equal(store.eni(eniId).description, 'hello <&>');
  });
});
