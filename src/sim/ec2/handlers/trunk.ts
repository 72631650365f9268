/**
 * The trunk-interface operations of the EC2 Query API [sgp §5]: AssociateTrunkInterface, DisassociateTrunkInterface,
 * DescribeTrunkInterfaceAssociations. The semantics and limits live in src/sim/state/ops-trunk.ts; here are the wire
 * names, id shapes and response shapes. The embedded VPC speaks the VLAN protocol only: a GreKey is refused.
 *
 * @example
 * aws ec2 associate-trunk-interface --endpoint-url $EC2 --trunk-interface-id eni-… --branch-interface-id eni-… --vlan-id 1
 */
import type { TrunkAssociation } from '../../state/model.js';
import { associateTrunk, disassociateTrunk, MAX_VLAN_ID, MIN_VLAN_ID } from '../../state/ops-trunk.js';
import { invalidParameterCombination, invalidParameterValue, missingParameter, notFound } from '../errors.js';
import { applyFilters, type FilterFields } from '../filters.js';
import type { Ec2Handler, HandlerTable } from '../handler.js';
import { paginate } from '../paginate.js';
import type { Params } from '../params.js';
import { trunkAssociationXml } from '../shapes.js';
import { ENI_ID, idList, idParam, TRUNK_ASSOCIATION_ID } from './eni-params.js';

function clientToken(params: Params): string | undefined {
  const token = params.optString('ClientToken');
  return token === undefined || token === '' ? undefined : token;
}

/** VlanId, required unless a GreKey is given, which the embedded VPC does not support. */
function vlanId(params: Params): number {
  const vlan = params.optInt('VlanId', { min: MIN_VLAN_ID, max: MAX_VLAN_ID });
  if (params.has('GreKey')) {
    if (vlan !== undefined) throw invalidParameterCombination('Specify either VlanId or GreKey, not both.');
    throw invalidParameterValue('The GRE protocol (GreKey) is not supported by the embedded VPC; use VlanId.');
  }
  if (vlan === undefined) throw missingParameter('VlanId');
  return vlan;
}

const associateTrunkInterface: Ec2Handler = (params, { store }) => {
  const branchInterfaceId = idParam(params, 'BranchInterfaceId', ENI_ID);
  const trunkInterfaceId = idParam(params, 'TrunkInterfaceId', ENI_ID);
  const token = clientToken(params);
  const association = associateTrunk(store, {
    branchInterfaceId,
    trunkInterfaceId,
    vlanId: vlanId(params),
    ...(token === undefined ? {} : { clientToken: token }),
  });
  return { interfaceAssociation: trunkAssociationXml(association), clientToken: token };
};

const disassociateTrunkInterface: Ec2Handler = (params, { store }) => {
  const associationId = idParam(params, 'AssociationId', TRUNK_ASSOCIATION_ID);
  const token = clientToken(params);
  disassociateTrunk(store, associationId, token);
  return { return: true, clientToken: token };
};

/**
 * The filters DescribeTrunkInterfaceAssociations accepts: EC2 documents `gre-key` and `interface-protocol`; callers in
 * the wild use `trunk-interface-association.trunk-interface-id`, and its branch and association siblings follow it.
 */
export const TRUNK_ASSOCIATION_FILTERS: FilterFields<TrunkAssociation> = {
  'gre-key': () => undefined,
  'interface-protocol': (a) => a.interfaceProtocol,
  'trunk-interface-association.association-id': (a) => a.id,
  'trunk-interface-association.branch-interface-id': (a) => a.branchInterfaceId,
  'trunk-interface-association.trunk-interface-id': (a) => a.trunkInterfaceId,
};

/** By ids (an unknown one fails the whole call), by filters, paged with MaxResults 5–255. */
const describeTrunkInterfaceAssociations: Ec2Handler = (params, { store, action }) => {
  const ids = [...new Set(idList(params, 'AssociationId', TRUNK_ASSOCIATION_ID))];
  const missing = ids.find((id) => !store.trunkAssociations.has(id));
  if (missing !== undefined) throw notFound('InvalidAssociationID.NotFound', 'association', missing);
  const candidates =
    ids.length > 0 ? ids.flatMap((id) => store.trunkAssociations.get(id) ?? []) : [...store.trunkAssociations.values()];
  const matched = applyFilters(candidates, params.filters(), TRUNK_ASSOCIATION_FILTERS);
  const { page, nextToken } = paginate(action, matched, params, { min: 5, max: 255 });
  return { interfaceAssociationSet: page.map(trunkAssociationXml), nextToken };
};

/** Every trunk-interface operation of the embedded VPC, keyed by EC2 Action. */
export const trunkHandlers: HandlerTable = {
  AssociateTrunkInterface: associateTrunkInterface,
  DisassociateTrunkInterface: disassociateTrunkInterface,
  DescribeTrunkInterfaceAssociations: describeTrunkInterfaceAssociations,
};
