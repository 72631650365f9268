/**
 * The embedded VPC's resources. Plain mutable records owned by {@link VpcStore}; handlers never hand them out
 * directly (responses are built from them, persistence copies them).
 */

export type Tags = Map<string, string>;

export type CidrAssociationState = 'associating' | 'associated' | 'disassociating' | 'disassociated' | 'failed';

export interface VpcCidrAssociation {
  readonly associationId: string;
  readonly cidr: string;
  state: CidrAssociationState;
  /** Clock time (ms) at which an `associating` block becomes `associated`. */
  readyAt: number;
}

export interface Vpc {
  readonly id: string;
  readonly cidrAssociations: VpcCidrAssociation[];
  readonly isDefault: boolean;
  readonly tags: Tags;
}

export interface AvailabilityZone {
  readonly name: string;
  readonly id: string;
}

export interface Subnet {
  readonly id: string;
  readonly vpcId: string;
  readonly cidr: string;
  readonly availabilityZone: string;
  readonly mapPublicIpOnLaunch: boolean;
  readonly tags: Tags;
  /** Addresses held by ENIs (primary, secondary, and all 16 of each /28 prefix), as unsigned integers. */
  readonly used: Set<number>;
}

export interface RouteTableAssociation {
  readonly id: string;
  readonly subnetId: string;
}

export interface Route {
  readonly destinationCidrBlock: string;
  readonly gatewayId: string;
}

export interface RouteTable {
  readonly id: string;
  readonly vpcId: string;
  readonly main: boolean;
  readonly mainAssociationId: string;
  readonly associations: RouteTableAssociation[];
  readonly routes: Route[];
  readonly tags: Tags;
}

export interface SecurityGroup {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly vpcId: string;
  readonly tags: Tags;
}

export type AttachmentStatus = 'attaching' | 'attached' | 'detaching' | 'detached';

export interface EniAttachment {
  readonly id: string;
  readonly instanceId: string;
  readonly deviceIndex: number;
  readonly networkCardIndex: number;
  status: AttachmentStatus;
  readonly attachTime: number;
  deleteOnTermination: boolean;
}

export type EniStatus = 'available' | 'attaching' | 'in-use' | 'detaching';

/**
 * EC2's `interfaceType` of an ENI. An `interface` becomes a `branch` when it is associated with a trunk (the VPC
 * resource controller creates branch ENIs without an InterfaceType and associates them).
 */
export type EniInterfaceType = 'interface' | 'trunk' | 'branch' | 'efa';

export interface Eni {
  readonly id: string;
  readonly subnetId: string;
  readonly vpcId: string;
  readonly availabilityZone: string;
  description: string;
  readonly macAddress: string;
  groups: string[];
  status: EniStatus;
  readonly privateIpAddress: string;
  /** Secondary addresses in assignment order (the primary is not included). */
  readonly secondaryIps: string[];
  /** Delegated /28 prefixes, `a.b.c.d/28`. */
  readonly prefixes: string[];
  attachment: EniAttachment | undefined;
  interfaceType: EniInterfaceType;
  sourceDestCheck: boolean;
  readonly requesterManaged: boolean;
  readonly tags: Tags;
  readonly createdAt: number;
}

/**
 * A branch ENI associated with a trunk ENI (AssociateTrunkInterface): the branch's traffic reaches the VPC over the
 * trunk's attachment, tagged with the VLAN id. EC2 also models GRE; the embedded VPC speaks VLAN only.
 */
export interface TrunkAssociation {
  readonly id: string;
  readonly branchInterfaceId: string;
  readonly trunkInterfaceId: string;
  readonly interfaceProtocol: 'VLAN';
  readonly vlanId: number;
  readonly createdAt: number;
}

export type InstanceStateName = 'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped';

export interface Instance {
  readonly id: string;
  readonly reservationId: string;
  readonly instanceType: string;
  readonly imageId: string;
  readonly availabilityZone: string;
  readonly subnetId: string;
  readonly vpcId: string;
  readonly privateIpAddress: string;
  readonly primaryEniId: string;
  readonly groups: string[];
  state: InstanceStateName;
  readonly launchTime: number;
  readonly tags: Tags;
}
