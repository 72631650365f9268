/**
 * The network half of the EC2 adapter: VPCs, subnets, security groups, route tables, zones, instances and tags —
 * everything but ENIs (client.ts adds those). It holds what both halves share: the SDK client, the one call path
 * (call.ts) and the pager. Every operation builds its SDK command, sends it through the call path and maps the answer
 * (map.ts); filtered Describes follow NextToken to the last page, each page one logical call.
 *
 * @example
 * const ec2 = createEc2Api({ endpoint: sim.ec2Url, region: 'ap-northeast-2', clock: systemClock }); // client.ts
 * const [vpc] = await ec2.findVpcs(tagFilters({ Name: 'eksworkshop' }));
 * const tables = await ec2.describeRouteTables([{ name: 'vpc-id', values: [vpc.id] }]);
 */
import {
  AssociateRouteTableCommand,
  AssociateVpcCidrBlockCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  DescribeAvailabilityZonesCommand,
  DescribeInstancesCommand,
  DescribeInstanceTypesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  type _InstanceType,
  type DescribeInstancesResult,
  type EC2Client,
  type Filter,
} from '@aws-sdk/client-ec2';
import type { Clock } from '../../ipam/clock.js';
import type { InstanceLimits } from '../../limits/index.js';
import { isCloudError } from '../errors.js';
import type { Ec2Call } from './call.js';
import { toInstanceLimits } from './instance-types.js';
import {
  malformed,
  toEc2Instance,
  toEc2RouteTable,
  toEc2SecurityGroup,
  toEc2Subnet,
  toEc2Vpc,
  toEc2VpcCidrBlock,
  toInstanceAttachments,
  toSdkFilters,
  toSdkTags,
} from './map.js';
import type {
  CreateSubnetRequest,
  Ec2Filter,
  Ec2Instance,
  Ec2InstanceAttachments,
  Ec2RouteTable,
  Ec2SecurityGroup,
  Ec2Subnet,
  Ec2Tags,
  Ec2Vpc,
  Ec2VpcApi,
  Ec2VpcCidrBlock,
} from './port.js';

/** What one page of a filtered Describe sends. */
export interface PageInput {
  Filters?: Filter[];
  MaxResults: number;
  NextToken?: string;
}

/** EC2's model caps DescribeRouteTables' MaxResults at 100 (the other Describes here take up to 1000). */
const ROUTE_TABLE_PAGE_MAX = 100;

/** The SDK client, the call path and the pager, with the network operations; see the module comment. */
export class SdkEc2Network implements Ec2VpcApi {
  constructor(
    protected readonly client: EC2Client,
    protected readonly call: Ec2Call,
    /** MaxResults of filtered Describes. */
    protected readonly pageSize: number,
    protected readonly clock: Clock,
  ) {}

  /** Closes idle connections; the client must not be used afterwards. */
  destroy(): void {
    this.client.destroy();
  }

  async describeInstance(instanceId: string): Promise<Ec2InstanceAttachments> {
    const api = 'DescribeInstances';
    const out = await this.call(
      api,
      () => this.client.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] })),
      { shape: 'unfiltered' },
    );
    const instance = (out.Reservations ?? [])
      .flatMap((r) => r.Instances ?? [])
      .find((i) => i.InstanceId === instanceId);
    return toInstanceAttachments(instance, instanceId, api);
  }

  describeInstances(filters: readonly Ec2Filter[]): Promise<Ec2Instance[]> {
    const send = (input: PageInput) => this.client.send(new DescribeInstancesCommand(input));
    const instances = (out: DescribeInstancesResult) => out.Reservations?.flatMap((r) => r.Instances ?? []);
    return this.describePaged('DescribeInstances', filters, send, instances, toEc2Instance);
  }

  async describeInstanceType(instanceType: string): Promise<InstanceLimits | undefined> {
    const api = 'DescribeInstanceTypes';
    try {
      // The SDK types InstanceTypes as the union of the types it was generated with: a newer one is the point here.
      const input = { InstanceTypes: [instanceType as _InstanceType] };
      const out = await this.call(api, () => this.client.send(new DescribeInstanceTypesCommand(input)));
      const info = out.InstanceTypes?.find((t) => String(t.InstanceType) === instanceType);
      return info === undefined ? undefined : toInstanceLimits(info, api);
    } catch (error) {
      if (isCloudError(error) && error.details.awsCode === 'InvalidInstanceType') return undefined;
      throw error;
    }
  }

  async describeVpcs(ids: readonly string[]): Promise<Ec2Vpc[]> {
    const api = 'DescribeVpcs';
    if (ids.length === 0) return [];
    // By ids EC2 answers in one page (no MaxResults: it cannot be combined with ids on every Describe).
    const out = await this.call(api, () => this.client.send(new DescribeVpcsCommand({ VpcIds: [...ids] })), {
      shape: 'unfiltered',
    });
    return (out.Vpcs ?? []).map((vpc) => toEc2Vpc(vpc, api));
  }

  findVpcs(filters: readonly Ec2Filter[]): Promise<Ec2Vpc[]> {
    const send = (input: PageInput) => this.client.send(new DescribeVpcsCommand(input));
    return this.describePaged('DescribeVpcs', filters, send, (out) => out.Vpcs, toEc2Vpc);
  }

  describeSubnets(filters: readonly Ec2Filter[]): Promise<Ec2Subnet[]> {
    const send = (input: PageInput) => this.client.send(new DescribeSubnetsCommand(input));
    return this.describePaged('DescribeSubnets', filters, send, (out) => out.Subnets, toEc2Subnet);
  }

  describeSecurityGroups(filters: readonly Ec2Filter[]): Promise<Ec2SecurityGroup[]> {
    const send = (input: PageInput) => this.client.send(new DescribeSecurityGroupsCommand(input));
    return this.describePaged('DescribeSecurityGroups', filters, send, (out) => out.SecurityGroups, toEc2SecurityGroup);
  }

  describeRouteTables(filters: readonly Ec2Filter[]): Promise<Ec2RouteTable[]> {
    const send = (input: PageInput) => this.client.send(new DescribeRouteTablesCommand(input));
    const pageSize = Math.min(this.pageSize, ROUTE_TABLE_PAGE_MAX);
    return this.describePaged(
      'DescribeRouteTables',
      filters,
      send,
      (out) => out.RouteTables,
      toEc2RouteTable,
      pageSize,
    );
  }

  async describeAvailabilityZones(): Promise<string[]> {
    const out = await this.call(
      'DescribeAvailabilityZones',
      () => this.client.send(new DescribeAvailabilityZonesCommand({})),
      { shape: 'unfiltered' },
    );
    return (out.AvailabilityZones ?? []).flatMap((z) => z.ZoneName ?? []).sort();
  }

  async associateVpcCidrBlock(vpcId: string, cidr: string): Promise<Ec2VpcCidrBlock> {
    const api = 'AssociateVpcCidrBlock';
    const out = await this.call(api, () =>
      this.client.send(new AssociateVpcCidrBlockCommand({ VpcId: vpcId, CidrBlock: cidr })),
    );
    return toEc2VpcCidrBlock(out.CidrBlockAssociation, api, { cidr, state: 'associating' });
  }

  async createSubnet(request: CreateSubnetRequest): Promise<Ec2Subnet> {
    const api = 'CreateSubnet';
    const tags = toSdkTags(request.tags);
    const out = await this.call(api, () =>
      this.client.send(
        new CreateSubnetCommand({
          VpcId: request.vpcId,
          CidrBlock: request.cidr,
          AvailabilityZone: request.availabilityZone,
          ...(tags.length === 0 ? {} : { TagSpecifications: [{ ResourceType: 'subnet', Tags: tags }] }),
        }),
      ),
    );
    return toEc2Subnet(out.Subnet, api);
  }

  async createTags(resourceIds: readonly string[], tags: Ec2Tags): Promise<void> {
    const sdkTags = toSdkTags(tags);
    if (resourceIds.length === 0 || sdkTags.length === 0) return;
    await this.call('CreateTags', () =>
      this.client.send(new CreateTagsCommand({ Resources: [...resourceIds], Tags: sdkTags })),
    );
  }

  async associateRouteTable(routeTableId: string, subnetId: string): Promise<string> {
    const api = 'AssociateRouteTable';
    const out = await this.call(api, () =>
      this.client.send(new AssociateRouteTableCommand({ RouteTableId: routeTableId, SubnetId: subnetId })),
    );
    if (out.AssociationId === undefined) throw malformed(api, 'an association id');
    return out.AssociationId;
  }

  /**
   * Every match of a filtered Describe, mapped: `send` sends one page, `items` finds the page's items in the answer,
   * `map` maps each (once every page is in). Each page is one logical call (one token, one observation). A filter
   * with no values matches nothing, so nothing is sent (the port's contract).
   */
  protected async describePaged<Out extends { NextToken?: string | undefined }, T, R>(
    api: string,
    filters: readonly Ec2Filter[],
    send: (input: PageInput) => Promise<Out>,
    items: (out: Out) => readonly T[] | undefined,
    map: (item: T, api: string) => R,
    pageSize = this.pageSize,
  ): Promise<R[]> {
    if (filters.some((f) => f.values.length === 0)) return [];
    const sdkFilters = toSdkFilters(filters);
    const all: T[] = [];
    const seen = new Set<string>();
    let token: string | undefined;
    do {
      const input: PageInput = {
        ...(sdkFilters.length === 0 ? {} : { Filters: sdkFilters }),
        MaxResults: pageSize,
        ...(token === undefined ? {} : { NextToken: token }),
      };
      const out = await this.call(api, () => send(input));
      all.push(...(items(out) ?? []));
      const next = out.NextToken;
      token = next === '' ? undefined : next;
      // A token handed out twice would page forever; EC2 never does that, a broken proxy might.
      if (token !== undefined && seen.has(token))
        throw malformed(api, 'a fresh NextToken (the same token came back twice)');
      if (token !== undefined) seen.add(token);
    } while (token !== undefined);
    return all.map((item) => map(item, api));
  }
}
