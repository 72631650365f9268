import * as assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  DescribeInstancesCommand,
  paginateDescribeInstances,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type Instance,
} from '@aws-sdk/client-ec2';
import { attachEni, createEni } from '../../state/ops-eni.js';
import { instanceWorld, rejection, startInstanceServer } from './instances.test-util.js';
import { suiteFixture } from '../../../suite-fixture.test-util.js';

describe('RunInstances / DescribeInstances / TerminateInstances through the SDK', () => {
  const world = suiteFixture(() => instanceWorld());
  const sim = suiteFixture(() => startInstanceServer(world.store));
  let node: Instance;

  before(async () => {
    const out = await sim.client.send(
      new RunInstancesCommand({
        ImageId: 'ami-0123456789abcdef0',
        InstanceType: 'm5.large',
        MinCount: 1,
        MaxCount: 1,
        SubnetId: world.subnetId,
        SecurityGroupIds: [world.sgId],
        TagSpecifications: [
          {
            ResourceType: 'instance',
            Tags: [
              { Key: 'Name', Value: 'node-1' },
              { Key: 'cluster', Value: 'c1' },
            ],
          },
        ],
      }),
    );
    assert.match(out.ReservationId ?? '', /^r-[0-9a-f]{17}$/);
    assert.equal(out.OwnerId, world.store.accountId);
    assert.equal(out.Instances?.length, 1);
    node = out.Instances?.[0] ?? assert.fail('no instance');
  });

  it('returns the full instance shape, with the primary interface and its attachment', async () => {
    const out = await sim.client.send(new DescribeInstancesCommand({ InstanceIds: [node.InstanceId ?? ''] }));
    const instance = out.Reservations?.[0]?.Instances?.[0] ?? assert.fail('no instance');
    assert.equal(instance.InstanceId, node.InstanceId);
    assert.equal(instance.ImageId, 'ami-0123456789abcdef0');
    assert.deepEqual(instance.State, { Code: 16, Name: 'running' });
    assert.equal(instance.InstanceType, 'm5.large');
    assert.equal(instance.PrivateIpAddress, '10.0.1.4');
    assert.equal(instance.PrivateDnsName, 'ip-10-0-1-4.us-west-2.compute.internal');
    assert.deepEqual(instance.Placement, {
      AvailabilityZone: 'us-west-2a',
      AvailabilityZoneId: 'usw2-az1',
      GroupName: '',
      Tenancy: 'default',
    });
    assert.equal(instance.SubnetId, world.subnetId);
    assert.equal(instance.VpcId, world.vpcId);
    assert.equal(instance.Hypervisor, 'xen');
    assert.equal(instance.Architecture, 'x86_64');
    assert.ok(instance.LaunchTime instanceof Date);
    assert.deepEqual(instance.SecurityGroups, [{ GroupId: world.sgId, GroupName: 'eks-node' }]);
    assert.deepEqual(instance.Tags, [
      { Key: 'Name', Value: 'node-1' },
      { Key: 'cluster', Value: 'c1' },
    ]);
    const eni = instance.NetworkInterfaces?.[0] ?? assert.fail('no interface');
    assert.equal(instance.NetworkInterfaces?.length, 1);
    assert.match(eni.NetworkInterfaceId ?? '', /^eni-/);
    assert.equal(eni.Description, 'Primary network interface');
    assert.equal(eni.Status, 'in-use');
    assert.match(eni.MacAddress ?? '', /^02(:[0-9a-f]{2}){5}$/);
    assert.equal(eni.Attachment?.DeviceIndex, 0);
    assert.equal(eni.Attachment?.NetworkCardIndex, 0);
    assert.equal(eni.Attachment?.Status, 'attached');
    assert.equal(eni.Attachment?.DeleteOnTermination, true);
    assert.deepEqual(eni.PrivateIpAddresses, [
      { PrivateIpAddress: '10.0.1.4', PrivateDnsName: 'ip-10-0-1-4.us-west-2.compute.internal', Primary: true },
    ]);
    assert.equal(eni.InterfaceType, 'interface');
  });

  it('lists secondary interfaces by card and device index, as the CNI scans them', async () => {
    const id = node.InstanceId ?? '';
    const eni = createEni(world.store, { subnetId: world.subnetId, secondaryIpCount: 2 });
    attachEni(world.store, { eniId: eni.id, instanceId: id, deviceIndex: 2 });
    const out = await sim.client.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    const enis = out.Reservations?.[0]?.Instances?.[0]?.NetworkInterfaces ?? [];
    assert.deepEqual(
      enis.map((e) => [e.Attachment?.NetworkCardIndex, e.Attachment?.DeviceIndex]),
      [
        [0, 0],
        [0, 2],
      ],
    );
    assert.equal(enis[1]?.Attachment?.DeleteOnTermination, false);
    assert.deepEqual(
      enis[1]?.PrivateIpAddresses?.map((p) => p.Primary),
      [true, false, false],
    );
  });

  it('fails the whole call when any id is unknown, and refuses ids with MaxResults', async () => {
    const unknown = await rejection(
      sim.client.send(new DescribeInstancesCommand({ InstanceIds: [node.InstanceId ?? '', 'i-0123456789abcdef0'] })),
    );
    assert.equal(unknown.name, 'InvalidInstanceID.NotFound');
    assert.equal(unknown.message, "The instance ID 'i-0123456789abcdef0' does not exist");
    assert.equal(unknown.status, 400);
    const malformed = await rejection(sim.client.send(new DescribeInstancesCommand({ InstanceIds: ['foo'] })));
    assert.equal(malformed.name, 'InvalidInstanceID.Malformed');
    const combo = await rejection(
      sim.client.send(new DescribeInstancesCommand({ InstanceIds: [node.InstanceId ?? ''], MaxResults: 5 })),
    );
    assert.equal(combo.name, 'InvalidParameterCombination');
  });

  it('filters on tags, state, type, addresses and attachments', async () => {
    const id = node.InstanceId ?? '';
    const cases: [string, string[], number][] = [
      ['tag:Name', ['node-*'], 1],
      ['tag:Name', ['other'], 0],
      ['tag-key', ['cluster'], 1],
      ['tag-value', ['c1'], 1],
      ['instance-state-name', ['running'], 1],
      ['instance-state-name', ['stopped'], 0],
      ['instance-type', ['m5.*'], 1],
      ['availability-zone', ['us-west-2a'], 1],
      ['vpc-id', [world.vpcId], 1],
      ['subnet-id', [world.subnetId], 1],
      ['private-ip-address', ['10.0.1.4'], 1],
      ['network-interface.attachment.instance-id', [id], 1],
      ['instance-id', [id], 1],
    ];
    for (const [name, values, expected] of cases) {
      const out = await sim.client.send(new DescribeInstancesCommand({ Filters: [{ Name: name, Values: values }] }));
      const count = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).length;
      assert.equal(count, expected, `${name}=${values.join(',')}`);
    }
    const bad = await rejection(
      sim.client.send(new DescribeInstancesCommand({ Filters: [{ Name: 'bogus', Values: ['x'] }] })),
    );
    assert.equal(bad.name, 'InvalidParameterValue');
  });

  it('launches several instances in one reservation and pages through them', async () => {
    const out = await sim.client.send(
      new RunInstancesCommand({ InstanceType: 't3.medium', MinCount: 6, MaxCount: 6, SubnetId: world.subnetId }),
    );
    assert.equal(out.Instances?.length, 6);
    assert.deepEqual(
      out.Instances?.map((i) => i.AmiLaunchIndex),
      [0, 1, 2, 3, 4, 5],
    );
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateDescribeInstances(
      { client: sim.client, pageSize: 5 },
      { Filters: [{ Name: 'instance-type', Values: ['t3.medium'] }] },
    )) {
      pages += 1;
      for (const r of page.Reservations ?? []) {
        assert.equal(r.ReservationId, out.ReservationId);
        for (const i of r.Instances ?? []) seen.push(i.InstanceId ?? '');
      }
    }
    assert.equal(pages, 2);
    assert.deepEqual(seen.sort(), (out.Instances ?? []).map((i) => i.InstanceId ?? '').sort());
    const low = await rejection(sim.client.send(new DescribeInstancesCommand({ MaxResults: 4 })));
    assert.equal(low.name, 'InvalidParameterValue');
  });

  it('refuses an unknown instance type and bad counts', async () => {
    const type = await rejection(
      sim.client.send(
        new RunInstancesCommand({
          InstanceType: 'm9.huge' as never,
          MinCount: 1,
          MaxCount: 1,
          SubnetId: world.subnetId,
        }),
      ),
    );
    assert.equal(type.name, 'InvalidParameterValue');
    assert.equal(type.message, "Invalid value 'm9.huge' for InstanceType.");
    const counts = await rejection(
      sim.client.send(
        new RunInstancesCommand({ InstanceType: 'm5.large', MinCount: 2, MaxCount: 1, SubnetId: world.subnetId }),
      ),
    );
    assert.equal(counts.name, 'InvalidParameterValue');
  });

  it('terminates: reports the state change, drops the interfaces, keeps the instance visible', async () => {
    const out = await sim.client.send(
      new RunInstancesCommand({ InstanceType: 'c5.large', MinCount: 1, MaxCount: 1, SubnetId: world.subnetId }),
    );
    const id = out.Instances?.[0]?.InstanceId ?? '';
    const primary = world.store.instance(id).primaryEniId;
    const done = await sim.client.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    assert.deepEqual(done.TerminatingInstances, [
      { InstanceId: id, CurrentState: { Code: 48, Name: 'terminated' }, PreviousState: { Code: 16, Name: 'running' } },
    ]);
    assert.equal(world.store.enis.has(primary), false);
    const described = await sim.client.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    const instance = described.Reservations?.[0]?.Instances?.[0];
    assert.deepEqual(instance?.State, { Code: 48, Name: 'terminated' });
    assert.equal(instance?.PrivateIpAddress, undefined);
    assert.deepEqual(instance?.NetworkInterfaces, []);
    const missing = await rejection(
      sim.client.send(new TerminateInstancesCommand({ InstanceIds: ['i-00000000000000000'] })),
    );
    assert.equal(missing.name, 'InvalidInstanceID.NotFound');
  });
});
