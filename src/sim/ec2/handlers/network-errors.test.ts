import * as assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  AssociateRouteTableCommand,
  AssociateVpcCidrBlockCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  DescribeAvailabilityZonesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import { associateRouteTable, createRouteTable } from '../../state/ops-routes.js';
import { createSubnet } from '../../state/ops-subnet.js';
import { associateVpcCidrBlock, createVpc } from '../../state/ops-vpc.js';
import { sdkFailure, startNetworkWorld } from './network.test-util.js';
import { suiteFixture } from '../../../suite-fixture.test-util.js';

const UNKNOWN_VPC = 'vpc-0000000000000000a';
const UNKNOWN_SUBNET = 'subnet-0000000000000000a';
const UNKNOWN_RTB = 'rtb-0000000000000000a';
const UNKNOWN_SG = 'sg-0000000000000000a';

describe('network handler errors as the SDK sees them', () => {
  const w = suiteFixture(() => startNetworkWorld({ maxSubnetsPerVpc: 3 }));
  let subnetId: string;
  let rtbId: string;
  before(() => {
    subnetId = createSubnet(w.store, { vpcId: w.vpc.id, cidr: '10.0.1.0/24', availabilityZone: 'us-west-2a' }).id;
    rtbId = createRouteTable(w.store, w.vpc.id).id;
    associateRouteTable(w.store, rtbId, subnetId);
  });

  /** [title, call, code, message] — every call must fail with HTTP 400 and exactly this code and message. */
  const cases: [string, () => Promise<unknown>, string, string | RegExp | (() => string)][] = [
    [
      'unknown VPC id among known ones',
      () => w.client.send(new DescribeVpcsCommand({ VpcIds: [w.vpc.id, UNKNOWN_VPC] })),
      'InvalidVpcID.NotFound',
      `The vpc ID '${UNKNOWN_VPC}' does not exist`,
    ],
    [
      'malformed VPC id',
      () => w.client.send(new DescribeVpcsCommand({ VpcIds: ['vpc-xyz'] })),
      'InvalidVpcID.Malformed',
      'Invalid id: "vpc-xyz" (expecting "vpc-...")',
    ],
    [
      'unknown subnet id',
      () => w.client.send(new DescribeSubnetsCommand({ SubnetIds: [subnetId, UNKNOWN_SUBNET] })),
      'InvalidSubnetID.NotFound',
      `The subnet ID '${UNKNOWN_SUBNET}' does not exist`,
    ],
    [
      'malformed subnet id',
      () => w.client.send(new DescribeSubnetsCommand({ SubnetIds: ['subnet-1'] })),
      'InvalidSubnetID.Malformed',
      'Invalid id: "subnet-1" (expecting "subnet-...")',
    ],
    [
      'unknown route table',
      () => w.client.send(new DescribeRouteTablesCommand({ RouteTableIds: [UNKNOWN_RTB] })),
      'InvalidRouteTableID.NotFound',
      `The routeTable ID '${UNKNOWN_RTB}' does not exist`,
    ],
    [
      'malformed route table',
      () => w.client.send(new DescribeRouteTablesCommand({ RouteTableIds: ['rtb-509F1528'] })),
      'InvalidRouteTableID.Malformed',
      'Invalid id: "rtb-509F1528" (expecting "rtb-...")',
    ],
    [
      'unknown group id',
      () => w.client.send(new DescribeSecurityGroupsCommand({ GroupIds: [UNKNOWN_SG] })),
      'InvalidGroup.NotFound',
      `The security group '${UNKNOWN_SG}' does not exist`,
    ],
    [
      'unknown group name',
      () => w.client.send(new DescribeSecurityGroupsCommand({ GroupNames: ['nope'] })),
      'InvalidGroup.NotFound',
      "The security group 'nope' does not exist",
    ],
    [
      'malformed group id',
      () => w.client.send(new DescribeSecurityGroupsCommand({ GroupIds: ['default'] })),
      'InvalidGroupId.Malformed',
      'Invalid id: "default" (expecting "sg-...")',
    ],
    [
      'unknown filter',
      () => w.client.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'colour', Values: ['x'] }] })),
      'InvalidParameterValue',
      "The filter 'colour' is invalid",
    ],
    [
      'tag filter on zones',
      () => w.client.send(new DescribeAvailabilityZonesCommand({ Filters: [{ Name: 'tag:Name', Values: ['x'] }] })),
      'InvalidParameterValue',
      "The filter 'tag:Name' is invalid",
    ],
    [
      'unknown zone name',
      () => w.client.send(new DescribeAvailabilityZonesCommand({ ZoneNames: ['us-west-2z'] })),
      'InvalidParameterValue',
      'Invalid availability zone: [us-west-2z]',
    ],
    [
      'VPC block too large',
      () => w.client.send(new AssociateVpcCidrBlockCommand({ VpcId: w.vpc.id, CidrBlock: '10.0.0.0/8' })),
      'InvalidVpc.Range',
      "The CIDR '10.0.0.0/8' is invalid.",
    ],
    [
      'VPC block restricted',
      () => w.client.send(new AssociateVpcCidrBlockCommand({ VpcId: w.vpc.id, CidrBlock: '192.168.0.0/16' })),
      'InvalidVpc.Range',
      /^The CIDR '192\.168\.0\.0\/16' is restricted\./,
    ],
    [
      'VPC block overlapping',
      () => w.client.send(new AssociateVpcCidrBlockCommand({ VpcId: w.vpc.id, CidrBlock: '10.0.0.0/20' })),
      'InvalidVpc.Range',
      /^The CIDR '10\.0\.0\.0\/20' conflicts with/,
    ],
    [
      'VPC block not a CIDR',
      () => w.client.send(new AssociateVpcCidrBlockCommand({ VpcId: w.vpc.id, CidrBlock: '100.64.0.0/33' })),
      'InvalidParameterValue',
      'Value (100.64.0.0/33) for parameter cidrBlock is invalid. This is not a valid CIDR block.',
    ],
    [
      'VPC block on unknown VPC',
      () => w.client.send(new AssociateVpcCidrBlockCommand({ VpcId: UNKNOWN_VPC, CidrBlock: '100.64.0.0/16' })),
      'InvalidVpcID.NotFound',
      `The vpc ID '${UNKNOWN_VPC}' does not exist`,
    ],
    [
      'IPv6 block',
      () => w.client.send(new AssociateVpcCidrBlockCommand({ VpcId: w.vpc.id, AmazonProvidedIpv6CidrBlock: true })),
      'UnsupportedOperation',
      /AmazonProvidedIpv6CidrBlock/,
    ],
    [
      'subnet outside the VPC',
      () =>
        w.client.send(
          new CreateSubnetCommand({ VpcId: w.vpc.id, CidrBlock: '10.30.1.0/24', AvailabilityZone: 'us-west-2a' }),
        ),
      'InvalidSubnet.Range',
      "The CIDR '10.30.1.0/24' is invalid.",
    ],
    [
      'subnet too small',
      () =>
        w.client.send(
          new CreateSubnetCommand({ VpcId: w.vpc.id, CidrBlock: '10.0.2.0/29', AvailabilityZone: 'us-west-2a' }),
        ),
      'InvalidSubnet.Range',
      "The CIDR '10.0.2.0/29' is invalid.",
    ],
    [
      'subnet overlapping',
      () =>
        w.client.send(
          new CreateSubnetCommand({ VpcId: w.vpc.id, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-west-2b' }),
        ),
      'InvalidSubnet.Conflict',
      "The CIDR '10.0.1.0/24' conflicts with another subnet",
    ],
    [
      'subnet in a bad zone',
      () =>
        w.client.send(
          new CreateSubnetCommand({ VpcId: w.vpc.id, CidrBlock: '10.0.2.0/24', AvailabilityZone: 'us-west-2d' }),
        ),
      'InvalidParameterValue',
      'Value (us-west-2d) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: us-west-2a, us-west-2b, us-west-2c.',
    ],
    [
      'subnet with zone and zone id',
      () =>
        w.client.send(
          new CreateSubnetCommand({
            VpcId: w.vpc.id,
            CidrBlock: '10.0.2.0/24',
            AvailabilityZone: 'us-west-2a',
            AvailabilityZoneId: 'usw2-az1',
          }),
        ),
      'InvalidParameterCombination',
      /availabilityZoneId/,
    ],
    [
      'subnet without a block',
      () => w.client.send(new CreateSubnetCommand({ VpcId: w.vpc.id, AvailabilityZone: 'us-west-2a' })),
      'MissingParameter',
      'The request must contain the parameter CidrBlock',
    ],
    [
      'subnet in a malformed VPC',
      () => w.client.send(new CreateSubnetCommand({ VpcId: 'vpc-1', CidrBlock: '10.0.2.0/24' })),
      'InvalidVpcID.Malformed',
      'Invalid id: "vpc-1" (expecting "vpc-...")',
    ],
    [
      'subnet tagged as a VPC',
      () =>
        w.client.send(
          new CreateSubnetCommand({
            VpcId: w.vpc.id,
            CidrBlock: '10.0.2.0/24',
            TagSpecifications: [{ ResourceType: 'vpc', Tags: [{ Key: 'a', Value: 'b' }] }],
          }),
        ),
      'InvalidParameterValue',
      "'vpc' is not a valid taggable resource type for this operation.",
    ],
    [
      'second explicit association',
      () => w.client.send(new AssociateRouteTableCommand({ RouteTableId: rtbId, SubnetId: subnetId })),
      'Resource.AlreadyAssociated',
      /^the specified association for route table rtb-[0-9a-f]{17} conflicts with an existing association/,
    ],
    [
      'association with an unknown subnet',
      () => w.client.send(new AssociateRouteTableCommand({ RouteTableId: rtbId, SubnetId: UNKNOWN_SUBNET })),
      'InvalidSubnetID.NotFound',
      `The subnet ID '${UNKNOWN_SUBNET}' does not exist`,
    ],
    [
      'association with an unknown table',
      () => w.client.send(new AssociateRouteTableCommand({ RouteTableId: UNKNOWN_RTB, SubnetId: subnetId })),
      'InvalidRouteTableID.NotFound',
      `The routeTable ID '${UNKNOWN_RTB}' does not exist`,
    ],
    [
      'route table in an unknown VPC',
      () => w.client.send(new CreateRouteTableCommand({ VpcId: UNKNOWN_VPC })),
      'InvalidVpcID.NotFound',
      `The vpc ID '${UNKNOWN_VPC}' does not exist`,
    ],
    [
      'duplicate group name',
      () => w.client.send(new CreateSecurityGroupCommand({ VpcId: w.vpc.id, GroupName: 'default', Description: 'x' })),
      'InvalidGroup.Duplicate',
      () => `The security group 'default' already exists for VPC '${w.vpc.id}'`,
    ],
    [
      'group without a VPC and no default VPC',
      () => w.client.send(new CreateSecurityGroupCommand({ GroupName: 'x', Description: 'x' })),
      'VPCIdNotSpecified',
      'No default VPC for this user',
    ],
  ];

  for (const [title, command, code, message] of cases) {
    it(`${title} → ${code}`, async () => {
      const failure = await sdkFailure(command());
      assert.equal(failure.name, code);
      const expected = typeof message === 'function' ? message() : message;
      if (typeof expected === 'string') assert.equal(failure.message, expected);
      else assert.match(failure.message, expected);
      assert.equal(failure.status, 400);
    });
  }

  it('association across VPCs → InvalidParameterValue', async () => {
    const other = createVpc(w.store, { cidr: '10.9.0.0/16' });
    const foreign = createRouteTable(w.store, other.id);
    const failure = await sdkFailure(
      w.client.send(new AssociateRouteTableCommand({ RouteTableId: foreign.id, SubnetId: subnetId })),
    );
    assert.deepEqual(failure, {
      name: 'InvalidParameterValue',
      message: `Route table ${foreign.id} and subnet ${subnetId} belong to different networks`,
      status: 400,
    });
  });

  it('the sixth VPC block → CidrLimitExceeded', async () => {
    const vpc = createVpc(w.store, { cidr: '10.20.0.0/16' });
    for (let i = 0; i < 4; i++) associateVpcCidrBlock(w.store, vpc.id, `100.${64 + i}.0.0/16`);
    const failure = await sdkFailure(
      w.client.send(new AssociateVpcCidrBlockCommand({ VpcId: vpc.id, CidrBlock: '100.70.0.0/16' })),
    );
    assert.deepEqual(failure, {
      name: 'CidrLimitExceeded',
      message: `This network '${vpc.id}' has met its maximum number of allowed CIDRs: 5`,
      status: 400,
    });
  });

  it('subnets beyond the quota → SubnetLimitExceeded', async () => {
    const vpc = createVpc(w.store, { cidr: '10.30.0.0/16' });
    for (let i = 0; i < 3; i++) createSubnet(w.store, { vpcId: vpc.id, cidr: `10.30.${i}.0/24` });
    const failure = await sdkFailure(
      w.client.send(new CreateSubnetCommand({ VpcId: vpc.id, CidrBlock: '10.30.9.0/24' })),
    );
    assert.equal(failure.name, 'SubnetLimitExceeded');
    assert.equal(failure.status, 400);
  });

  it('DryRun on a create → DryRunOperation (412) and nothing is created', async () => {
    const before = w.store.subnets.size;
    const failure = await sdkFailure(
      w.client.send(new CreateSubnetCommand({ VpcId: w.vpc.id, CidrBlock: '10.0.7.0/24', DryRun: true })),
    );
    assert.deepEqual(failure, {
      name: 'DryRunOperation',
      message: 'Request would have succeeded, but DryRun flag is set.',
      status: 412,
    });
    assert.equal(w.store.subnets.size, before);
  });
});
