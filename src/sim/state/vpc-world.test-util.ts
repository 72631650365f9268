/**
 * The smallest world the VPC-level operations' tests start from, made by the operations themselves (unlike
 * eni-fixtures.test-util.ts, which writes records): a store on a manual clock at 0 with a 10.0.0.0/16 VPC and one
 * 10.0.1.0/24 subnet in us-west-2a.
 *
 * @example
 * const { store, vpcId, subnetId } = vpcWorld();
 * routeTableOfSubnet(store, subnetId).id === mainRouteTable(store, vpcId).id; // true
 */
import { manualClock } from '../../ipam/clock.js';
import { createSubnet } from './ops-subnet.js';
import { createVpc } from './ops-vpc.js';
import { VpcStore } from './store.js';

export function vpcWorld(): { store: VpcStore; vpcId: string; subnetId: string } {
  const store = new VpcStore({ region: 'us-west-2', clock: manualClock(0) });
  const vpc = createVpc(store, { cidr: '10.0.0.0/16' });
  const subnet = createSubnet(store, { vpcId: vpc.id, cidr: '10.0.1.0/24', availabilityZone: 'us-west-2a' });
  return { store, vpcId: vpc.id, subnetId: subnet.id };
}
