/**
 * DescribeRouteTables, AssociateRouteTable and CreateRouteTable. The main table shows its main association
 * (`main` true, no subnet); explicit associations name their subnet. `association.subnet-id` matches explicit
 * associations only — a subnet that just uses the main table is found with `association.main=true`.
 */
import type { RouteTable } from '../../state/model.js';
import { associateRouteTable, createRouteTable, LOCAL_GATEWAY } from '../../state/ops-routes.js';
import type { VpcStore } from '../../state/store.js';
import type { FilterFields } from '../filters.js';
import type { HandlerTable } from '../handler.js';
import { tagSetXml } from '../shapes.js';
import type { XmlObject } from '../xml.js';
import {
  checkId,
  describePage,
  PAGE_5_100,
  refuseUnsupported,
  ROUTE_TABLE_ID,
  selectByIds,
  SUBNET_ID,
  VPC_ID,
} from './network-common.js';

interface AssociationView {
  readonly id: string;
  readonly main: boolean;
  readonly subnetId: string | undefined;
}

/** The main association (main tables only) followed by the explicit ones, in association order. */
function associationsOf(table: RouteTable): AssociationView[] {
  return [
    ...(table.main ? [{ id: table.mainAssociationId, main: true, subnetId: undefined }] : []),
    ...table.associations.map((a) => ({ id: a.id, main: false, subnetId: a.subnetId })),
  ];
}

/** The RouteTable shape (DescribeRouteTables item, CreateRouteTable's `routeTable`). */
export function routeTableXml(store: VpcStore, table: RouteTable): XmlObject {
  return {
    routeTableId: table.id,
    vpcId: table.vpcId,
    ownerId: store.accountId,
    associationSet: associationsOf(table).map((a) => ({
      routeTableAssociationId: a.id,
      routeTableId: table.id,
      subnetId: a.subnetId,
      main: a.main,
      associationState: { state: 'associated' },
    })),
    routeSet: table.routes.map((r) => ({
      destinationCidrBlock: r.destinationCidrBlock,
      gatewayId: r.gatewayId,
      state: 'active',
      origin: r.gatewayId === LOCAL_GATEWAY ? 'CreateRouteTable' : 'CreateRoute',
    })),
    propagatingVgwSet: [],
    tagSet: tagSetXml(table.tags),
  };
}

function routeTableFilters(store: VpcStore): FilterFields<RouteTable> {
  return {
    'route-table-id': (t) => t.id,
    'vpc-id': (t) => t.vpcId,
    'owner-id': () => store.accountId,
    'association.subnet-id': (t) => t.associations.map((a) => a.subnetId),
    // One value per association: a table without any has no value and so matches neither true nor false.
    'association.main': (t) => associationsOf(t).map((a) => String(a.main)),
    'association.route-table-association-id': (t) => associationsOf(t).map((a) => a.id),
    'association.route-table-id': (t) => (associationsOf(t).length > 0 ? t.id : undefined),
    'association.association-state': (t) => associationsOf(t).map(() => 'associated'),
    'route.destination-cidr-block': (t) => t.routes.map((r) => r.destinationCidrBlock),
    'route.gateway-id': (t) => t.routes.map((r) => r.gatewayId),
    'route.state': (t) => (t.routes.length > 0 ? 'active' : undefined),
    'route.origin': (t) => t.routes.map((r) => (r.gatewayId === LOCAL_GATEWAY ? 'CreateRouteTable' : 'CreateRoute')),
  };
}

/** DescribeRouteTables, AssociateRouteTable and CreateRouteTable. */
export const routeHandlers: HandlerTable = {
  DescribeRouteTables: (p, { store, action }) => {
    const ids = p.list('RouteTableId');
    const tables = selectByIds(ids, ROUTE_TABLE_ID, (id) => store.routeTable(id), [...store.routeTables.values()]);
    const { page, nextToken } = describePage(action, p, tables, routeTableFilters(store), (t) => t.tags, PAGE_5_100);
    return { routeTableSet: page.map((t) => routeTableXml(store, t)), nextToken };
  },

  AssociateRouteTable: (p, { store }) => {
    refuseUnsupported(p, ['GatewayId', 'PublicIpv4Pool']);
    const routeTableId = checkId(ROUTE_TABLE_ID, p.string('RouteTableId'));
    const subnetId = checkId(SUBNET_ID, p.string('SubnetId'));
    const association = associateRouteTable(store, routeTableId, subnetId);
    return { associationId: association.id, associationState: { state: 'associated' } };
  },

  CreateRouteTable: (p, { store }) => {
    const vpcId = checkId(VPC_ID, p.string('VpcId'));
    const table = createRouteTable(store, vpcId, p.tagSpecifications('route-table'));
    return { routeTable: routeTableXml(store, table) };
  },
};
