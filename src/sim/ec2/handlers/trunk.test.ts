// Trunk and branch ENIs over the EC2 Query API through @aws-sdk/client-ec2: the resource controller's sequence
// [sgp §4.2; sgp §4.6; sgp §4.8], the shapes, pagination, and bad input (EC2's code, nothing changed).
import {
  AssociateTrunkInterfaceCommand,
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  DeleteNetworkInterfaceCommand,
  DescribeNetworkInterfacesCommand,
  DescribeTrunkInterfaceAssociationsCommand,
  DisassociateTrunkInterfaceCommand,
  paginateDescribeTrunkInterfaceAssociations,
  type DescribeTrunkInterfaceAssociationsCommandInput,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { suiteFixture } from '../../../suite-fixture.test-util.js';
import { addInstance, errorOf, newWorld } from '../../state/eni-fixtures.test-util.js';
import { serializeStore } from '../../state/persist.js';
import type { VpcStore } from '../../state/store.js';
import { startSdkServer } from '../sdk-server.test-util.js';
import { eniHandlers } from './eni.js';
import { trunkHandlers } from './trunk.js';

/** A new ENI of the subnet (of `type` when given) through the API; its id. */
async function newEni(client: EC2Client, subnetId: string, type?: 'trunk' | 'branch'): Promise<string> {
  const created = await client.send(
    new CreateNetworkInterfaceCommand({ SubnetId: subnetId, ...(type === undefined ? {} : { InterfaceType: type }) }),
  );
  return created.NetworkInterface?.NetworkInterfaceId ?? '';
}

/** An m5.large (9 branch interfaces) with a trunk attached at device 2, as the resource controller attaches it. */
async function trunkFixture(): Promise<{
  store: VpcStore;
  subnetId: string;
  instanceId: string;
  trunkId: string;
  client: EC2Client;
  close: () => Promise<void>;
}> {
  const world = newWorld();
  const instance = addInstance(world.store, { type: 'm5.large', subnetId: world.subnetId });
  const sdk = await startSdkServer(world.store, { ...eniHandlers, ...trunkHandlers });
  const trunkId = await newEni(sdk.client, world.subnetId, 'trunk');
  await sdk.client.send(
    new AttachNetworkInterfaceCommand({ NetworkInterfaceId: trunkId, InstanceId: instance.id, DeviceIndex: 2 }),
  );
  return {
    store: world.store,
    subnetId: world.subnetId,
    instanceId: instance.id,
    trunkId,
    client: sdk.client,
    close: () => sdk.close(),
  };
}

describe('AssociateTrunkInterface / DescribeTrunkInterfaceAssociations / DisassociateTrunkInterface', () => {
  const fx = suiteFixture(trunkFixture);

  it("answers with EC2's shapes and shows trunk and branch in DescribeNetworkInterfaces", async () => {
    const { client, trunkId, subnetId } = fx;
    const branchId = await newEni(client, subnetId);
    const associated = await client.send(
      new AssociateTrunkInterfaceCommand({ TrunkInterfaceId: trunkId, BranchInterfaceId: branchId, VlanId: 3 }),
    );
    const association = associated.InterfaceAssociation;
    assert.match(association?.AssociationId ?? '', /^trunk-assoc-[0-9a-f]{17}$/);
    assert.deepEqual(
      { ...association, AssociationId: undefined },
      {
        AssociationId: undefined,
        BranchInterfaceId: branchId,
        TrunkInterfaceId: trunkId,
        InterfaceProtocol: 'VLAN',
        VlanId: 3,
        Tags: [],
      },
    );
    assert.ok(associated.ClientToken, 'the SDK sends an idempotency token and it comes back');

    const described = await client.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [branchId] }));
    assert.deepEqual(
      described.NetworkInterfaces?.map((e) => [e.InterfaceType, e.Status, e.Attachment]),
      [['branch', 'in-use', undefined]],
    );
    const trunks = await client.send(
      new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'interface-type', Values: ['trunk'] }] }),
    );
    assert.deepEqual(
      trunks.NetworkInterfaces?.map((e) => [e.NetworkInterfaceId, e.Attachment?.DeviceIndex]),
      [[trunkId, 2]],
    );

    const id = association?.AssociationId ?? '';
    const query = async (input: DescribeTrunkInterfaceAssociationsCommandInput) =>
      (await client.send(new DescribeTrunkInterfaceAssociationsCommand(input))).InterfaceAssociations?.map(
        (a) => a.AssociationId,
      );
    assert.deepEqual(await query({ AssociationIds: [id] }), [id]);
    for (const [name, value] of [
      ['trunk-interface-association.trunk-interface-id', trunkId],
      ['trunk-interface-association.branch-interface-id', branchId],
      ['trunk-interface-association.association-id', id],
      ['interface-protocol', 'VLAN'],
    ] as const) {
      assert.deepEqual(await query({ Filters: [{ Name: name, Values: [value] }] }), [id], name);
    }
    assert.deepEqual(await query({ Filters: [{ Name: 'interface-protocol', Values: ['GRE'] }] }), []);
    assert.deepEqual(await query({ Filters: [{ Name: 'gre-key', Values: ['1'] }] }), []);

    const disassociated = await client.send(new DisassociateTrunkInterfaceCommand({ AssociationId: id }));
    assert.equal(disassociated.Return, true);
    assert.deepEqual(await query({}), []);
    const after = await client.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [branchId] }));
    assert.deepEqual(
      after.NetworkInterfaces?.map((e) => [e.InterfaceType, e.Status]),
      [['branch', 'available']],
    );
    await client.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: branchId }));
  });

  it('pages with MaxResults 5–255, also through the SDK paginator', async () => {
    const { client, trunkId, subnetId } = fx;
    for (let vlan = 10; vlan < 17; vlan++) {
      const branchId = await newEni(client, subnetId, 'branch');
      await client.send(
        new AssociateTrunkInterfaceCommand({ TrunkInterfaceId: trunkId, BranchInterfaceId: branchId, VlanId: vlan }),
      );
    }
    const first = await client.send(new DescribeTrunkInterfaceAssociationsCommand({ MaxResults: 5 }));
    assert.equal(first.InterfaceAssociations?.length, 5);
    const second = await client.send(
      new DescribeTrunkInterfaceAssociationsCommand({ MaxResults: 5, NextToken: first.NextToken }),
    );
    assert.deepEqual(
      [...(first.InterfaceAssociations ?? []), ...(second.InterfaceAssociations ?? [])].map((a) => a.VlanId),
      [10, 11, 12, 13, 14, 15, 16],
    );
    assert.equal(second.NextToken, undefined);
    let pages = 0;
    for await (const page of paginateDescribeTrunkInterfaceAssociations({ client, pageSize: 5 }, {})) {
      pages += 1;
      assert.ok((page.InterfaceAssociations?.length ?? 0) <= 5);
    }
    assert.equal(pages, 2);
    for (const [maxResults, code] of [
      [4, 'InvalidParameterValue'],
      [256, 'InvalidParameterValue'],
    ] as const) {
      const error = await errorOf(() =>
        client.send(new DescribeTrunkInterfaceAssociationsCommand({ MaxResults: maxResults })),
      );
      assert.equal(error.name, code);
    }
    const badToken = await errorOf(() =>
      client.send(new DescribeTrunkInterfaceAssociationsCommand({ NextToken: 'bm9wZQ' })),
    );
    assert.equal(badToken.name, 'InvalidNextToken');
  });
});

describe("trunk operations refuse bad input with EC2's error and change nothing", () => {
  const fx = suiteFixture(trunkFixture);

  // Each case builds what it needs, then makes the refused call; the store must not change by that call.
  const cases: {
    name: string;
    code: string;
    message?: RegExp;
    prepare: (f: typeof fx) => Promise<() => Promise<unknown>> | (() => Promise<unknown>);
  }[] = [
    {
      name: 'an unknown trunk id',
      code: 'InvalidNetworkInterfaceID.NotFound',
      message: /^The networkInterface ID 'eni-0123456789abcdef0' does not exist$/,
      prepare: async (f) => {
        const branch = await newEni(f.client, f.subnetId);
        return () =>
          f.client.send(
            new AssociateTrunkInterfaceCommand({
              TrunkInterfaceId: 'eni-0123456789abcdef0',
              BranchInterfaceId: branch,
              VlanId: 1,
            }),
          );
      },
    },
    {
      name: 'a malformed branch id',
      code: 'InvalidNetworkInterfaceId.Malformed',
      prepare: (f) => () =>
        f.client.send(
          new AssociateTrunkInterfaceCommand({ TrunkInterfaceId: f.trunkId, BranchInterfaceId: 'eni-1', VlanId: 1 }),
        ),
    },
    {
      name: 'an ordinary ENI as the trunk',
      code: 'InvalidParameterValue',
      message: /is not a trunk interface/,
      prepare: async (f) => {
        const [notTrunk, branch] = [await newEni(f.client, f.subnetId), await newEni(f.client, f.subnetId)];
        return () =>
          f.client.send(
            new AssociateTrunkInterfaceCommand({ TrunkInterfaceId: notTrunk, BranchInterfaceId: branch, VlanId: 1 }),
          );
      },
    },
    ...[0, 4095].map((vlan) => ({
      name: `VLAN id ${vlan}`,
      code: 'InvalidParameterValue',
      message: /VlanId is invalid. It must be between 1 and 4094/,
      prepare: async (f: typeof fx) => {
        const branch = await newEni(f.client, f.subnetId);
        return () =>
          f.client.send(
            new AssociateTrunkInterfaceCommand({
              TrunkInterfaceId: f.trunkId,
              BranchInterfaceId: branch,
              VlanId: vlan,
            }),
          );
      },
    })),
    {
      name: 'a VLAN id in use on the trunk',
      code: 'InvalidParameterValue',
      message: /^VLAN ID 100 is already in use on trunk interface/,
      prepare: async (f) => {
        const [first, second] = [await newEni(f.client, f.subnetId), await newEni(f.client, f.subnetId)];
        await f.client.send(
          new AssociateTrunkInterfaceCommand({ TrunkInterfaceId: f.trunkId, BranchInterfaceId: first, VlanId: 100 }),
        );
        return () =>
          f.client.send(
            new AssociateTrunkInterfaceCommand({ TrunkInterfaceId: f.trunkId, BranchInterfaceId: second, VlanId: 100 }),
          );
      },
    },
    {
      name: 'a GRE key',
      code: 'InvalidParameterValue',
      message: /GRE/,
      prepare: async (f) => {
        const branch = await newEni(f.client, f.subnetId);
        return () =>
          f.client.send(
            new AssociateTrunkInterfaceCommand({ TrunkInterfaceId: f.trunkId, BranchInterfaceId: branch, GreKey: 7 }),
          );
      },
    },
    {
      name: 'no VLAN id',
      code: 'MissingParameter',
      prepare: async (f) => {
        const branch = await newEni(f.client, f.subnetId);
        return () =>
          f.client.send(new AssociateTrunkInterfaceCommand({ TrunkInterfaceId: f.trunkId, BranchInterfaceId: branch }));
      },
    },
    {
      name: 'attaching a branch ENI',
      code: 'OperationNotPermitted',
      prepare: async (f) => {
        const branch = await newEni(f.client, f.subnetId, 'branch');
        return () =>
          f.client.send(
            new AttachNetworkInterfaceCommand({ NetworkInterfaceId: branch, InstanceId: f.instanceId, DeviceIndex: 1 }),
          );
      },
    },
    {
      name: 'a trunk on an instance type without trunk support',
      code: 'UnsupportedOperation',
      message: /t3\.medium/,
      prepare: async (f) => {
        const small = addInstance(f.store, { type: 't3.medium', subnetId: f.subnetId });
        const trunk = await newEni(f.client, f.subnetId, 'trunk');
        return () =>
          f.client.send(
            new AttachNetworkInterfaceCommand({ NetworkInterfaceId: trunk, InstanceId: small.id, DeviceIndex: 1 }),
          );
      },
    },
    {
      name: 'an unknown association id',
      code: 'InvalidAssociationID.NotFound',
      message: /^The association ID 'trunk-assoc-0123456789abcdef0' does not exist$/,
      prepare: (f) => () =>
        f.client.send(new DisassociateTrunkInterfaceCommand({ AssociationId: 'trunk-assoc-0123456789abcdef0' })),
    },
    {
      name: 'a malformed association id',
      code: 'InvalidAssociationID.Malformed',
      prepare: (f) => () => f.client.send(new DisassociateTrunkInterfaceCommand({ AssociationId: 'assoc-1' })),
    },
    {
      name: 'an unknown association id to describe',
      code: 'InvalidAssociationID.NotFound',
      prepare: (f) => () =>
        f.client.send(
          new DescribeTrunkInterfaceAssociationsCommand({ AssociationIds: ['trunk-assoc-0123456789abcdef0'] }),
        ),
    },
    {
      name: 'an unknown filter',
      code: 'InvalidParameterValue',
      message: /^The filter 'vlan' is invalid$/,
      prepare: (f) => () =>
        f.client.send(new DescribeTrunkInterfaceAssociationsCommand({ Filters: [{ Name: 'vlan', Values: ['1'] }] })),
    },
  ];
  for (const { name, code, message, prepare } of cases) {
    it(`${name}: ${code}`, async () => {
      const call = await prepare(fx);
      const before = serializeStore(fx.store);
      const error = await errorOf(call);
      assert.equal(error.name, code, error.message);
      if (message !== undefined) assert.match(error.message, message);
      assert.equal(serializeStore(fx.store), before);
    });
  }

  it('the tenth branch of an m5.large: AttachmentLimitExceeded naming the limit', async () => {
    const world = newWorld();
    const instance = addInstance(world.store, { type: 'm5.large', subnetId: world.subnetId });
    const sdk = await startSdkServer(world.store, { ...eniHandlers, ...trunkHandlers });
    try {
      const trunk = await newEni(sdk.client, world.subnetId, 'trunk');
      await sdk.client.send(
        new AttachNetworkInterfaceCommand({ NetworkInterfaceId: trunk, InstanceId: instance.id, DeviceIndex: 1 }),
      );
      const associate = async (vlan: number): Promise<unknown> =>
        sdk.client.send(
          new AssociateTrunkInterfaceCommand({
            TrunkInterfaceId: trunk,
            BranchInterfaceId: await newEni(sdk.client, world.subnetId),
            VlanId: vlan,
          }),
        );
      for (let vlan = 1; vlan <= 9; vlan++) await associate(vlan);
      const error = await errorOf(() => associate(10));
      assert.equal(error.name, 'AttachmentLimitExceeded');
      assert.match(error.message, /^Branch interface count 10 exceeds the limit of 9 for m5\.large/);
      assert.equal(world.store.trunkAssociations.size, 9);
    } finally {
      await sdk.close();
    }
  });
});
