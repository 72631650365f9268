/**
 * What the custom-networking workflow reads from and asks of EC2, as plain domain types: the port that ec2.ts
 * implements on the AWS SDK and that tests may fake.
 *
 * @example
 * const vpcs = await ec2.describeVpcs({ tags: { Name: 'eksworkshop' } });
 * const subnet = await ec2.createSubnet({ vpcId, cidr: '100.64.0.0/19', availabilityZone: 'ap-northeast-2a', tags });
 */

export type Tags = Readonly<Record<string, string>>;

export interface VpcCidrBlock {
  readonly associationId: string;
  readonly cidr: string;
  /** associating | associated | disassociating | disassociated | failing | failed */
  readonly state: string;
}

export interface VpcInfo {
  readonly id: string;
  /** The primary block. */
  readonly cidr: string;
  readonly cidrBlocks: readonly VpcCidrBlock[];
  readonly tags: Tags;
}

export interface SubnetInfo {
  readonly id: string;
  readonly vpcId: string;
  readonly cidr: string;
  readonly availabilityZone: string;
  readonly availableIpAddressCount: number;
  readonly tags: Tags;
}

export interface InstanceInfo {
  readonly id: string;
  readonly instanceType: string;
  readonly availabilityZone: string;
  readonly subnetId: string;
  readonly vpcId: string;
  readonly privateIp: string;
  /** The node name kubelet registers by default on EKS (ip-10-11-16-31.ap-northeast-2.compute.internal). */
  readonly privateDnsName: string;
  /** The primary ENI's groups, in EC2's order. */
  readonly securityGroups: readonly string[];
  readonly state: string;
  readonly tags: Tags;
}

export interface RouteTableInfo {
  readonly id: string;
  readonly vpcId: string;
  readonly main: boolean;
  /** Explicit subnet associations. */
  readonly subnetIds: readonly string[];
}

export interface SecurityGroupInfo {
  readonly id: string;
  readonly vpcId: string;
  readonly name: string;
}

export interface VpcQuery {
  readonly ids?: readonly string[];
  /** Exact tag values; `undefined` value = the tag key exists. */
  readonly tags?: Readonly<Record<string, string | undefined>>;
}

export interface SubnetQuery {
  readonly vpcId?: string;
  readonly ids?: readonly string[];
  readonly tags?: Readonly<Record<string, string | undefined>>;
}

export interface InstanceQuery {
  readonly vpcId?: string;
  readonly tags?: Readonly<Record<string, string | undefined>>;
}

/** The EC2 calls of the workflow; every failure is a CloudError (`CLOUD_*`, EC2's code in details.awsCode). */
export interface CustomNetworkingEc2 {
  describeVpcs(query: VpcQuery): Promise<VpcInfo[]>;
  /** Subnets matching every given criterion; unknown ids are simply absent (no NotFound error). */
  describeSubnets(query: SubnetQuery): Promise<SubnetInfo[]>;
  describeInstances(query: InstanceQuery): Promise<InstanceInfo[]>;
  describeRouteTables(vpcId: string): Promise<RouteTableInfo[]>;
  /** Groups by id; unknown ids are simply absent (no NotFound error). */
  describeSecurityGroups(ids: readonly string[]): Promise<SecurityGroupInfo[]>;
  describeAvailabilityZones(): Promise<string[]>;
  associateVpcCidrBlock(vpcId: string, cidr: string): Promise<VpcCidrBlock>;
  createSubnet(request: { vpcId: string; cidr: string; availabilityZone: string; tags: Tags }): Promise<SubnetInfo>;
  createTags(resourceId: string, tags: Tags): Promise<void>;
  associateRouteTable(routeTableId: string, subnetId: string): Promise<string>;
  destroy(): void;
}
