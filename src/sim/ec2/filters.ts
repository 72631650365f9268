/**
 * EC2 filter semantics for every Describe* call: values within one filter are OR-ed, filters are AND-ed; values
 * accept `*` and `?` wildcards; `tag:<key>` matches a key with one of the values, `tag-key` a key's presence,
 * `tag-value` any tag's value. Each operation declares the fields it can filter on; an unknown filter name is EC2's
 * `InvalidParameterValue`.
 *
 * @example
 * const fields: FilterFields<Subnet> = { 'vpc-id': (s) => s.vpcId, 'cidr-block': (s) => s.cidr };
 * applyFilters(subnets, [{ name: 'vpc-id', values: ['vpc-1'] }], fields, (s) => s.tags);
 */
import { Ec2Error } from './errors.js';
import type { Filter } from './params.js';

/** A filterable field: one value, several (any may match), or none. */
export type FilterFields<T> = Readonly<
  Record<string, (item: T) => string | number | boolean | readonly string[] | undefined>
>;

export const MAX_FILTERS = 50;
export const MAX_FILTER_VALUES = 200;

const patternCache = new Map<string, RegExp>();

/** True when `value` matches an EC2 filter value (`*` any run, `?` one character, `\` escapes). */
export function wildcardMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === value;
  let re = patternCache.get(pattern);
  if (re === undefined) {
    let source = '';
    for (let i = 0; i < pattern.length; i++) {
      const ch = pattern.charAt(i);
      if (ch === '\\' && i + 1 < pattern.length) source += escapeRegex(pattern.charAt(++i));
      else if (ch === '*') source += '[\\s\\S]*';
      else if (ch === '?') source += '[\\s\\S]';
      else source += escapeRegex(ch);
    }
    re = new RegExp(`^${source}$`);
    if (patternCache.size < 1000) patternCache.set(pattern, re);
  }
  return re.test(value);
}

function escapeRegex(ch: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(ch) ? `\\${ch}` : ch;
}

function anyMatch(values: readonly string[], candidates: readonly string[]): boolean {
  return values.some((pattern) => candidates.some((candidate) => wildcardMatch(pattern, candidate)));
}

/** Checks filter names and counts up front, so that a bad filter fails even on an empty result. */
export function validateFilters<T>(filters: readonly Filter[], fields: FilterFields<T>, taggable: boolean): void {
  if (filters.length > MAX_FILTERS)
    throw new Ec2Error('FilterLimitExceeded', `The maximum number of filters (${MAX_FILTERS}) was exceeded.`);
  for (const filter of filters) {
    if (filter.values.length > MAX_FILTER_VALUES) {
      throw new Ec2Error(
        'FilterLimitExceeded',
        `The maximum number of filter values (${MAX_FILTER_VALUES}) was exceeded.`,
      );
    }
    const isTagFilter = filter.name.startsWith('tag:') || filter.name === 'tag-key' || filter.name === 'tag-value';
    if ((isTagFilter && !taggable) || (!isTagFilter && !(filter.name in fields))) {
      throw new Ec2Error('InvalidParameterValue', `The filter '${filter.name}' is invalid`);
    }
  }
}

export function matchesFilters<T>(
  item: T,
  filters: readonly Filter[],
  fields: FilterFields<T>,
  tagsOf?: (item: T) => ReadonlyMap<string, string>,
): boolean {
  return filters.every((filter) => {
    if (tagsOf !== undefined && filter.name.startsWith('tag:')) {
      const value = tagsOf(item).get(filter.name.slice(4));
      return value !== undefined && anyMatch(filter.values, [value]);
    }
    if (tagsOf !== undefined && filter.name === 'tag-key') return anyMatch(filter.values, [...tagsOf(item).keys()]);
    if (tagsOf !== undefined && filter.name === 'tag-value') return anyMatch(filter.values, [...tagsOf(item).values()]);
    const field = fields[filter.name];
    if (field === undefined) return false;
    const raw = field(item);
    if (raw === undefined) return false;
    const candidates = typeof raw === 'object' ? raw : [String(raw)];
    return anyMatch(filter.values, candidates);
  });
}

/** Validates, then keeps the items that match every filter. */
export function applyFilters<T>(
  items: readonly T[],
  filters: readonly Filter[],
  fields: FilterFields<T>,
  tagsOf?: (item: T) => ReadonlyMap<string, string>,
): T[] {
  validateFilters(filters, fields, tagsOf !== undefined);
  return items.filter((item) => matchesFilters(item, filters, fields, tagsOf));
}
