// The network half of the EC2 adapter (network.ts) on the embedded VPC: what the custom-networking workflow reads
// and changes, through the same client, call path and mapping as ipamd's ENI operations.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { isCloudError } from '../errors.js';
import { tagFilters, type Ec2Filter } from './port.js';
import { startCloudFixture } from './sim-fixture.test-util.js';
import { suiteFixture } from '../../suite-fixture.test-util.js';

const inVpc = (vpcId: string): Ec2Filter => ({ name: 'vpc-id', values: [vpcId] });

describe('Ec2VpcApi on the embedded VPC', () => {
  const fx = suiteFixture(() => startCloudFixture());

  it('finds the VPC by tag and by id; an unknown id fails the call as EC2 does, no id asks nothing', async () => {
    const ec2 = fx.ec2();
    const [vpc, other] = await ec2.findVpcs(tagFilters({ Name: 'eksworkshop' }));
    assert.equal(other, undefined);
    assert.ok(vpc);
    assert.equal(vpc.cidr, '10.11.0.0/16');
    assert.deepEqual(
      vpc.cidrBlocks.map((b) => [b.cidr, b.state]),
      [['10.11.0.0/16', 'associated']],
    );
    assert.deepEqual(await ec2.describeVpcs([vpc.id]), [vpc]);
    await assert.rejects(
      ec2.describeVpcs(['vpc-0123456789abcdef0']),
      (error) => isCloudError(error, 'CLOUD_NOT_FOUND') && error.details.awsCode === 'InvalidVpcID.NotFound',
    );
    const calls = fx.records.length;
    assert.deepEqual(await ec2.describeVpcs([]), []);
    assert.equal(fx.records.length, calls);
  });

  it('a filter with no values matches nothing and sends nothing', async () => {
    const ec2 = fx.ec2();
    const calls = fx.records.length;
    assert.deepEqual(await ec2.describeSubnets([{ name: 'subnet-id', values: [] }]), []);
    assert.deepEqual(await ec2.describeSecurityGroups([{ name: 'group-id', values: [] }]), []);
    assert.equal(fx.records.length, calls);
    const groups = await ec2.describeSecurityGroups([
      { name: 'group-id', values: [...fx.node.groups, 'sg-00000000000000009'] },
    ]);
    assert.deepEqual(groups.map((g) => g.id).sort(), [...fx.node.groups].sort());
  });

  it('reads the nodes, route tables and zones the plan starts from', async () => {
    const ec2 = fx.ec2();
    const [vpc] = await ec2.findVpcs(tagFilters({ Name: 'eksworkshop' }));
    assert.ok(vpc);
    const nodes = await ec2.describeInstances([
      inVpc(vpc.id),
      { name: 'instance-state-name', values: ['pending', 'running'] },
    ]);
    const node = nodes.find((n) => n.id === fx.node.instanceId);
    assert.ok(node);
    assert.equal(node.privateIp, '10.11.16.31');
    assert.equal(node.privateDnsName, 'ip-10-11-16-31.ap-northeast-2.compute.internal');
    assert.equal(node.availabilityZone, 'ap-northeast-2a');
    assert.equal(node.subnetId, fx.node.subnetId);
    assert.deepEqual([...node.securityGroups].sort(), [...fx.node.groups].sort());
    assert.equal(node.state, 'running');

    // The client's page size is 1000; DescribeRouteTables takes at most 100, which the adapter respects.
    const tables = await ec2.describeRouteTables([inVpc(vpc.id)]);
    assert.equal(tables.filter((t) => t.main).length, 1);
    assert.ok(tables.every((t) => t.vpcId === vpc.id));
    assert.ok(tables.some((t) => t.subnetIds.includes(fx.node.subnetId)));

    const zones = await ec2.describeAvailabilityZones();
    assert.deepEqual(zones, [...zones].sort());
    assert.ok(zones.includes('ap-northeast-2a'));
  });

  it('associates a block, creates a tagged subnet in it and associates it with a route table', async () => {
    const ec2 = fx.ec2();
    const [vpc] = await ec2.findVpcs(tagFilters({ Name: 'eksworkshop' }));
    assert.ok(vpc);
    const block = await ec2.associateVpcCidrBlock(vpc.id, '100.64.0.0/16');
    assert.match(block.associationId, /^vpc-cidr-assoc-/);
    assert.equal(block.cidr, '100.64.0.0/16');
    fx.clock.advance(60_000);
    const [after] = await ec2.describeVpcs([vpc.id]);
    assert.equal(after?.cidrBlocks.find((b) => b.cidr === '100.64.0.0/16')?.state, 'associated');

    const subnet = await ec2.createSubnet({
      vpcId: vpc.id,
      cidr: '100.64.0.0/19',
      availabilityZone: 'ap-northeast-2a',
      tags: { Name: 'eksworkshop-pod-ap-northeast-2a' },
    });
    assert.match(subnet.id, /^subnet-/);
    assert.equal(subnet.availabilityZone, 'ap-northeast-2a');
    assert.deepEqual(subnet.tags, { Name: 'eksworkshop-pod-ap-northeast-2a' });
    await ec2.createTags([subnet.id], { 'kubernetes.io/cluster/eksworkshop': 'shared' });
    const tagged = await ec2.describeSubnets(tagFilters({ 'kubernetes.io/cluster/eksworkshop': 'shared' }));
    assert.deepEqual(tagged.find((s) => s.id === subnet.id)?.tags, {
      Name: 'eksworkshop-pod-ap-northeast-2a',
      'kubernetes.io/cluster/eksworkshop': 'shared',
    });

    const table = (await ec2.describeRouteTables([inVpc(vpc.id)])).find((t) => !t.main);
    assert.ok(table);
    assert.match(await ec2.associateRouteTable(table.id, subnet.id), /^rtbassoc-/);
    const again = (await ec2.describeRouteTables([inVpc(vpc.id)])).find((t) => t.id === table.id);
    assert.ok(again?.subnetIds.includes(subnet.id));
  });
});
