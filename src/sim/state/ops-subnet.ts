/**
 * Subnets: /16–/28 blocks inside an associated CIDR block of their VPC, not overlapping one another, each in one
 * availability zone. A new subnet has no explicit route table association (it uses the VPC's main table).
 *
 * @example
 * const subnet = createSubnet(store, { vpcId: vpc.id, cidr: '100.64.0.0/19', availabilityZone: 'us-west-2a' });
 * subnetZoneId(store, subnet); // 'usw2-az1'
 */
import { cidrContains, cidrsOverlap, formatCidr, parseCidr } from '../../ipam/cidr.js';
import { Ec2Error, invalidParameterCombination, invalidParameterValue } from '../ec2/errors.js';
import type { AvailabilityZone, Subnet } from './model.js';
import { initialTags, type TagInput } from './ops-tags.js';
import { associatedCidrs, parseRequestCidr, vpcSettings } from './ops-vpc.js';
import type { VpcStore } from './store.js';

export interface CreateSubnetInput {
  readonly vpcId: string;
  readonly cidr: string;
  /** Zone by name (`us-west-2a`) or by id (`usw2-az1`), not both; neither picks the zone with fewest subnets. */
  readonly availabilityZone?: string;
  readonly availabilityZoneId?: string;
  readonly tags?: readonly TagInput[];
  readonly mapPublicIpOnLaunch?: boolean;
  /** A default VPC's per-zone default subnet (scenario set-up only; CreateSubnet never makes one). */
  readonly defaultForAz?: boolean;
}

// The model has no defaultForAz field; default subnets are rare (scenario set-up of a default VPC), so they are
// remembered here by identity.
const defaultSubnets = new WeakSet<Subnet>();

/** True for a default VPC's default subnet of its zone. */
export function isDefaultForAz(subnet: Subnet): boolean {
  return defaultSubnets.has(subnet);
}

/** The zone id (`usw2-az1`) of the subnet's zone. */
export function subnetZoneId(store: VpcStore, subnet: Subnet): string {
  return store.availabilityZones.find((z) => z.name === subnet.availabilityZone)?.id ?? '';
}

/** The subnets of a VPC, in creation order. */
export function subnetsOf(store: VpcStore, vpcId: string): Subnet[] {
  return [...store.subnets.values()].filter((s) => s.vpcId === vpcId);
}

/** The zone asked for by name or by id; EC2's error names the parameter and lists the zones by the same key. */
function zoneBy(zones: readonly AvailabilityZone[], key: 'name' | 'id', value: string): AvailabilityZone {
  const zone = zones.find((z) => z[key] === value);
  if (zone !== undefined) return zone;
  const parameter = key === 'name' ? 'availabilityZone' : 'availabilityZoneId';
  throw invalidParameterValue(
    `Value (${value}) for parameter ${parameter} is invalid. Subnets can currently only be created in the following availability zones: ${zones.map((z) => z[key]).join(', ')}.`,
  );
}

function pickZone(store: VpcStore, input: CreateSubnetInput): AvailabilityZone {
  const zones = store.availabilityZones;
  if (input.availabilityZone !== undefined && input.availabilityZoneId !== undefined) {
    throw invalidParameterCombination('Only one of availabilityZone and availabilityZoneId may be specified.');
  }
  if (input.availabilityZone !== undefined) return zoneBy(zones, 'name', input.availabilityZone);
  if (input.availabilityZoneId !== undefined) return zoneBy(zones, 'id', input.availabilityZoneId);
  // EC2 picks a zone for the caller; the least used one (first on ties) keeps scenarios deterministic.
  const used = subnetsOf(store, input.vpcId).map((s) => s.availabilityZone);
  const count = (z: AvailabilityZone): number => used.filter((name) => name === z.name).length;
  const zone = [...zones].sort((a, b) => count(a) - count(b))[0];
  if (zone === undefined) throw new Ec2Error('InternalError', 'The region has no availability zones', 500);
  return zone;
}

/**
 * CreateSubnet. Errors as EC2: `InvalidVpcID.NotFound`; `InvalidSubnet.Range` when the block is not /16–/28 or not
 * inside an associated block of the VPC (a block still `associating` does not count yet); `InvalidSubnet.Conflict`
 * when it overlaps another subnet; `InvalidParameterValue` for an unknown zone; `SubnetLimitExceeded` at the
 * per-VPC quota.
 */
export function createSubnet(store: VpcStore, input: CreateSubnetInput): Subnet {
  const vpc = store.vpc(input.vpcId);
  const cidr = parseRequestCidr(input.cidr);
  const text = formatCidr(cidr);
  const zone = pickZone(store, input);
  if (
    cidr.prefixLength < 16 ||
    cidr.prefixLength > 28 ||
    !associatedCidrs(store, vpc).some((block) => cidrContains(block, cidr))
  ) {
    throw new Ec2Error('InvalidSubnet.Range', `The CIDR '${text}' is invalid.`);
  }
  const siblings = subnetsOf(store, vpc.id);
  if (siblings.some((s) => cidrsOverlap(parseCidr(s.cidr), cidr))) {
    throw new Ec2Error('InvalidSubnet.Conflict', `The CIDR '${text}' conflicts with another subnet`);
  }
  const limit = vpcSettings(store).maxSubnetsPerVpc;
  if (siblings.length >= limit) {
    throw new Ec2Error(
      'SubnetLimitExceeded',
      `The maximum number of subnets (${limit}) for ${vpc.id} has been reached.`,
    );
  }
  // Tags are validated before an id is drawn, so a refused request leaves the id sequence untouched.
  const tags = initialTags(input.tags);
  const subnet: Subnet = {
    id: store.newId('subnet'),
    vpcId: vpc.id,
    cidr: text,
    availabilityZone: zone.name,
    mapPublicIpOnLaunch: input.mapPublicIpOnLaunch ?? false,
    tags,
    used: new Set(),
  };
  store.subnets.set(subnet.id, subnet);
  if (input.defaultForAz === true) defaultSubnets.add(subnet);
  return subnet;
}
