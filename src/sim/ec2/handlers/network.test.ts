import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AssociateRouteTableCommand,
  AssociateVpcCidrBlockCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  DescribeAvailabilityZonesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import { mainRouteTable } from '../../state/ops-routes.js';
import { defaultSecurityGroup } from '../../state/ops-sg.js';
import { REGION, startNetworkWorld } from './network.test-util.js';
import { suiteFixture } from '../../../suite-fixture.test-util.js';

describe('network handlers through @aws-sdk/client-ec2', () => {
  const w = suiteFixture(() => startNetworkWorld());

  it('DescribeVpcs returns the VPC with its block associations', async () => {
    const { Vpcs } = await w.client.send(new DescribeVpcsCommand({ VpcIds: [w.vpc.id] }));
    assert.equal(Vpcs?.length, 1);
    const vpc = Vpcs[0]!;
    assert.equal(vpc.VpcId, w.vpc.id);
    assert.equal(vpc.CidrBlock, '10.0.0.0/16');
    assert.equal(vpc.State, 'available');
    assert.equal(vpc.OwnerId, '123456789012');
    assert.equal(vpc.IsDefault, false);
    assert.equal(vpc.InstanceTenancy, 'default');
    assert.match(vpc.DhcpOptionsId ?? '', /^dopt-[0-9a-f]{17}$/);
    assert.deepEqual(vpc.Tags, [{ Key: 'Name', Value: 'eks-vpc' }]);
    assert.deepEqual(vpc.CidrBlockAssociationSet, [
      {
        AssociationId: w.vpc.cidrAssociations[0]?.associationId,
        CidrBlock: '10.0.0.0/16',
        CidrBlockState: { State: 'associated' },
      },
    ]);
  });

  it('DescribeAvailabilityZones lists the region zones, by name, id and filter', async () => {
    const all = await w.client.send(new DescribeAvailabilityZonesCommand({}));
    assert.deepEqual(
      all.AvailabilityZones?.map((z) => [z.ZoneName, z.ZoneId, z.State, z.RegionName, z.ZoneType, z.OptInStatus]),
      [
        ['us-west-2a', 'usw2-az1', 'available', REGION, 'availability-zone', 'opt-in-not-required'],
        ['us-west-2b', 'usw2-az2', 'available', REGION, 'availability-zone', 'opt-in-not-required'],
        ['us-west-2c', 'usw2-az3', 'available', REGION, 'availability-zone', 'opt-in-not-required'],
      ],
    );
    assert.deepEqual(all.AvailabilityZones?.[0]?.Messages, []);
    const some = await w.client.send(
      new DescribeAvailabilityZonesCommand({ ZoneNames: ['us-west-2c'], ZoneIds: ['usw2-az1'] }),
    );
    assert.deepEqual(
      some.AvailabilityZones?.map((z) => z.ZoneName),
      ['us-west-2a', 'us-west-2c'],
    );
    const filtered = await w.client.send(
      new DescribeAvailabilityZonesCommand({ Filters: [{ Name: 'zone-id', Values: ['usw2-az2'] }] }),
    );
    assert.deepEqual(
      filtered.AvailabilityZones?.map((z) => z.ZoneName),
      ['us-west-2b'],
    );
  });

  it('DescribeSecurityGroups shows the default group with EC2 default rules', async () => {
    const sg = defaultSecurityGroup(w.store, w.vpc.id);
    const out = await w.client.send(
      new DescribeSecurityGroupsCommand({ GroupIds: [sg.id], Filters: [{ Name: 'vpc-id', Values: [w.vpc.id] }] }),
    );
    const group = out.SecurityGroups?.[0];
    assert.equal(group?.GroupId, sg.id);
    assert.equal(group.GroupName, 'default');
    assert.equal(group.Description, 'default VPC security group');
    assert.equal(group.VpcId, w.vpc.id);
    assert.equal(group.SecurityGroupArn, `arn:aws:ec2:${REGION}:123456789012:security-group/${sg.id}`);
    assert.deepEqual(group.IpPermissionsEgress, [
      {
        IpProtocol: '-1',
        IpRanges: [{ CidrIp: '0.0.0.0/0' }],
        Ipv6Ranges: [],
        PrefixListIds: [],
        UserIdGroupPairs: [],
      },
    ]);
    assert.deepEqual(group.IpPermissions?.[0]?.UserIdGroupPairs, [{ GroupId: sg.id, UserId: '123456789012' }]);
    const byName = await w.client.send(new DescribeSecurityGroupsCommand({ GroupNames: ['default'] }));
    assert.deepEqual(
      byName.SecurityGroups?.map((g) => g.GroupId),
      [sg.id],
    );
  });

  it('CreateVpc, CreateSecurityGroup and CreateRouteTable answer with the new resources', async () => {
    const { Vpc } = await w.client.send(
      new CreateVpcCommand({
        CidrBlock: '192.168.0.0/24',
        TagSpecifications: [{ ResourceType: 'vpc', Tags: [{ Key: 'Name', Value: 'tutorial' }] }],
      }),
    );
    assert.equal(Vpc?.CidrBlock, '192.168.0.0/24');
    assert.deepEqual(Vpc.Tags, [{ Key: 'Name', Value: 'tutorial' }]);
    const sg = await w.client.send(
      new CreateSecurityGroupCommand({
        VpcId: Vpc.VpcId,
        GroupName: 'pods',
        Description: 'pod ENIs',
        TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'team', Value: 'net' }] }],
      }),
    );
    assert.match(sg.GroupId ?? '', /^sg-[0-9a-f]{17}$/);
    assert.deepEqual(sg.Tags, [{ Key: 'team', Value: 'net' }]);
    assert.equal(sg.SecurityGroupArn, `arn:aws:ec2:${REGION}:123456789012:security-group/${sg.GroupId}`);
    const { RouteTable } = await w.client.send(new CreateRouteTableCommand({ VpcId: Vpc.VpcId }));
    assert.equal(RouteTable?.VpcId, Vpc.VpcId);
    assert.deepEqual(RouteTable?.Associations, []);
    assert.deepEqual(RouteTable?.Routes, [
      { DestinationCidrBlock: '192.168.0.0/24', GatewayId: 'local', State: 'active', Origin: 'CreateRouteTable' },
    ]);
  });
});

describe('the custom-networking secondary-CIDR flow', () => {
  it('associates 100.64.0.0/16, waits for it, carves /19s in three zones, tags and routes them', async () => {
    const w = await startNetworkWorld();
    try {
      const vpcId = w.vpc.id;
      const assoc = await w.client.send(new AssociateVpcCidrBlockCommand({ VpcId: vpcId, CidrBlock: '100.64.0.0/16' }));
      assert.equal(assoc.VpcId, vpcId);
      assert.equal(assoc.CidrBlockAssociation?.CidrBlock, '100.64.0.0/16');
      assert.equal(assoc.CidrBlockAssociation.CidrBlockState?.State, 'associating');
      assert.match(assoc.CidrBlockAssociation.AssociationId ?? '', /^vpc-cidr-assoc-[0-9a-f]{17}$/);

      // The EKS tutorial polls this query until the state is `associated`.
      const states = async (): Promise<(string | undefined)[][]> => {
        const { Vpcs } = await w.client.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }));
        return (Vpcs?.[0]?.CidrBlockAssociationSet ?? []).map((a) => [a.CidrBlock, a.CidrBlockState?.State]);
      };
      assert.deepEqual(await states(), [
        ['10.0.0.0/16', 'associated'],
        ['100.64.0.0/16', 'associating'],
      ]);
      const early = w.client.send(
        new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '100.64.0.0/19', AvailabilityZone: 'us-west-2a' }),
      );
      await assert.rejects(early, { name: 'InvalidSubnet.Range', message: "The CIDR '100.64.0.0/19' is invalid." });
      w.clock.advance(1000);
      assert.deepEqual(await states(), [
        ['10.0.0.0/16', 'associated'],
        ['100.64.0.0/16', 'associated'],
      ]);

      const zones = ['us-west-2a', 'us-west-2b', 'us-west-2c'];
      const subnetIds: string[] = [];
      for (const [i, zone] of zones.entries()) {
        const { Subnet } = await w.client.send(
          new CreateSubnetCommand({
            VpcId: vpcId,
            CidrBlock: `100.64.${i * 32}.0/19`,
            AvailabilityZone: zone,
            TagSpecifications: [
              { ResourceType: 'subnet', Tags: [{ Key: 'Name', Value: `eks-pods-${zone.slice(-1)}` }] },
            ],
          }),
        );
        assert.equal(Subnet?.State, 'available');
        assert.equal(Subnet.AvailabilityZone, zone);
        assert.equal(Subnet.AvailabilityZoneId, `usw2-az${i + 1}`);
        assert.equal(Subnet.AvailableIpAddressCount, 8192 - 5);
        assert.equal(Subnet.SubnetArn, `arn:aws:ec2:${REGION}:123456789012:subnet/${Subnet.SubnetId}`);
        assert.equal(Subnet.DefaultForAz, false);
        assert.equal(Subnet.MapPublicIpOnLaunch, false);
        assert.deepEqual(Subnet.Tags, [{ Key: 'Name', Value: `eks-pods-${zone.slice(-1)}` }]);
        subnetIds.push(Subnet.SubnetId ?? '');
      }
      await w.client.send(
        new CreateTagsCommand({ Resources: subnetIds, Tags: [{ Key: 'kubernetes.io/role/cni', Value: '1' }] }),
      );

      const { RouteTables } = await w.client.send(
        new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }),
      );
      const main = mainRouteTable(w.store, vpcId);
      assert.equal(RouteTables?.[0]?.RouteTableId, main.id);
      assert.deepEqual(RouteTables[0].Associations, [
        {
          Main: true,
          RouteTableAssociationId: main.mainAssociationId,
          RouteTableId: main.id,
          AssociationState: { State: 'associated' },
        },
      ]);
      assert.deepEqual(
        RouteTables[0].Routes?.map((r) => [r.DestinationCidrBlock, r.GatewayId, r.State, r.Origin]),
        [
          ['10.0.0.0/16', 'local', 'active', 'CreateRouteTable'],
          ['100.64.0.0/16', 'local', 'active', 'CreateRouteTable'],
        ],
      );
      const { RouteTable } = await w.client.send(new CreateRouteTableCommand({ VpcId: vpcId }));
      const rtbId = RouteTable?.RouteTableId ?? '';
      const assocOut = await w.client.send(
        new AssociateRouteTableCommand({ RouteTableId: rtbId, SubnetId: subnetIds[0] }),
      );
      assert.match(assocOut.AssociationId ?? '', /^rtbassoc-[0-9a-f]{17}$/);
      assert.deepEqual(assocOut.AssociationState, { State: 'associated' });

      // Explicit associations only for association.subnet-id; the others still use the main table.
      const bySubnet = await w.client.send(
        new DescribeRouteTablesCommand({ Filters: [{ Name: 'association.subnet-id', Values: subnetIds }] }),
      );
      assert.deepEqual(
        bySubnet.RouteTables?.map((t) => t.RouteTableId),
        [rtbId],
      );
      assert.deepEqual(
        bySubnet.RouteTables?.[0]?.Associations?.map((a) => [a.SubnetId, a.Main]),
        [[subnetIds[0], false]],
      );
      const mains = await w.client.send(
        new DescribeRouteTablesCommand({ Filters: [{ Name: 'association.main', Values: ['true'] }] }),
      );
      assert.deepEqual(
        mains.RouteTables?.map((t) => t.RouteTableId),
        [main.id],
      );

      const { Subnets } = await w.client.send(
        new DescribeSubnetsCommand({
          Filters: [
            { Name: 'vpc-id', Values: [vpcId] },
            { Name: 'tag:kubernetes.io/role/cni', Values: ['1'] },
            { Name: 'availability-zone', Values: ['us-west-2b', 'us-west-2c'] },
          ],
        }),
      );
      assert.deepEqual(
        Subnets?.map((s) => s.CidrBlock),
        ['100.64.32.0/19', '100.64.64.0/19'],
      );
      assert.deepEqual(Subnets?.[0]?.Tags, [
        { Key: 'Name', Value: 'eks-pods-b' },
        { Key: 'kubernetes.io/role/cni', Value: '1' },
      ]);
    } finally {
      await w.close();
    }
  });
});
