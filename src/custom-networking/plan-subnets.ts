/**
 * The pod subnets of the plan (the seed's steps 3 and 4): one per zone, carved from `--cidr` in `--subnet-size`
 * blocks in zone order, reusing a subnet that already exists (a `--subnet AZ=ID`, or one of the right size inside
 * `--cidr` in that zone — what an interrupted apply left behind), each checked against its nodes' zone and needs;
 * and the route-table association of each, with the route table of the nodes' subnets in that zone.
 *
 * @example
 * planSubnets(state, { cidr: '100.64.0.0/16', subnetSize: 19 }, ['ap-northeast-2a'], new Map([['m5.large', 20]]));
 * // [{ availabilityZone: 'ap-northeast-2a', cidr: '100.64.0.0/19', action: 'create', usableIps: 8187, neededIps: 20, ... }]
 */
import type { Ec2Subnet, Ec2Tags } from '../cloud/ec2/port.js';
import { cidrContains, cidrsOverlap, formatCidr, parseCidr, splitCidr, type Cidr } from '../ipam/cidr.js';
import { parseVpcSizedCidr } from './cidr-rules.js';
import { clusterTag, type VpcState } from './discover.js';
import { CustomNetworkingError } from './errors.js';
import type { RouteStep, SubnetStep } from './plan-types.js';

export interface SubnetPlanOptions {
  readonly cidr: string;
  readonly subnetSize: number;
  readonly prefixDelegation?: boolean;
  /** `--subnet AZ=subnet-id`: use this existing subnet for the zone. */
  readonly subnets?: Readonly<Record<string, string>>;
}

const RESERVED_PER_SUBNET = 5;
const PREFIX = 16;

/**
 * Addresses the nodes can get: SIP = size − 5; PD = whole /28s, minus the first and last (never delegable).
 *
 * @example
 * capacity(19, false); // 8187
 * capacity(28, true); // 0: a /28 subnet holds no delegable prefix
 */
export function capacity(prefixLength: number, prefixDelegation: boolean): number {
  const size = 2 ** (32 - prefixLength);
  return prefixDelegation ? Math.max(0, size / PREFIX - 2) * PREFIX : size - RESERVED_PER_SUBNET;
}

/** The smallest subnet (largest prefix length, /16../28) that covers `needed`, or undefined. */
function sizeFor(needed: number, prefixDelegation: boolean): number | undefined {
  for (let length = 28; length >= 16; length--) if (capacity(length, prefixDelegation) >= needed) return length;
  return undefined;
}

function subnetTags(state: VpcState, zone: string): Ec2Tags {
  const base = state.cluster ?? state.vpc.tags['Name'] ?? state.vpc.id;
  return {
    Name: `${base}-pod-${zone}`,
    ...(state.cluster === undefined ? {} : { [clusterTag(state.cluster)]: 'shared' }),
  };
}

function pickExisting(
  state: VpcState,
  options: SubnetPlanOptions,
  zone: string,
  parent: Cidr,
  taken: Set<string>,
): Ec2Subnet | undefined {
  const explicit = options.subnets?.[zone];
  if (explicit !== undefined) {
    const subnet = state.subnets.find((s) => s.id === explicit);
    if (subnet === undefined) {
      throw new CustomNetworkingError(
        'CN_SUBNET_NOT_FOUND',
        `--subnet ${zone}=${explicit}: no such subnet in ${state.vpc.id}`,
        { subnetId: explicit },
      );
    }
    if (subnet.availabilityZone !== zone) {
      throw new CustomNetworkingError(
        'CN_SUBNET_WRONG_AZ',
        `--subnet ${zone}=${explicit}: the subnet is in ${subnet.availabilityZone}, not ${zone}; nodes in ${zone} cannot put ENIs in it`,
        { subnetId: explicit, subnetZone: subnet.availabilityZone, nodeZone: zone },
      );
    }
    return subnet;
  }
  return state.subnets
    .filter((s) => s.availabilityZone === zone && !taken.has(s.id))
    .map((s) => ({ s, c: parseCidr(s.cidr) }))
    .filter(({ c }) => c.prefixLength === options.subnetSize && cidrContains(parent, c))
    .sort((a, b) => a.c.network - b.c.network)[0]?.s;
}

/**
 * See the module comment. @throws CustomNetworkingError CN_CIDR_INVALID, CN_SUBNET_*.
 *
 * @example
 * planSubnets(state, { cidr: '100.64.0.0/16', subnetSize: 19 }, ['ap-northeast-2a'], new Map([['m5.large', 20]]))[0]?.cidr; // '100.64.0.0/19'
 */
export function planSubnets(
  state: VpcState,
  options: SubnetPlanOptions,
  zones: readonly string[],
  maxPods: ReadonlyMap<string, number>,
): SubnetStep[] {
  const parent = parseVpcSizedCidr(options.cidr, '--cidr');
  const size = options.subnetSize;
  if (!Number.isInteger(size) || size < parent.prefixLength || size > 28) {
    throw new CustomNetworkingError(
      'CN_CIDR_INVALID',
      `--subnet-size ${size} must be from ${parent.prefixLength} (the size of --cidr ${options.cidr}) to 28`,
      { subnetSize: size },
    );
  }
  const pd = options.prefixDelegation === true;
  const taken = new Set<string>();
  const chosen = new Map<string, Ec2Subnet>();
  for (const zone of zones) {
    const existing = pickExisting(state, options, zone, parent, taken);
    if (existing !== undefined) {
      taken.add(existing.id);
      chosen.set(zone, existing);
    }
  }
  const used = state.subnets.map((s) => parseCidr(s.cidr));
  const free = splitCidr(parent, size).filter((block) => !used.some((u) => cidrsOverlap(u, block)));
  const missing = zones.filter((z) => !chosen.has(z));
  if (free.length < missing.length) {
    throw new CustomNetworkingError(
      'CN_CIDR_INVALID',
      `--cidr ${options.cidr} holds ${free.length} free /${size} block(s), but ${missing.length} zone(s) need one (${missing.join(', ')}); use a larger --cidr or a smaller --subnet-size`,
      { cidr: options.cidr, subnetSize: size, zones: missing },
    );
  }
  return zones.map((zone) => {
    const existing = chosen.get(zone);
    const cidr = existing?.cidr ?? formatCidr(free[missing.indexOf(zone)] ?? parent);
    const nodes = state.nodes.filter((n) => n.availabilityZone === zone);
    const perNode = (type: string): number =>
      pd ? Math.ceil((maxPods.get(type) ?? 0) / PREFIX) * PREFIX : (maxPods.get(type) ?? 0);
    const neededIps = nodes.reduce((sum, n) => sum + perNode(n.instanceType), 0);
    const usableIps = capacity(parseCidr(cidr).prefixLength, pd);
    if (neededIps > usableIps) {
      const fits = sizeFor(neededIps, pd);
      throw new CustomNetworkingError(
        'CN_SUBNET_TOO_SMALL',
        `pod subnet ${cidr} in ${zone} offers ${usableIps} ${pd ? 'addresses in /28 prefixes' : 'usable addresses'}, but its ${nodes.length} node(s) need ${neededIps} (${pd ? 'prefixes for ' : ''}max pods ${[...new Set(nodes.map((n) => `${n.instanceType}: ${maxPods.get(n.instanceType) ?? 0}`))].join(', ')} per node)` +
          (fits === undefined ? '' : `; use --subnet-size ${fits} or less`),
        { availabilityZone: zone, cidr, usableIps, neededIps },
      );
    }
    const tags = subnetTags(state, zone);
    const missingTags =
      existing === undefined
        ? {}
        : Object.fromEntries(Object.entries(tags).filter(([k]) => existing.tags[k] === undefined));
    return {
      availabilityZone: zone,
      cidr,
      ...(existing === undefined ? {} : { subnetId: existing.id }),
      action: existing === undefined ? 'create' : 'none',
      tags,
      missingTags,
      usableIps,
      neededIps,
      nodeCount: nodes.length,
    };
  });
}

/** The route table pod subnets of `zone` should use: that of the nodes' subnets there, else of any node, else main. */
function tableFor(state: VpcState, zone: string): { id: string; main: boolean } {
  const main = state.routeTables.find((t) => t.main);
  const explicit = (subnetId: string) => state.routeTables.find((t) => t.subnetIds.includes(subnetId));
  const inZone = state.nodes.filter((n) => n.availabilityZone === zone);
  for (const node of [...inZone, ...state.nodes]) {
    const table = explicit(node.subnetId);
    if (table !== undefined) return { id: table.id, main: table.main };
    if (main !== undefined) return { id: main.id, main: true };
  }
  if (main === undefined)
    throw new CustomNetworkingError('CN_ROUTE_TABLE_CONFLICT', `${state.vpc.id} has no main route table`, {
      vpcId: state.vpc.id,
    });
  return { id: main.id, main: true };
}

/**
 * See the module comment. @throws CustomNetworkingError CN_ROUTE_TABLE_CONFLICT.
 *
 * @example
 * routeSteps(state, subnets).map((r) => r.routeTableId); // ['rtb-public', 'rtb-public', 'rtb-public']
 */
export function routeSteps(state: VpcState, subnets: readonly SubnetStep[]): RouteStep[] {
  return subnets.map((s) => {
    const table = tableFor(state, s.availabilityZone);
    const base = { availabilityZone: s.availabilityZone, cidr: s.cidr, routeTableId: table.id, main: table.main };
    if (s.subnetId === undefined) return { ...base, action: table.main ? 'none' : 'associate' };
    const current = state.routeTables.find((t) => t.subnetIds.includes(s.subnetId ?? ''));
    if (current !== undefined && current.id !== table.id) {
      throw new CustomNetworkingError(
        'CN_ROUTE_TABLE_CONFLICT',
        `pod subnet ${s.subnetId} (${s.cidr}) is associated with ${current.id}, but its nodes in ${s.availabilityZone} use ${table.id}; pods would not route like their nodes`,
        { subnetId: s.subnetId, routeTableId: current.id, expected: table.id },
      );
    }
    const associated = current !== undefined || table.main;
    return { ...base, subnetId: s.subnetId, action: associated ? 'none' : 'associate' };
  });
}
