/**
 * {@link CustomNetworkingEc2} on the AWS SDK v3 EC2 client. Every request goes through the cloud adapter's call path
 * (src/cloud/ec2/call.ts): throttling and transient failures are retried with jittered back-off, and a failure
 * becomes a CloudError that names EC2's code. Endpoint, region and credentials are options, so the same client
 * talks to EC2 or to the embedded VPC on 127.0.0.1.
 *
 * @example
 * const ec2 = createCustomNetworkingEc2({ endpoint: sim.ec2Url, region: 'ap-northeast-2', clock: systemClock });
 * const [vpc] = await ec2.describeVpcs({ tags: { Name: 'eksworkshop' } });
 * ec2.destroy();
 */
import {
  AssociateRouteTableCommand,
  AssociateVpcCidrBlockCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  DescribeAvailabilityZonesCommand,
  DescribeInstancesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type EC2ClientConfig,
  type Filter,
  type Subnet,
  type Tag,
} from '@aws-sdk/client-ec2';
import type { Clock } from '../ipam/clock.js';
import { createCallPath, type Ec2Call } from '../cloud/ec2/call.js';
import { DEFAULT_EC2_RETRY, realSleep, type Sleep } from '../cloud/ec2/retry.js';
import type {
  CustomNetworkingEc2,
  InstanceInfo,
  InstanceQuery,
  RouteTableInfo,
  SecurityGroupInfo,
  SubnetInfo,
  SubnetQuery,
  Tags,
  VpcCidrBlock,
  VpcInfo,
  VpcQuery,
} from './ec2-types.js';

export interface CustomNetworkingEc2Options {
  /** `http://127.0.0.1:PORT` for the embedded VPC; EC2's regional endpoint when absent. */
  readonly endpoint?: string;
  readonly region: string;
  /** The SDK's default provider chain when absent. */
  readonly credentials?: EC2ClientConfig['credentials'];
  readonly clock: Clock;
  readonly sleep?: Sleep;
  /** Attempts per call, the first included (default 6). */
  readonly maxAttempts?: number;
}

const tagsOf = (tags: readonly Tag[] | undefined): Tags =>
  Object.fromEntries((tags ?? []).flatMap((t) => (t.Key === undefined ? [] : [[t.Key, t.Value ?? '']])));

const toSdkTags = (tags: Tags): Tag[] => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

function tagFilters(tags: Readonly<Record<string, string | undefined>> | undefined): Filter[] {
  return Object.entries(tags ?? {}).map(([key, value]) =>
    value === undefined ? { Name: 'tag-key', Values: [key] } : { Name: `tag:${key}`, Values: [value] },
  );
}

function toSubnet(s: Subnet): SubnetInfo {
  return {
    id: s.SubnetId ?? '',
    vpcId: s.VpcId ?? '',
    cidr: s.CidrBlock ?? '',
    availabilityZone: s.AvailabilityZone ?? '',
    availableIpAddressCount: s.AvailableIpAddressCount ?? 0,
    tags: tagsOf(s.Tags),
  };
}

/** Follows NextToken until the last page. */
async function allPages<P, T>(
  fetch: (token: string | undefined) => Promise<P & { NextToken?: string | undefined }>,
  items: (page: P) => T[],
): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const page = await fetch(token);
    out.push(...items(page));
    token = page.NextToken === '' ? undefined : page.NextToken;
  } while (token !== undefined);
  return out;
}

/**
 * Builds the adapter; see the module comment.
 *
 * @example
 * const ec2 = createCustomNetworkingEc2({ endpoint: 'http://127.0.0.1:4566', region: 'ap-northeast-2', clock: systemClock });
 */
export function createCustomNetworkingEc2(options: CustomNetworkingEc2Options): CustomNetworkingEc2 {
  const client = new EC2Client({
    region: options.region,
    maxAttempts: 1,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
  });
  const call = createCallPath({
    clock: options.clock,
    sleep: options.sleep ?? realSleep,
    retry: { ...DEFAULT_EC2_RETRY, maxAttempts: options.maxAttempts ?? 6 },
  });
  return new SdkCustomNetworkingEc2(client, call);
}

class SdkCustomNetworkingEc2 implements CustomNetworkingEc2 {
  constructor(
    private readonly client: EC2Client,
    private readonly call: Ec2Call,
  ) {}

  destroy(): void {
    this.client.destroy();
  }

  describeVpcs(query: VpcQuery): Promise<VpcInfo[]> {
    const input = { ...(query.ids === undefined ? {} : { VpcIds: [...query.ids] }), Filters: tagFilters(query.tags) };
    return allPages(
      (NextToken) =>
        this.call('DescribeVpcs', () => this.client.send(new DescribeVpcsCommand({ ...input, NextToken }))),
      (page) =>
        (page.Vpcs ?? []).map((v) => ({
          id: v.VpcId ?? '',
          cidr: v.CidrBlock ?? '',
          cidrBlocks: (v.CidrBlockAssociationSet ?? []).map((a) => ({
            associationId: a.AssociationId ?? '',
            cidr: a.CidrBlock ?? '',
            state: a.CidrBlockState?.State ?? 'associated',
          })),
          tags: tagsOf(v.Tags),
        })),
    );
  }

  async describeSubnets(query: SubnetQuery): Promise<SubnetInfo[]> {
    if (query.ids?.length === 0) return [];
    const Filters = [
      ...(query.vpcId === undefined ? [] : [{ Name: 'vpc-id', Values: [query.vpcId] }]),
      ...(query.ids === undefined ? [] : [{ Name: 'subnet-id', Values: [...query.ids] }]),
      ...tagFilters(query.tags),
    ];
    return allPages(
      (NextToken) =>
        this.call('DescribeSubnets', () => this.client.send(new DescribeSubnetsCommand({ Filters, NextToken }))),
      (page) => (page.Subnets ?? []).map(toSubnet),
    );
  }

  describeInstances(query: InstanceQuery): Promise<InstanceInfo[]> {
    const Filters = [
      ...(query.vpcId === undefined ? [] : [{ Name: 'vpc-id', Values: [query.vpcId] }]),
      { Name: 'instance-state-name', Values: ['pending', 'running'] },
      ...tagFilters(query.tags),
    ];
    return allPages(
      (NextToken) =>
        this.call('DescribeInstances', () => this.client.send(new DescribeInstancesCommand({ Filters, NextToken }))),
      (page) =>
        (page.Reservations ?? [])
          .flatMap((r) => r.Instances ?? [])
          .map((i) => {
            const primary = (i.NetworkInterfaces ?? []).find(
              (n) => n.Attachment?.DeviceIndex === 0 && (n.Attachment.NetworkCardIndex ?? 0) === 0,
            );
            const groups = (primary?.Groups ?? i.SecurityGroups ?? []).flatMap((g) =>
              g.GroupId === undefined ? [] : [g.GroupId],
            );
            return {
              id: i.InstanceId ?? '',
              instanceType: i.InstanceType ?? '',
              availabilityZone: i.Placement?.AvailabilityZone ?? '',
              subnetId: i.SubnetId ?? '',
              vpcId: i.VpcId ?? '',
              privateIp: i.PrivateIpAddress ?? '',
              privateDnsName: i.PrivateDnsName ?? '',
              securityGroups: groups,
              state: i.State?.Name ?? '',
              tags: tagsOf(i.Tags),
            };
          }),
    );
  }

  describeRouteTables(vpcId: string): Promise<RouteTableInfo[]> {
    const Filters = [{ Name: 'vpc-id', Values: [vpcId] }];
    return allPages(
      (NextToken) =>
        this.call('DescribeRouteTables', () =>
          this.client.send(new DescribeRouteTablesCommand({ Filters, NextToken, MaxResults: 100 })),
        ),
      (page) =>
        (page.RouteTables ?? []).map((t) => ({
          id: t.RouteTableId ?? '',
          vpcId: t.VpcId ?? '',
          main: (t.Associations ?? []).some((a) => a.Main === true),
          subnetIds: (t.Associations ?? []).flatMap((a) =>
            a.SubnetId === undefined || a.Main === true ? [] : [a.SubnetId],
          ),
        })),
    );
  }

  async describeSecurityGroups(ids: readonly string[]): Promise<SecurityGroupInfo[]> {
    if (ids.length === 0) return [];
    const Filters = [{ Name: 'group-id', Values: [...ids] }];
    return allPages(
      (NextToken) =>
        this.call('DescribeSecurityGroups', () =>
          this.client.send(new DescribeSecurityGroupsCommand({ Filters, NextToken })),
        ),
      (page) =>
        (page.SecurityGroups ?? []).map((g) => ({
          id: g.GroupId ?? '',
          vpcId: g.VpcId ?? '',
          name: g.GroupName ?? '',
        })),
    );
  }

  async describeAvailabilityZones(): Promise<string[]> {
    const out = await this.call(
      'DescribeAvailabilityZones',
      () => this.client.send(new DescribeAvailabilityZonesCommand({})),
      { shape: 'unfiltered' },
    );
    return (out.AvailabilityZones ?? []).flatMap((z) => (z.ZoneName === undefined ? [] : [z.ZoneName])).sort();
  }

  async associateVpcCidrBlock(vpcId: string, cidr: string): Promise<VpcCidrBlock> {
    const out = await this.call('AssociateVpcCidrBlock', () =>
      this.client.send(new AssociateVpcCidrBlockCommand({ VpcId: vpcId, CidrBlock: cidr })),
    );
    const a = out.CidrBlockAssociation;
    return {
      associationId: a?.AssociationId ?? '',
      cidr: a?.CidrBlock ?? cidr,
      state: a?.CidrBlockState?.State ?? 'associating',
    };
  }

  async createSubnet(request: {
    vpcId: string;
    cidr: string;
    availabilityZone: string;
    tags: Tags;
  }): Promise<SubnetInfo> {
    const out = await this.call('CreateSubnet', () =>
      this.client.send(
        new CreateSubnetCommand({
          VpcId: request.vpcId,
          CidrBlock: request.cidr,
          AvailabilityZone: request.availabilityZone,
          // Tagged in the same call: an interrupted apply never leaves an untagged pod subnet behind.
          TagSpecifications: [{ ResourceType: 'subnet', Tags: toSdkTags(request.tags) }],
        }),
      ),
    );
    return toSubnet(out.Subnet ?? {});
  }

  async createTags(resourceId: string, tags: Tags): Promise<void> {
    await this.call('CreateTags', () =>
      this.client.send(new CreateTagsCommand({ Resources: [resourceId], Tags: toSdkTags(tags) })),
    );
  }

  async associateRouteTable(routeTableId: string, subnetId: string): Promise<string> {
    const out = await this.call('AssociateRouteTable', () =>
      this.client.send(new AssociateRouteTableCommand({ RouteTableId: routeTableId, SubnetId: subnetId })),
    );
    return out.AssociationId ?? '';
  }
}
