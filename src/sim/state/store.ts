/**
 * The embedded VPC's state: resources, deterministic ids, the subnet address allocator and change events.
 * Operations live in `ops-*.ts` as functions over a store; the HTTP layer calls them.
 *
 * Ids and MACs are deterministic for a given seed (a counter hashed with the seed), so scenarios and tests are
 * reproducible while ids still look like EC2's (`eni-` + 17 hex digits).
 *
 * @example
 * const store = new VpcStore({ region: 'ap-northeast-2', clock: manualClock(0) });
 * const subnet = store.subnet('subnet-0abc'); // throws InvalidSubnetID.NotFound when unknown
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Clock } from '../../ipam/clock.js';
import { formatIpv4, lastAddress, parseCidr, PREFIX_SIZE } from '../../ipam/cidr.js';
import { getInstanceLimits, type InstanceLimits } from '../../limits/index.js';
import { Ec2Error, notFound } from '../ec2/errors.js';
import type {
  AvailabilityZone,
  Eni,
  Instance,
  RouteTable,
  SecurityGroup,
  Subnet,
  Tags,
  TrunkAssociation,
  Vpc,
} from './model.js';

export const DEFAULT_ACCOUNT_ID = '123456789012';

/** What changed, for the data plane and the IMDS views (which may apply it after a propagation delay). */
export interface VpcEvents {
  'eni-attached': [{ eni: Eni; instanceId: string }];
  'eni-detached': [{ eni: Eni; instanceId: string }];
  'addresses-assigned': [{ eni: Eni; ips: readonly string[]; prefixes: readonly string[] }];
  'addresses-unassigned': [{ eni: Eni; ips: readonly string[]; prefixes: readonly string[] }];
  /** A branch ENI was associated with a trunk ENI (its traffic now rides the trunk, tagged with the VLAN id). */
  'trunk-associated': [{ association: TrunkAssociation; trunk: Eni; branch: Eni }];
  /** The association is gone (DisassociateTrunkInterface, the branch deleted, or the trunk's instance terminated). */
  'trunk-disassociated': [{ association: TrunkAssociation; trunk: Eni; branch: Eni }];
  'instance-launched': [{ instance: Instance }];
  'instance-terminated': [{ instance: Instance }];
}

export interface VpcStoreOptions {
  readonly region: string;
  readonly clock: Clock;
  readonly accountId?: string;
  /** Availability zone letters; default a, b, c. */
  readonly zones?: readonly string[];
  readonly seed?: string;
}

export class VpcStore {
  readonly region: string;
  readonly accountId: string;
  readonly clock: Clock;
  readonly events = new EventEmitter<VpcEvents>();
  readonly availabilityZones: readonly AvailabilityZone[];
  readonly vpcs = new Map<string, Vpc>();
  readonly subnets = new Map<string, Subnet>();
  readonly routeTables = new Map<string, RouteTable>();
  readonly securityGroups = new Map<string, SecurityGroup>();
  readonly enis = new Map<string, Eni>();
  readonly instances = new Map<string, Instance>();
  /** Branch-to-trunk associations by association id (`trunk-assoc-…`). */
  readonly trunkAssociations = new Map<string, TrunkAssociation>();
  /**
   * Instance types this EC2 knows beyond the project's limits table (a type newer than the table, for tests of
   * ipamd's DescribeInstanceTypes fallback). RunInstances, DescribeInstanceTypes and the ENI limits read them.
   */
  readonly extraInstanceTypes = new Map<string, InstanceLimits>();
  /** CreateNetworkInterface idempotency: ClientToken → (request fingerprint, ENI id). */
  readonly clientTokens = new Map<string, { fingerprint: string; eniId: string }>();
  /** AssociateTrunkInterface idempotency: ClientToken → (request fingerprint, association id). */
  readonly associationTokens = new Map<string, { fingerprint: string; associationId: string }>();
  readonly #seed: string;
  #counter = 0;

  constructor(options: VpcStoreOptions) {
    this.region = options.region;
    this.accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
    this.clock = options.clock;
    this.#seed = options.seed ?? 'vpc-cni';
    const short = regionShortName(this.region);
    this.availabilityZones = (options.zones ?? ['a', 'b', 'c']).map((letter, i) => ({
      name: `${this.region}${letter}`,
      id: `${short}-az${i + 1}`,
    }));
  }

  /** The limits of an instance type as this EC2 knows them: an extra type, else the limits table's; undefined if neither. */
  instanceTypeLimits(instanceType: string): InstanceLimits | undefined {
    return this.extraInstanceTypes.get(instanceType) ?? getInstanceLimits(instanceType);
  }

  /** A fresh EC2-style id: `<prefix>-` and 17 hex digits, deterministic for the store's seed. */
  newId(prefix: string): string {
    this.#counter += 1;
    const hex = createHash('sha256').update(`${this.#seed}/${prefix}/${this.#counter}`).digest('hex');
    return `${prefix}-${hex.slice(0, 17)}`;
  }

  /** A locally administered unicast MAC (`02:..`), unique within the store. */
  newMac(): string {
    this.#counter += 1;
    const hex = createHash('sha256').update(`${this.#seed}/mac/${this.#counter}`).digest('hex');
    const bytes = [0x02, ...[0, 2, 4, 6, 8].map((i) => parseInt(hex.slice(i, i + 2), 16))];
    return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
  }

  /** The seed ids are derived from, for persistence. */
  get seed(): string {
    return this.#seed;
  }

  /** Id counter, for persistence. */
  get counter(): number {
    return this.#counter;
  }

  set counter(value: number) {
    this.#counter = value;
  }

  vpc(id: string): Vpc {
    return this.vpcs.get(id) ?? throwError(notFound('InvalidVpcID.NotFound', 'vpc', id));
  }

  subnet(id: string): Subnet {
    return this.subnets.get(id) ?? throwError(notFound('InvalidSubnetID.NotFound', 'subnet', id));
  }

  routeTable(id: string): RouteTable {
    return this.routeTables.get(id) ?? throwError(notFound('InvalidRouteTableID.NotFound', 'routeTable', id));
  }

  securityGroup(id: string): SecurityGroup {
    return (
      this.securityGroups.get(id) ??
      throwError(new Ec2Error('InvalidGroup.NotFound', `The security group '${id}' does not exist`))
    );
  }

  eni(id: string): Eni {
    return this.enis.get(id) ?? throwError(notFound('InvalidNetworkInterfaceID.NotFound', 'networkInterface', id));
  }

  trunkAssociation(id: string): TrunkAssociation {
    return (
      this.trunkAssociations.get(id) ??
      throwError(new Ec2Error('InvalidAssociationID.NotFound', `The association ID '${id}' does not exist`))
    );
  }

  instance(id: string): Instance {
    return this.instances.get(id) ?? throwError(notFound('InvalidInstanceID.NotFound', 'instance', id));
  }

  /** The tags of any taggable resource, by id; NotFound in the resource's own wording when unknown. */
  tagsOf(resourceId: string): Tags {
    const lookup: Readonly<Record<string, (id: string) => { readonly tags: Tags }>> = {
      vpc: (id) => this.vpc(id),
      subnet: (id) => this.subnet(id),
      rtb: (id) => this.routeTable(id),
      sg: (id) => this.securityGroup(id),
      eni: (id) => this.eni(id),
      i: (id) => this.instance(id),
    };
    const kind = resourceId.slice(0, resourceId.lastIndexOf('-'));
    const resource = Object.hasOwn(lookup, kind) ? lookup[kind] : undefined;
    if (resource === undefined) throw new Ec2Error('InvalidID', `The ID '${resourceId}' is not valid`);
    return resource(resourceId).tags;
  }

  /** Free addresses of a subnet: its size, less AWS's five reserved addresses and those held by ENIs. */
  availableIpAddressCount(subnet: Subnet): number {
    const cidr = parseCidr(subnet.cidr);
    return lastAddress(cidr) - cidr.network + 1 - 5 - subnet.used.size;
  }

  /**
   * Takes `count` free addresses from the subnet, lowest first (real EC2 picks arbitrarily). All or nothing:
   * `InsufficientFreeAddressesInSubnet` when the subnet has too few.
   */
  allocateIps(subnet: Subnet, count: number): string[] {
    const cidr = parseCidr(subnet.cidr);
    const first = cidr.network + 4;
    const last = lastAddress(cidr) - 1;
    const picked: number[] = [];
    for (let a = first; a <= last && picked.length < count; a++) if (!subnet.used.has(a)) picked.push(a);
    if (picked.length < count) {
      throw new Ec2Error(
        'InsufficientFreeAddressesInSubnet',
        'The specified subnet does not have enough free addresses to satisfy the request.',
      );
    }
    for (const a of picked) subnet.used.add(a);
    return picked.map(formatIpv4);
  }

  /** Claims specific addresses; `InvalidParameterValue` when one is outside the subnet, reserved or in use. */
  claimIps(subnet: Subnet, addresses: readonly number[]): void {
    const cidr = parseCidr(subnet.cidr);
    for (const a of addresses) {
      const text = formatIpv4(a);
      if (a < cidr.network + 4 || a >= lastAddress(cidr)) {
        throw new Ec2Error(
          'InvalidParameterValue',
          `Address ${text} does not fall within the usable range of subnet ${subnet.id} (${subnet.cidr}).`,
        );
      }
      if (subnet.used.has(a)) throw new Ec2Error('InvalidIPAddress.InUse', `Address ${text} is in use.`);
    }
    for (const a of addresses) subnet.used.add(a);
  }

  /**
   * Takes `count` free /28 prefixes (16-aligned, all 16 addresses free and none reserved), lowest first. All or
   * nothing: `InsufficientCidrBlocks` when the subnet is too full or too fragmented.
   */
  allocatePrefixes(subnet: Subnet, count: number): string[] {
    const cidr = parseCidr(subnet.cidr);
    const firstUsable = cidr.network + 4;
    const lastUsable = lastAddress(cidr) - 1;
    const picked: number[] = [];
    for (
      let start = cidr.network;
      start + PREFIX_SIZE - 1 <= lastAddress(cidr) && picked.length < count;
      start += PREFIX_SIZE
    ) {
      if (start < firstUsable || start + PREFIX_SIZE - 1 > lastUsable) continue;
      let free = true;
      for (let a = start; a < start + PREFIX_SIZE && free; a++) free = !subnet.used.has(a);
      if (free) picked.push(start);
    }
    if (picked.length < count) {
      throw new Ec2Error(
        'InsufficientCidrBlocks',
        'There are not enough free cidr blocks in the specified subnet to satisfy the request.',
      );
    }
    for (const start of picked) for (let a = start; a < start + PREFIX_SIZE; a++) subnet.used.add(a);
    return picked.map((start) => `${formatIpv4(start)}/28`);
  }

  /** Returns addresses (and whole /28 prefixes) to the subnet. */
  releaseIps(subnet: Subnet, addresses: readonly string[], prefixes: readonly string[] = []): void {
    for (const text of addresses) subnet.used.delete(parseCidr(`${text}/32`).network);
    for (const prefix of prefixes) {
      const start = parseCidr(prefix).network;
      for (let a = start; a < start + PREFIX_SIZE; a++) subnet.used.delete(a);
    }
  }
}

const DIRECTIONS: Readonly<Record<string, string>> = {
  northeast: 'ne',
  northwest: 'nw',
  southeast: 'se',
  southwest: 'sw',
  north: 'n',
  south: 's',
  east: 'e',
  west: 'w',
  central: 'c',
};

/** EC2's zone-id stem of a region: `ap-northeast-2` → `apne2`, `us-west-2` → `usw2`, `eu-central-1` → `euc1`. */
export function regionShortName(region: string): string {
  const match = /^([a-z]{2})-([a-z]+)-(\d+)$/.exec(region);
  if (match === null) return region.replaceAll('-', '');
  const [, area = '', direction = '', number = ''] = match;
  return `${area}${DIRECTIONS[direction] ?? direction.charAt(0)}${number}`;
}

function throwError(error: Error): never {
  throw error;
}
