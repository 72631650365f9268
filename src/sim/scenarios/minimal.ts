/** The smallest useful VPC, for tests: one VPC (10.0.0.0/16), one /24 subnet in zone a, no instances. */
import type { VpcStore } from '../state/store.js';
import { createVpc } from '../state/ops-vpc.js';
import { createSubnet } from '../state/ops-subnet.js';
import type { Scenario } from './types.js';

function build(store: VpcStore): void {
  const vpc = createVpc(store, { cidr: '10.0.0.0/16', tags: [{ key: 'Name', value: 'minimal' }] });
  createSubnet(store, {
    vpcId: vpc.id,
    cidr: '10.0.0.0/24',
    availabilityZone: `${store.region}a`,
    tags: [{ key: 'Name', value: 'minimal-a' }],
  });
}

export const minimal: Scenario = {
  name: 'minimal',
  region: 'us-west-2',
  description: 'one VPC (10.0.0.0/16) with one /24 subnet, no instances',
  build,
};
