/**
 * Pieces shared by the VPC-level Describe and Create handlers: id validation (malformed vs unknown, as EC2 tells
 * them apart), selection by explicit ids with EC2's all-or-nothing NotFound, the filter → page pipeline and ARNs.
 *
 * @example
 * const vpcs = selectByIds(p.list('VpcId'), VPC_ID, (id) => store.vpc(id), [...store.vpcs.values()]);
 * const { page, nextToken } = describePage('DescribeVpcs', p, vpcs, VPC_FILTERS, (v) => v.tags, { min: 5, max: 1000 });
 */
import { Ec2Error, malformedId } from '../errors.js';
import { applyFilters, type FilterFields } from '../filters.js';
import { paginate, type Page, type PageBounds } from '../paginate.js';
import type { Params } from '../params.js';
import type { VpcStore } from '../../state/store.js';

/** How ids of one resource kind look, and the code EC2 uses when one does not. */
export interface IdKind {
  readonly prefix: string;
  readonly malformedCode: string;
}

export const VPC_ID: IdKind = { prefix: 'vpc', malformedCode: 'InvalidVpcID.Malformed' };
export const SUBNET_ID: IdKind = { prefix: 'subnet', malformedCode: 'InvalidSubnetID.Malformed' };
export const ROUTE_TABLE_ID: IdKind = { prefix: 'rtb', malformedCode: 'InvalidRouteTableID.Malformed' };
export const GROUP_ID: IdKind = { prefix: 'sg', malformedCode: 'InvalidGroupId.Malformed' };

/** The ranges EC2's model gives MaxResults of these operations. */
export const PAGE_5_1000: PageBounds = { min: 5, max: 1000 };
export const PAGE_5_100: PageBounds = { min: 5, max: 100 };

const idPatterns = new Map<string, RegExp>();

/** True for `<prefix>-` followed by 8 (legacy) or 17 lower-case hex digits. */
export function isWellFormedId(kind: IdKind, id: string): boolean {
  let pattern = idPatterns.get(kind.prefix);
  if (pattern === undefined) {
    pattern = new RegExp(`^${kind.prefix}-(?:[0-9a-f]{8}|[0-9a-f]{17})$`);
    idPatterns.set(kind.prefix, pattern);
  }
  return pattern.test(id);
}

/** Returns the id when well-formed; otherwise EC2's `Invalid<Thing>ID.Malformed`. */
export function checkId(kind: IdKind, id: string): string {
  if (!isWellFormedId(kind, id)) throw malformedId(kind.malformedCode, id, kind.prefix);
  return id;
}

/**
 * The items named by explicit ids, in creation order (`all` is in creation order); every id must be well-formed
 * and exist, else the whole call fails naming the first bad one, as EC2 does. No ids: every item.
 */
export function selectByIds<T extends { readonly id: string }>(
  ids: readonly string[],
  kind: IdKind,
  lookup: (id: string) => T,
  all: readonly T[],
): T[] {
  if (ids.length === 0) return [...all];
  for (const id of ids) checkId(kind, id);
  const wanted = new Set(ids.map((id) => lookup(id).id));
  return all.filter((item) => wanted.has(item.id));
}

/** Filters (validated even when nothing is left to filter), then one page. */
export function describePage<T>(
  action: string,
  params: Params,
  items: readonly T[],
  fields: FilterFields<T>,
  tagsOf: ((item: T) => ReadonlyMap<string, string>) | undefined,
  bounds: PageBounds,
): Page<T> {
  return paginate(action, applyFilters(items, params.filters(), fields, tagsOf), params, bounds);
}

/** The partition of a region, for ARNs. */
function partition(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** `arn:aws:ec2:<region>:<account>:<type>/<id>`, as EC2 shows subnet and security-group ARNs. */
export function ec2Arn(store: VpcStore, type: string, id: string): string {
  return `arn:${partition(store.region)}:ec2:${store.region}:${store.accountId}:${type}/${id}`;
}

/** Parameters this simulator does not model (IPv6, IPAM); refusing them beats silently ignoring them. */
export function refuseUnsupported(params: Params, names: readonly string[]): void {
  for (const name of names) {
    if (params.has(name)) {
      throw new Ec2Error('UnsupportedOperation', `The parameter ${name} is not supported by the embedded VPC.`);
    }
  }
}
