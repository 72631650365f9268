import * as assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeTagsCommand,
  DescribeVpcsCommand,
  paginateDescribeSubnets,
  type Filter,
} from '@aws-sdk/client-ec2';
import { associateRouteTable, createRouteTable, mainRouteTable } from '../../state/ops-routes.js';
import { createSecurityGroup } from '../../state/ops-sg.js';
import { createSubnet } from '../../state/ops-subnet.js';
import { associateVpcCidrBlock, createVpc } from '../../state/ops-vpc.js';
import { sdkFailure, startNetworkWorld } from './network.test-util.js';
import { suiteFixture } from '../../../suite-fixture.test-util.js';

const ZONES = ['us-west-2a', 'us-west-2b', 'us-west-2c'];

describe('Describe* filters and pagination through the SDK', () => {
  const w = suiteFixture(() => startNetworkWorld());
  /** 12 subnets 10.0.<i>.0/24, Name=eks-<zone letter>-<i>, zones round robin; the first is a default subnet. */
  const subnetIds: string[] = [];
  let otherVpcId: string;
  before(() => {
    for (let i = 0; i < 12; i++) {
      const zone = ZONES[i % 3] ?? 'us-west-2a';
      const subnet = createSubnet(w.store, {
        vpcId: w.vpc.id,
        cidr: `10.0.${i}.0/24`,
        availabilityZone: zone,
        tags: [
          { key: 'Name', value: `eks-${zone.slice(-1)}-${i}` },
          ...(i % 2 === 0 ? [{ key: 'kubernetes.io/role/cni', value: '1' }] : []),
        ],
        defaultForAz: i === 0,
      });
      subnetIds.push(subnet.id);
    }
    const other = createVpc(w.store, {
      cidr: '172.16.0.0/16',
      tags: [{ key: 'Name', value: 'legacy' }],
      isDefault: true,
    });
    otherVpcId = other.id;
    associateVpcCidrBlock(w.store, w.vpc.id, '100.64.0.0/16'); // left associating
    for (let i = 0; i < 6; i++) createRouteTable(w.store, w.vpc.id, [{ key: 'Name', value: `rt-${i}` }]);
    createSecurityGroup(w.store, {
      vpcId: w.vpc.id,
      name: 'eks-cluster-sg',
      description: 'EKS created security group',
      tags: [{ key: 'Name', value: 'eks-cluster-sg' }],
    });
    createSecurityGroup(w.store, { vpcId: w.vpc.id, name: 'eks-nodes', description: 'nodes' });
  });

  const subnetCidrs = async (Filters: Filter[]): Promise<(string | undefined)[]> =>
    (await w.client.send(new DescribeSubnetsCommand({ Filters }))).Subnets?.map((s) => s.CidrBlock) ?? [];

  it('tag:<key> with * and ? wildcards', async () => {
    assert.equal((await subnetCidrs([{ Name: 'tag:Name', Values: ['eks*'] }])).length, 12);
    assert.deepEqual(await subnetCidrs([{ Name: 'tag:Name', Values: ['eks-?-1'] }]), ['10.0.1.0/24']);
    assert.deepEqual(await subnetCidrs([{ Name: 'tag:Name', Values: ['eks-c-*', 'eks-a-0'] }]), [
      '10.0.0.0/24',
      '10.0.2.0/24',
      '10.0.5.0/24',
      '10.0.8.0/24',
      '10.0.11.0/24',
    ]);
    assert.deepEqual(await subnetCidrs([{ Name: 'tag:Name', Values: ['eks-?-1?'] }]), ['10.0.10.0/24', '10.0.11.0/24']);
    assert.deepEqual(await subnetCidrs([{ Name: 'tag:Name', Values: ['EKS*'] }]), [], 'case-sensitive');
  });

  it('tag-key, tag-value and AND across filters', async () => {
    assert.equal((await subnetCidrs([{ Name: 'tag-key', Values: ['kubernetes.io/role/*'] }])).length, 6);
    assert.deepEqual(await subnetCidrs([{ Name: 'tag-value', Values: ['eks-b-4'] }]), ['10.0.4.0/24']);
    assert.deepEqual(
      await subnetCidrs([
        { Name: 'tag:kubernetes.io/role/cni', Values: ['1'] },
        { Name: 'availability-zone', Values: ['us-west-2b'] },
        { Name: 'vpc-id', Values: [w.vpc.id] },
      ]),
      ['10.0.4.0/24', '10.0.10.0/24'],
    );
  });

  it('subnet fields, including the cidr aliases EC2 accepts', async () => {
    for (const name of ['cidr-block', 'cidr', 'cidrBlock'])
      assert.deepEqual(await subnetCidrs([{ Name: name, Values: ['10.0.3.*'] }]), ['10.0.3.0/24']);
    assert.deepEqual(await subnetCidrs([{ Name: 'subnet-id', Values: [subnetIds[7] ?? ''] }]), ['10.0.7.0/24']);
    assert.equal((await subnetCidrs([{ Name: 'availability-zone-id', Values: ['usw2-az3'] }])).length, 4);
    assert.deepEqual(await subnetCidrs([{ Name: 'default-for-az', Values: ['true'] }]), ['10.0.0.0/24']);
    assert.equal((await subnetCidrs([{ Name: 'state', Values: ['available'] }])).length, 12);
    assert.equal((await subnetCidrs([{ Name: 'available-ip-address-count', Values: ['251'] }])).length, 12);
    const { Subnets } = await w.client.send(new DescribeSubnetsCommand({ SubnetIds: [subnetIds[0] ?? ''] }));
    assert.equal(Subnets?.[0]?.DefaultForAz, true);
  });

  it('DescribeVpcs filters', async () => {
    const ids = async (Filters: Filter[]): Promise<(string | undefined)[]> =>
      (await w.client.send(new DescribeVpcsCommand({ Filters }))).Vpcs?.map((v) => v.VpcId) ?? [];
    assert.deepEqual(await ids([{ Name: 'tag:Name', Values: ['eks-*'] }]), [w.vpc.id]);
    assert.deepEqual(await ids([{ Name: 'cidr', Values: ['172.16.0.0/16'] }]), [otherVpcId]);
    assert.deepEqual(await ids([{ Name: 'cidr', Values: ['100.64.0.0/16'] }]), [], 'cidr is the primary block only');
    assert.deepEqual(await ids([{ Name: 'cidr-block-association.cidr-block', Values: ['100.64.0.0/16'] }]), [w.vpc.id]);
    assert.deepEqual(await ids([{ Name: 'cidr-block-association.state', Values: ['associating'] }]), [w.vpc.id]);
    assert.deepEqual(await ids([{ Name: 'is-default', Values: ['true'] }]), [otherVpcId]);
    assert.deepEqual(
      await ids([
        { Name: 'state', Values: ['available'] },
        { Name: 'tag-key', Values: ['Name'] },
      ]),
      [w.vpc.id, otherVpcId],
    );
    assert.deepEqual(await ids([{ Name: 'vpc-id', Values: [otherVpcId] }]), [otherVpcId]);
  });

  it('DescribeSecurityGroups and DescribeRouteTables filters', async () => {
    const groups = await w.client.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['eks-*'] }] }),
    );
    assert.deepEqual(
      groups.SecurityGroups?.map((g) => g.GroupName),
      ['eks-cluster-sg', 'eks-nodes'],
    );
    const byDescription = await w.client.send(
      new DescribeSecurityGroupsCommand({
        Filters: [
          { Name: 'description', Values: ['EKS created*'] },
          { Name: 'tag:Name', Values: ['eks-cluster-sg'] },
        ],
      }),
    );
    assert.deepEqual(
      byDescription.SecurityGroups?.map((g) => g.GroupName),
      ['eks-cluster-sg'],
    );
    const inOther = await w.client.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [otherVpcId] }] }),
    );
    assert.deepEqual(
      inOther.SecurityGroups?.map((g) => g.GroupName),
      ['default'],
    );

    const tables = await w.client.send(
      new DescribeRouteTablesCommand({
        Filters: [
          { Name: 'tag:Name', Values: ['rt-?'] },
          { Name: 'vpc-id', Values: [w.vpc.id] },
        ],
      }),
    );
    assert.equal(tables.RouteTables?.length, 6);
    const rt = createRouteTable(w.store, w.vpc.id);
    associateRouteTable(w.store, rt.id, subnetIds[11] ?? '');
    const associated = await w.client.send(
      new DescribeRouteTablesCommand({
        Filters: [
          { Name: 'association.route-table-id', Values: ['rtb-*'] },
          { Name: 'vpc-id', Values: [w.vpc.id] },
        ],
      }),
    );
    assert.deepEqual(
      associated.RouteTables?.map((t) => t.RouteTableId),
      [mainRouteTable(w.store, w.vpc.id).id, rt.id],
    );
    const notMain = await w.client.send(
      new DescribeRouteTablesCommand({ Filters: [{ Name: 'association.main', Values: ['false'] }] }),
    );
    assert.deepEqual(
      notMain.RouteTables?.map((t) => t.RouteTableId),
      [rt.id],
    );
    const local = await w.client.send(
      new DescribeRouteTablesCommand({
        Filters: [{ Name: 'route.destination-cidr-block', Values: ['100.64.0.0/16'] }],
      }),
    );
    assert.equal(local.RouteTables?.length, 8, 'main + 6 + 1 tables of the VPC all have the new local route');
  });

  it('MaxResults=5 pages with NextToken until the last page, which has none', async () => {
    const seen: string[] = [];
    const tokens = new Set<string>();
    let token: string | undefined;
    let pages = 0;
    do {
      const out = await w.client.send(
        new DescribeSubnetsCommand({ MaxResults: 5, ...(token === undefined ? {} : { NextToken: token }) }),
      );
      pages += 1;
      assert.ok((out.Subnets?.length ?? 0) <= 5);
      seen.push(...(out.Subnets ?? []).map((s) => s.SubnetId ?? ''));
      token = out.NextToken;
      if (token !== undefined) {
        assert.ok(!tokens.has(token), 'tokens never repeat');
        tokens.add(token);
      }
    } while (token !== undefined);
    assert.equal(pages, 3);
    assert.deepEqual(seen, subnetIds);

    const viaPaginator: string[] = [];
    for await (const page of paginateDescribeSubnets(
      { client: w.client, pageSize: 5 },
      { Filters: [{ Name: 'tag:Name', Values: ['eks*'] }] },
    )) {
      viaPaginator.push(...(page.Subnets ?? []).map((s) => s.SubnetId ?? ''));
    }
    assert.deepEqual(viaPaginator, subnetIds);
  });

  it('pages every Describe* that pages', async () => {
    const vpcs = await w.client.send(new DescribeVpcsCommand({ MaxResults: 5 }));
    assert.equal(vpcs.Vpcs?.length, 2);
    assert.equal(vpcs.NextToken, undefined);
    const tables = await w.client.send(new DescribeRouteTablesCommand({ MaxResults: 5 }));
    assert.equal(tables.RouteTables?.length, 5);
    const rest = await w.client.send(new DescribeRouteTablesCommand({ MaxResults: 100, NextToken: tables.NextToken }));
    assert.equal((rest.RouteTables?.length ?? 0) + 5, w.store.routeTables.size);
    const groups = await w.client.send(new DescribeSecurityGroupsCommand({ MaxResults: 5 }));
    assert.equal(groups.SecurityGroups?.length, 4);
    const tags = await w.client.send(new DescribeTagsCommand({ MaxResults: 5 }));
    assert.equal(tags.Tags?.length, 5);
    assert.ok(tags.NextToken !== undefined);
  });

  const badPaging: [string, () => Promise<unknown>, string, RegExp][] = [
    [
      'MaxResults below 5',
      () => w.client.send(new DescribeSubnetsCommand({ MaxResults: 4 })),
      'InvalidParameterValue',
      /between 5 and 1000/,
    ],
    [
      'MaxResults above 1000',
      () => w.client.send(new DescribeVpcsCommand({ MaxResults: 1001 })),
      'InvalidParameterValue',
      /between 5 and 1000/,
    ],
    [
      'route tables above 100',
      () => w.client.send(new DescribeRouteTablesCommand({ MaxResults: 101 })),
      'InvalidParameterValue',
      /between 5 and 100\./,
    ],
    [
      'a garbage token',
      () => w.client.send(new DescribeSubnetsCommand({ NextToken: 'garbage' })),
      'InvalidNextToken',
      /^The token 'garbage' is invalid\.$/,
    ],
  ];
  for (const [title, call, code, message] of badPaging) {
    it(`${title} → ${code}`, async () => {
      const failure = await sdkFailure(call());
      assert.equal(failure.name, code);
      assert.match(failure.message, message);
      assert.equal(failure.status, 400);
    });
  }

  it("another operation's token → InvalidNextToken", async () => {
    const { NextToken } = await w.client.send(new DescribeSubnetsCommand({ MaxResults: 5 }));
    const failure = await sdkFailure(w.client.send(new DescribeVpcsCommand({ NextToken })));
    assert.equal(failure.name, 'InvalidNextToken');
  });
});
