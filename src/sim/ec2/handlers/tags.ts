/**
 * CreateTags and DescribeTags over every taggable resource of the embedded VPC (VPCs, subnets, route tables,
 * security groups, ENIs, instances). The CNI tags its ENIs with CreateTags; DescribeTags serves its metrics helper
 * and humans with the AWS CLI.
 *
 * @example
 * const server = await startEc2Server({ store, handlers: { ...networkHandlers, ...tagHandlers }, port: 0 });
 */
import { createTags, taggedResources, type TaggedResource } from '../../state/ops-tags.js';
import { missingParameter } from '../errors.js';
import type { FilterFields } from '../filters.js';
import type { HandlerTable } from '../handler.js';
import { describePage, PAGE_5_1000 } from './network-common.js';

/** One row of DescribeTags: a tag of a resource. */
interface TagRow {
  readonly resource: TaggedResource;
  readonly key: string;
  readonly value: string;
}

const TAG_FILTERS: FilterFields<TagRow> = {
  'resource-id': (r) => r.resource.id,
  'resource-type': (r) => r.resource.type,
  key: (r) => r.key,
  value: (r) => r.value,
};

/** CreateTags and DescribeTags. */
export const tagHandlers: HandlerTable = {
  CreateTags: (p, { store }) => {
    const resourceIds = p.list('ResourceId');
    if (resourceIds.length === 0) throw missingParameter('ResourceId');
    const tags = p.tags();
    if (tags.length === 0) throw missingParameter('Tag');
    createTags(store, resourceIds, tags);
    return { return: true };
  },

  DescribeTags: (p, { store, action }) => {
    const rows: TagRow[] = taggedResources(store).flatMap((resource) =>
      [...resource.tags].map(([key, value]) => ({ resource, key, value })),
    );
    // `tag:<key>` filters look at the whole resource: the rows kept are every tag of the resources that match.
    const { page, nextToken } = describePage(action, p, rows, TAG_FILTERS, (r) => r.resource.tags, PAGE_5_1000);
    return {
      tagSet: page.map((r) => ({
        resourceId: r.resource.id,
        resourceType: r.resource.type,
        key: r.key,
        value: r.value,
      })),
      nextToken,
    };
  },
};
