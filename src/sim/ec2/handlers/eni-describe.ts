/**
 * DescribeNetworkInterfaces: by ids (any unknown id fails the whole call, naming the first missing one — the
 * reference CNI strips that id and retries), by filters, paged with MaxResults 5–1000 (not combinable with ids).
 * Pending detaches whose delay has passed are settled first, so the answer reflects the store clock.
 */
import type { Eni } from '../../state/model.js';
import { settleDetachments } from '../../state/ops-eni.js';
import type { VpcStore } from '../../state/store.js';
import { invalidParameterCombination, notFound } from '../errors.js';
import { applyFilters, type FilterFields } from '../filters.js';
import type { Ec2Handler } from '../handler.js';
import { paginate } from '../paginate.js';
import { eniXml, privateDnsName } from '../shapes.js';
import { ENI_ID, idList } from './eni-params.js';

function allAddresses(eni: Eni): string[] {
  return [eni.privateIpAddress, ...eni.secondaryIps];
}

/** The filters DescribeNetworkInterfaces accepts (besides `tag:<key>`, `tag-key` and `tag-value`). */
export function eniFilterFields(store: VpcStore): FilterFields<Eni> {
  return {
    'network-interface-id': (e) => e.id,
    'attachment.attachment-id': (e) => e.attachment?.id,
    'attachment.instance-id': (e) => e.attachment?.instanceId,
    'attachment.instance-owner-id': (e) => (e.attachment === undefined ? undefined : store.accountId),
    'attachment.device-index': (e) => e.attachment?.deviceIndex,
    'attachment.network-card-index': (e) => e.attachment?.networkCardIndex,
    'attachment.status': (e) => e.attachment?.status,
    'attachment.delete-on-termination': (e) => e.attachment?.deleteOnTermination,
    'attachment.attach-time': (e) =>
      e.attachment === undefined ? undefined : new Date(e.attachment.attachTime).toISOString(),
    status: (e) => e.status,
    'subnet-id': (e) => e.subnetId,
    'vpc-id': (e) => e.vpcId,
    'availability-zone': (e) => e.availabilityZone,
    description: (e) => e.description,
    'group-id': (e) => e.groups,
    'group-name': (e) => e.groups.flatMap((id) => store.securityGroups.get(id)?.name ?? []),
    'private-ip-address': (e) => allAddresses(e),
    'addresses.private-ip-address': (e) => allAddresses(e),
    'addresses.primary': (e) => (e.secondaryIps.length > 0 ? ['true', 'false'] : ['true']),
    'private-dns-name': (e) => privateDnsName(store, e.privateIpAddress),
    'mac-address': (e) => e.macAddress,
    'interface-type': (e) => e.interfaceType,
    'requester-managed': (e) => e.requesterManaged,
    'source-dest-check': (e) => e.sourceDestCheck,
    'owner-id': () => store.accountId,
  };
}

export const describeNetworkInterfaces: Ec2Handler = (params, { store, action }) => {
  const ids = [...new Set(idList(params, 'NetworkInterfaceId', ENI_ID))];
  if (ids.length > 0 && params.has('MaxResults')) {
    throw invalidParameterCombination('The parameter NetworkInterfaceIds cannot be used with the parameter MaxResults');
  }
  settleDetachments(store);
  let enis: Eni[];
  if (ids.length > 0) {
    const missing = ids.find((id) => !store.enis.has(id));
    if (missing !== undefined) throw notFound('InvalidNetworkInterfaceID.NotFound', 'networkInterface', missing);
    enis = ids.flatMap((id) => store.enis.get(id) ?? []);
  } else {
    enis = [...store.enis.values()];
  }
  const matched = applyFilters(enis, params.filters(), eniFilterFields(store), (e) => e.tags);
  const { page, nextToken } = paginate(action, matched, params, { min: 5, max: 1000 });
  return { networkInterfaceSet: page.map((eni) => eniXml(store, eni)), nextToken };
};
