/**
 * Route tables: every VPC has one main table (used implicitly by every subnet without an explicit association),
 * further tables may be created and associated with subnets, one explicit association per subnet. Each table
 * holds a `local` route for every CIDR block of its VPC.
 *
 * @example
 * const rtb = createRouteTable(store, vpc.id, [{ key: 'Name', value: 'pods' }]);
 * associateRouteTable(store, rtb.id, subnet.id); // { id: 'rtbassoc-…', subnetId }
 * routeTableOfSubnet(store, subnet.id).id === rtb.id; // true
 */
import { Ec2Error, invalidParameterValue } from '../ec2/errors.js';
import type { RouteTable, RouteTableAssociation, Vpc } from './model.js';
import { initialTags, type TagInput } from './ops-tags.js';
import type { VpcStore } from './store.js';

/** The gateway id EC2 reports for the VPC-internal route of each block. */
export const LOCAL_GATEWAY = 'local';

/**
 * Adds a table to the store with a local route per VPC block. Used by createVpc for the main table (which is why
 * it takes the VPC record: the VPC may not be in the store yet) and by {@link createRouteTable}.
 */
export function addRouteTable(store: VpcStore, vpc: Vpc, main: boolean, tags: readonly TagInput[] = []): RouteTable {
  const validTags = initialTags(tags);
  const table: RouteTable = {
    id: store.newId('rtb'),
    vpcId: vpc.id,
    main,
    // Only the main table has a main association; others keep an id that is never shown.
    mainAssociationId: main ? store.newId('rtbassoc') : '',
    associations: [],
    routes: vpc.cidrAssociations
      .filter((a) => a.state !== 'disassociated' && a.state !== 'failed')
      .map((a) => ({ destinationCidrBlock: a.cidr, gatewayId: LOCAL_GATEWAY })),
    tags: validTags,
  };
  store.routeTables.set(table.id, table);
  return table;
}

/** CreateRouteTable: a non-main table in the VPC with its local routes; `InvalidVpcID.NotFound` when unknown. */
export function createRouteTable(store: VpcStore, vpcId: string, tags: readonly TagInput[] = []): RouteTable {
  return addRouteTable(store, store.vpc(vpcId), false, tags);
}

/** The route tables of a VPC, in creation order. */
export function routeTablesOf(store: VpcStore, vpcId: string): RouteTable[] {
  return [...store.routeTables.values()].filter((t) => t.vpcId === vpcId);
}

/** The VPC's main route table. */
export function mainRouteTable(store: VpcStore, vpcId: string): RouteTable {
  const table = routeTablesOf(store, vpcId).find((t) => t.main);
  if (table === undefined) throw new Ec2Error('InternalError', `VPC ${vpcId} has no main route table`, 500);
  return table;
}

/** The subnet's explicit association, if it has one. */
export function explicitAssociationOf(
  store: VpcStore,
  subnetId: string,
): { readonly table: RouteTable; readonly association: RouteTableAssociation } | undefined {
  for (const table of store.routeTables.values()) {
    const association = table.associations.find((a) => a.subnetId === subnetId);
    if (association !== undefined) return { table, association };
  }
  return undefined;
}

/** The table that routes the subnet's traffic: its explicit association, else its VPC's main table. */
export function routeTableOfSubnet(store: VpcStore, subnetId: string): RouteTable {
  const subnet = store.subnet(subnetId);
  return explicitAssociationOf(store, subnetId)?.table ?? mainRouteTable(store, subnet.vpcId);
}

/**
 * AssociateRouteTable with a subnet. A subnet has at most one explicit association (`Resource.AlreadyAssociated`,
 * also for the same table again); table and subnet must share the VPC (`InvalidParameterValue`).
 */
export function associateRouteTable(store: VpcStore, routeTableId: string, subnetId: string): RouteTableAssociation {
  const table = store.routeTable(routeTableId);
  const subnet = store.subnet(subnetId);
  if (table.vpcId !== subnet.vpcId) {
    throw invalidParameterValue(`Route table ${table.id} and subnet ${subnet.id} belong to different networks`);
  }
  const existing = explicitAssociationOf(store, subnet.id);
  if (existing !== undefined) {
    throw new Ec2Error(
      'Resource.AlreadyAssociated',
      `the specified association for route table ${table.id} conflicts with an existing association (${existing.association.id} with ${existing.table.id})`,
    );
  }
  const association: RouteTableAssociation = { id: store.newId('rtbassoc'), subnetId: subnet.id };
  table.associations.push(association);
  return association;
}

/** Adds the local route of a newly associated block to every route table of the VPC. */
export function addLocalRoutes(store: VpcStore, vpcId: string, cidr: string): void {
  for (const table of routeTablesOf(store, vpcId)) {
    if (!table.routes.some((r) => r.destinationCidrBlock === cidr)) {
      table.routes.push({ destinationCidrBlock: cidr, gatewayId: LOCAL_GATEWAY });
    }
  }
}
