// DescribeNetworkInterfaces through @aws-sdk/client-ec2: ids, filters (the CNI's leaked-ENI sweep) and paging.
import {
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  DescribeNetworkInterfacesCommand,
  paginateDescribeNetworkInterfaces,
  type NetworkInterface,
} from '@aws-sdk/client-ec2';
import * as assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { addInstance, errorOf, newWorld, startEniServer } from '../../state/eni-fixtures.test-util.js';
import { suiteFixture } from '../../../suite-fixture.test-util.js';

describe('DescribeNetworkInterfaces', () => {
  const world = suiteFixture(() => newWorld());
  const server = suiteFixture(() => startEniServer(world.store));
  const instance = suiteFixture(() => addInstance(world.store, { type: 'm5.large', subnetId: world.subnetId }));
  /** Two CNI-created ENIs (one attached, one leaked) plus an unrelated one. */
  const ids: { attached: string; leaked: string; other: string } = { attached: '', leaked: '', other: '' };

  before(async () => {
    const cniTags = [
      { Key: 'node.k8s.amazonaws.com/instance_id', Value: instance.id },
      { Key: 'cluster.k8s.amazonaws.com/name', Value: 'c1' },
    ];
    const create = async (tags: typeof cniTags, description: string): Promise<string> => {
      const out = await server.client.send(
        new CreateNetworkInterfaceCommand({
          SubnetId: world.subnetId,
          Description: description,
          TagSpecifications: [{ ResourceType: 'network-interface', Tags: tags }],
        }),
      );
      return out.NetworkInterface?.NetworkInterfaceId ?? '';
    };
    ids.attached = await create(cniTags, `aws-K8S-${instance.id}`);
    ids.leaked = await create(cniTags, `aws-K8S-${instance.id}`);
    ids.other = await create([{ Key: 'team', Value: 'x' }], 'something else');
    await server.client.send(
      new AttachNetworkInterfaceCommand({ NetworkInterfaceId: ids.attached, InstanceId: instance.id, DeviceIndex: 1 }),
    );
  });

  const idsOf = (list: NetworkInterface[] | undefined): string[] => (list ?? []).map((e) => e.NetworkInterfaceId ?? '');

  it('finds leaked ENIs with the CNI filter set and MaxResults 1000', async () => {
    const out = await server.client.send(
      new DescribeNetworkInterfacesCommand({
        MaxResults: 1000,
        Filters: [
          { Name: 'tag-key', Values: ['node.k8s.amazonaws.com/instance_id'] },
          { Name: 'status', Values: ['available'] },
          { Name: 'vpc-id', Values: [world.vpcId] },
          { Name: 'tag:cluster.k8s.amazonaws.com/name', Values: ['c1'] },
        ],
      }),
    );
    assert.deepEqual(idsOf(out.NetworkInterfaces), [ids.leaked]);
    assert.equal(out.NextToken, undefined);
  });

  it('returns ENIs by id in request order; an unknown id fails the call naming the first missing one', async () => {
    const out = await server.client.send(
      new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [ids.other, ids.attached] }),
    );
    assert.deepEqual(idsOf(out.NetworkInterfaces), [ids.other, ids.attached]);
    const missing = await errorOf(() =>
      server.client.send(
        new DescribeNetworkInterfacesCommand({
          NetworkInterfaceIds: [ids.attached, 'eni-0000000000000000a', 'eni-0000000000000000b'],
        }),
      ),
    );
    assert.deepEqual(missing, {
      name: 'InvalidNetworkInterfaceID.NotFound',
      message: "The networkInterface ID 'eni-0000000000000000a' does not exist",
    });
    const combined = await errorOf(() =>
      server.client.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [ids.attached], MaxResults: 5 })),
    );
    assert.equal(combined.name, 'InvalidParameterCombination');
    const malformed = await errorOf(() =>
      server.client.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ['eni-xyz'] })),
    );
    assert.deepEqual(malformed, {
      name: 'InvalidNetworkInterfaceId.Malformed',
      message: 'Invalid id: "eni-xyz" (expecting "eni-...")',
    });
  });

  it('filters on attachment, addresses, groups, description wildcards and more', async () => {
    const { client } = server;
    const query = async (name: string, values: string[]): Promise<string[]> =>
      idsOf(
        (await client.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: name, Values: values }] })))
          .NetworkInterfaces,
      );
    const attached = world.store.eni(ids.attached);
    const primary = world.store.eni(instance.primaryEniId);
    assert.deepEqual(await query('attachment.instance-id', [instance.id]), [primary.id, ids.attached]);
    assert.deepEqual(await query('attachment.attachment-id', [attached.attachment?.id ?? '']), [ids.attached]);
    assert.deepEqual(await query('attachment.device-index', ['1']), [ids.attached]);
    assert.deepEqual(await query('attachment.status', ['attached']), [primary.id, ids.attached]);
    assert.deepEqual(await query('network-interface-id', [ids.other]), [ids.other]);
    assert.deepEqual(await query('private-ip-address', [attached.privateIpAddress]), [ids.attached]);
    assert.deepEqual(await query('addresses.private-ip-address', [attached.privateIpAddress]), [ids.attached]);
    assert.deepEqual(await query('mac-address', [attached.macAddress]), [ids.attached]);
    assert.deepEqual(await query('description', ['aws-K8S-*']), [ids.attached, ids.leaked]);
    assert.deepEqual(await query('tag-value', ['x']), [ids.other]);
    assert.equal((await query('group-id', [world.defaultSgId])).length, 4);
    assert.equal((await query('subnet-id', [world.subnetId])).length, 4);
    assert.equal((await query('availability-zone', [`${world.store.region}a`])).length, 4);
    assert.equal((await query('interface-type', ['interface'])).length, 4);
    assert.equal((await query('requester-managed', ['false'])).length, 4);
    assert.equal((await query('owner-id', [world.store.accountId])).length, 4);
    const bad = await errorOf(() => query('no-such-filter', ['x']));
    assert.deepEqual(bad, { name: 'InvalidParameterValue', message: "The filter 'no-such-filter' is invalid" });
  });

  it('pages with MaxResults 5–1000 and the SDK paginator', async () => {
    const { client } = server;
    for (let i = 0; i < 4; i++) await client.send(new CreateNetworkInterfaceCommand({ SubnetId: world.subnetId }));
    const first = await client.send(new DescribeNetworkInterfacesCommand({ MaxResults: 5 }));
    assert.equal(first.NetworkInterfaces?.length, 5);
    assert.ok(first.NextToken);
    const second = await client.send(
      new DescribeNetworkInterfacesCommand({ MaxResults: 5, NextToken: first.NextToken }),
    );
    assert.equal(second.NetworkInterfaces?.length, 3);
    assert.equal(second.NextToken, undefined);
    const all: string[] = [];
    for await (const page of paginateDescribeNetworkInterfaces({ client, pageSize: 5 }, {}))
      all.push(...idsOf(page.NetworkInterfaces));
    assert.equal(all.length, 8);
    assert.equal(new Set(all).size, 8);
    const tooSmall = await errorOf(() => client.send(new DescribeNetworkInterfacesCommand({ MaxResults: 4 })));
    assert.equal(tooSmall.name, 'InvalidParameterValue');
  });
});
