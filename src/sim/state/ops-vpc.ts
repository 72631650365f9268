/**
 * VPCs and their IPv4 CIDR blocks. A VPC is created with its primary block, a main route table and a `default`
 * security group; further blocks are associated (AssociateVpcCidrBlock) subject to EC2's size, overlap, quota and
 * address-range rules, and pass `associating` → `associated` after a delay on the store's clock.
 *
 * The association state is derived from the clock on every read ({@link cidrAssociationState}); nothing runs on
 * timers, so a manual clock drives it in tests and a saved store resumes where it was.
 *
 * @example
 * configureVpcSettings(store, { cidrAssociationDelayMs: 0 });
 * const vpc = createVpc(store, { cidr: '10.0.0.0/16' });
 * associateVpcCidrBlock(store, vpc.id, '100.64.0.0/16'); // { associationId: 'vpc-cidr-assoc-…', cidr, ... }
 */
import { CidrError, cidrsOverlap, cidrContains, formatCidr, parseCidr, type Cidr } from '../../ipam/cidr.js';
import { Ec2Error, invalidParameterValue } from '../ec2/errors.js';
import type { CidrAssociationState, Vpc, VpcCidrAssociation } from './model.js';
import { addLocalRoutes, addRouteTable, LOCAL_GATEWAY, routeTablesOf } from './ops-routes.js';
import { createSecurityGroup, DEFAULT_GROUP_NAME } from './ops-sg.js';
import { initialTags, type TagInput } from './ops-tags.js';
import { cidrAssociationRefusal, neverAllowed, type CidrRuleSet } from '../../ipam/vpc-cidr-rules.js';
import type { VpcStore } from './store.js';

/** Per-store knobs of the VPC operations. */
export interface VpcSettings {
  /** Store-clock milliseconds from AssociateVpcCidrBlock until the block is `associated` (0: at once). */
  readonly cidrAssociationDelayMs: number;
  /** The address-range restriction table to enforce (see ops-vpc-rules). */
  readonly cidrRules: CidrRuleSet;
  /** IPv4 blocks per VPC, primary included (EC2's default quota is 5). */
  readonly maxCidrBlocksPerVpc: number;
  /** Subnets per VPC (EC2's default quota is 200). */
  readonly maxSubnetsPerVpc: number;
}

export const DEFAULT_VPC_SETTINGS: VpcSettings = {
  cidrAssociationDelayMs: 1000,
  cidrRules: 'strict',
  maxCidrBlocksPerVpc: 5,
  maxSubnetsPerVpc: 200,
};

// Kept beside the store rather than in it: the settings belong to these operations, and a WeakMap lets a store
// be dropped without unregistering anything.
const settingsByStore = new WeakMap<VpcStore, VpcSettings>();

export function vpcSettings(store: VpcStore): VpcSettings {
  return settingsByStore.get(store) ?? DEFAULT_VPC_SETTINGS;
}

/** Changes some of the store's VPC settings; the others keep their current values. */
export function configureVpcSettings(store: VpcStore, changes: Partial<VpcSettings>): VpcSettings {
  const next = { ...vpcSettings(store), ...changes };
  if (!Number.isFinite(next.cidrAssociationDelayMs) || next.cidrAssociationDelayMs < 0) {
    throw new RangeError(`cidrAssociationDelayMs must be a finite number ≥ 0, not ${next.cidrAssociationDelayMs}`);
  }
  for (const key of ['maxCidrBlocksPerVpc', 'maxSubnetsPerVpc'] as const) {
    if (!Number.isInteger(next[key]) || next[key] < 1)
      throw new RangeError(`${key} must be a positive integer, not ${next[key]}`);
  }
  settingsByStore.set(store, next);
  return next;
}

/**
 * The block's state now: an `associating` block whose delay has passed is `associated`. The transition is written
 * back so that code reading the record directly (persistence) agrees.
 */
export function cidrAssociationState(store: VpcStore, association: VpcCidrAssociation): CidrAssociationState {
  if (association.state === 'associating' && store.clock.now() >= association.readyAt) association.state = 'associated';
  return association.state;
}

/** The VPC's primary block (its first association, which cannot be removed). */
export function primaryCidr(vpc: Vpc): string {
  const primary = vpc.cidrAssociations[0];
  if (primary === undefined) throw new Ec2Error('InternalError', `VPC ${vpc.id} has no CIDR block`, 500);
  return primary.cidr;
}

/** Blocks that count against the VPC (every one not disassociated or failed), parsed. */
function activeBlocks(vpc: Vpc): Cidr[] {
  return vpc.cidrAssociations
    .filter((a) => a.state !== 'disassociated' && a.state !== 'failed')
    .map((a) => parseCidr(a.cidr));
}

/** The blocks subnets may be created in now: those in state `associated`. */
export function associatedCidrs(store: VpcStore, vpc: Vpc): Cidr[] {
  return vpc.cidrAssociations
    .filter((a) => cidrAssociationState(store, a) === 'associated')
    .map((a) => parseCidr(a.cidr));
}

/**
 * Parses a block as EC2 accepts it: host bits are dropped (`100.68.0.18/18` → `100.68.0.0/18`); anything that is
 * not `a.b.c.d/n` is InvalidParameterValue.
 */
export function parseRequestCidr(text: string, parameter = 'cidrBlock'): Cidr {
  try {
    return parseCidr(text.trim(), { allowHostBits: true });
  } catch (error) {
    if (!(error instanceof CidrError)) throw error;
    throw invalidParameterValue(
      `Value (${text}) for parameter ${parameter} is invalid. This is not a valid CIDR block.`,
    );
  }
}

function vpcRange(text: string): Ec2Error {
  return new Ec2Error('InvalidVpc.Range', `The CIDR '${text}' is invalid.`);
}

function checkVpcBlockSize(cidr: Cidr): void {
  if (cidr.prefixLength < 16 || cidr.prefixLength > 28) throw vpcRange(formatCidr(cidr));
}

export interface CreateVpcInput {
  readonly cidr: string;
  readonly tags?: readonly TagInput[];
  readonly isDefault?: boolean;
}

/** CreateVpc: the VPC with its primary block (associated at once), main route table and `default` group. */
export function createVpc(store: VpcStore, input: CreateVpcInput): Vpc {
  const cidr = parseRequestCidr(input.cidr);
  checkVpcBlockSize(cidr);
  const never = neverAllowed(cidr);
  if (never !== undefined)
    throw new Ec2Error('InvalidVpc.Range', `The CIDR '${formatCidr(cidr)}' is restricted. ${never}`);
  const tags = initialTags(input.tags);
  const now = store.clock.now();
  const vpc: Vpc = {
    id: store.newId('vpc'),
    cidrAssociations: [
      { associationId: store.newId('vpc-cidr-assoc'), cidr: formatCidr(cidr), state: 'associated', readyAt: now },
    ],
    isDefault: input.isDefault ?? false,
    tags,
  };
  store.vpcs.set(vpc.id, vpc);
  addRouteTable(store, vpc, true);
  createSecurityGroup(store, { vpcId: vpc.id, name: DEFAULT_GROUP_NAME, description: 'default VPC security group' });
  return vpc;
}

/**
 * AssociateVpcCidrBlock (IPv4). The block is canonicalised, must be /16–/28, must not overlap a block of the VPC,
 * must not contain a destination of a non-local route, must be permitted by the range rules, and the VPC must have
 * fewer than `maxCidrBlocksPerVpc` blocks. A local route for it is added to every route table of the VPC at once.
 */
export function associateVpcCidrBlock(store: VpcStore, vpcId: string, cidrText: string): VpcCidrAssociation {
  const vpc = store.vpc(vpcId);
  const cidr = parseRequestCidr(cidrText);
  const text = formatCidr(cidr);
  checkVpcBlockSize(cidr);
  const settings = vpcSettings(store);
  const existing = activeBlocks(vpc);
  if (existing.length >= settings.maxCidrBlocksPerVpc) {
    throw new Ec2Error(
      'CidrLimitExceeded',
      `This network '${vpc.id}' has met its maximum number of allowed CIDRs: ${settings.maxCidrBlocksPerVpc}`,
    );
  }
  const clash = existing.find((block) => cidrsOverlap(block, cidr));
  if (clash !== undefined) {
    throw new Ec2Error(
      'InvalidVpc.Range',
      `The CIDR '${text}' conflicts with the CIDR '${formatCidr(clash)}' of ${vpc.id}.`,
    );
  }
  const refusal = cidrAssociationRefusal(parseCidr(primaryCidr(vpc)), existing, cidr, settings.cidrRules);
  if (refusal !== undefined) throw new Ec2Error('InvalidVpc.Range', `The CIDR '${text}' is restricted. ${refusal}`);
  // A new block may not be the same as or larger than a destination the VPC already routes elsewhere.
  for (const table of routeTablesOf(store, vpc.id)) {
    for (const route of table.routes) {
      if (route.gatewayId !== LOCAL_GATEWAY && cidrContains(cidr, parseCidr(route.destinationCidrBlock))) {
        throw new Ec2Error(
          'InvalidVpc.Range',
          `The CIDR '${text}' is the same as or larger than the destination of a route in ${table.id}.`,
        );
      }
    }
  }
  const association: VpcCidrAssociation = {
    associationId: store.newId('vpc-cidr-assoc'),
    cidr: text,
    state: 'associating',
    readyAt: store.clock.now() + settings.cidrAssociationDelayMs,
  };
  vpc.cidrAssociations.push(association);
  addLocalRoutes(store, vpc.id, text);
  return association;
}
