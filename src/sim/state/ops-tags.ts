/**
 * Tags on the embedded VPC's resources: EC2's limits (50 per resource, keys ≤ 127 characters and not `aws:`,
 * values ≤ 256), CreateTags' all-or-nothing overwrite, and the resource-type names DescribeTags reports.
 *
 * @example
 * createTags(store, [subnet.id], [{ key: 'kubernetes.io/role/cni', value: '1' }]);
 * taggedResources(store).find((r) => r.id === subnet.id)?.type; // 'subnet'
 */
import { Ec2Error, invalidParameterValue } from '../ec2/errors.js';
import type { Tags } from './model.js';
import type { VpcStore } from './store.js';

/** One tag as requests carry it (structurally the same as the query layer's `Tag`). */
export interface TagInput {
  readonly key: string;
  readonly value: string;
}

export const MAX_TAGS_PER_RESOURCE = 50;
export const MAX_TAG_KEY_LENGTH = 127;
export const MAX_TAG_VALUE_LENGTH = 256;

/** The `resourceType` names DescribeTags uses for the kinds of resource the embedded VPC has. */
export type TaggableResourceType =
  'vpc' | 'subnet' | 'route-table' | 'security-group' | 'network-interface' | 'instance';

const TYPE_BY_PREFIX: Readonly<Record<string, TaggableResourceType>> = {
  vpc: 'vpc',
  subnet: 'subnet',
  rtb: 'route-table',
  sg: 'security-group',
  eni: 'network-interface',
  i: 'instance',
};

/** `<prefix>-` and 8 (legacy) or 17 lower-case hex digits, as every EC2 id. */
const TAGGABLE_ID = /^(vpc|subnet|rtb|sg|eni|i)-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

/**
 * Characters a response cannot carry intact: those XML 1.0 forbids (C0 controls other than tab/LF/CR, lone
 * surrogates, U+FFFE/U+FFFF), which no client could parse. Refusing them up front keeps every accepted tag
 * round-tripping exactly, instead of corrupting later Describe* answers. (CR is fine: the XML writer escapes it.)
 */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** The DescribeTags resource type of a well-formed taggable id, or undefined. */
export function resourceTypeOf(resourceId: string): TaggableResourceType | undefined {
  const match = TAGGABLE_ID.exec(resourceId);
  return match?.[1] === undefined ? undefined : TYPE_BY_PREFIX[match[1]];
}

/** Checks each tag on its own (key and value rules); throws EC2's InvalidParameterValue. */
export function validateTags(tags: readonly TagInput[]): void {
  for (const { key, value } of tags) {
    if (key.length === 0) throw invalidParameterValue('Tag key cannot be empty.');
    if (key.length > MAX_TAG_KEY_LENGTH) {
      throw invalidParameterValue(
        `Tag key exceeds the maximum length of ${MAX_TAG_KEY_LENGTH} characters (got ${key.length}).`,
      );
    }
    if (key.toLowerCase().startsWith('aws:')) {
      throw invalidParameterValue(
        `Value ( ${key} ) for parameter key is invalid. Tag keys starting with 'aws:' are reserved for internal use`,
      );
    }
    if (value.length > MAX_TAG_VALUE_LENGTH) {
      throw invalidParameterValue(
        `Tag value exceeds the maximum length of ${MAX_TAG_VALUE_LENGTH} characters (got ${value.length}).`,
      );
    }
    if (NOT_XML_CHAR.test(key) || NOT_XML_CHAR.test(value)) {
      throw invalidParameterValue(
        'Tag keys and values may not contain control characters (other than tab, CR and LF) or unpaired surrogates.',
      );
    }
  }
}

function tagLimitExceeded(): Ec2Error {
  return new Ec2Error(
    'TagLimitExceeded',
    `The maximum number of Tags for a resource has been reached (${MAX_TAGS_PER_RESOURCE}).`,
  );
}

/** Keys the resource would have after the tags are applied (overwrites do not count twice). */
function countAfter(existing: ReadonlyMap<string, string>, tags: readonly TagInput[]): number {
  const keys = new Set(existing.keys());
  for (const { key } of tags) keys.add(key);
  return keys.size;
}

/** Validated tags for a resource being created (TagSpecification, scenario set-up); later duplicates win. */
export function initialTags(tags: readonly TagInput[] = []): Tags {
  validateTags(tags);
  if (countAfter(new Map(), tags) > MAX_TAGS_PER_RESOURCE) throw tagLimitExceeded();
  return new Map(tags.map(({ key, value }) => [key, value]));
}

/**
 * CreateTags: adds or overwrites tags on every resource. All or nothing: every id, tag and per-resource limit is
 * checked before anything changes. A malformed or non-taggable id is `InvalidID`; an unknown one the resource's
 * own NotFound error.
 */
export function createTags(store: VpcStore, resourceIds: readonly string[], tags: readonly TagInput[]): void {
  validateTags(tags);
  const targets: Tags[] = [];
  for (const id of resourceIds) {
    if (resourceTypeOf(id) === undefined) throw new Ec2Error('InvalidID', `The ID '${id}' is not valid`);
    const existing = store.tagsOf(id);
    if (countAfter(existing, tags) > MAX_TAGS_PER_RESOURCE) throw tagLimitExceeded();
    targets.push(existing);
  }
  for (const target of targets) for (const { key, value } of tags) target.set(key, value);
}

/** A taggable resource as DescribeTags sees it. */
export interface TaggedResource {
  readonly id: string;
  readonly type: TaggableResourceType;
  readonly tags: Tags;
}

/** Every taggable resource, grouped by kind (VPCs, subnets, route tables, groups, ENIs, instances), each in creation order. */
export function taggedResources(store: VpcStore): TaggedResource[] {
  const groups: [TaggableResourceType, Iterable<{ readonly id: string; readonly tags: Tags }>][] = [
    ['vpc', store.vpcs.values()],
    ['subnet', store.subnets.values()],
    ['route-table', store.routeTables.values()],
    ['security-group', store.securityGroups.values()],
    ['network-interface', store.enis.values()],
    ['instance', store.instances.values()],
  ];
  return groups.flatMap(([type, resources]) => [...resources].map(({ id, tags }) => ({ id, type, tags })));
}
