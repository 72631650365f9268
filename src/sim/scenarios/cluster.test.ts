// The cluster-scale scenario: N nodes over large subnets in three zones, VPC blocks added as secondary CIDRs.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { manualClock } from '../../ipam/clock.js';
import { VpcStore } from '../state/store.js';
import { clusterScenario, clusterSubnetCount } from './cluster.js';

function build(options: Parameters<typeof clusterScenario>[0]): VpcStore {
  const scenario = clusterScenario(options);
  const store = new VpcStore({ region: scenario.region, clock: manualClock(0) });
  scenario.build(store);
  return store;
}

describe('cluster scenario', () => {
  it('spreads N m5.large nodes round-robin over one /16 subnet per VPC block, three zones', () => {
    const store = build({ nodes: 7 });
    const subnets = [...store.subnets.values()];
    assert.deepEqual(
      subnets.map((s) => s.cidr),
      ['10.0.0.0/16', '10.1.0.0/16', '10.2.0.0/16'],
    );
    assert.deepEqual(
      subnets.map((s) => s.availabilityZone),
      ['us-west-2a', 'us-west-2b', 'us-west-2c'],
    );
    const instances = [...store.instances.values()];
    assert.equal(instances.length, 7);
    assert.ok(instances.every((i) => i.instanceType === 'm5.large'));
    assert.deepEqual(
      subnets.map((s) => instances.filter((i) => i.subnetId === s.id).length),
      [3, 2, 2],
    );
  });

  it('adds VPC blocks for big clusters, up to the quota of five', () => {
    assert.equal(clusterSubnetCount({ nodes: 1000 }), 3);
    assert.equal(clusterSubnetCount({ nodes: 5000 }), 4);
    assert.equal(clusterSubnetCount({ nodes: 50_000 }), 5);
    assert.equal(clusterSubnetCount({ nodes: 10, subnetPrefix: 24 }), 3);
    const store = build({ nodes: 2, subnets: 5, subnetPrefix: 24 });
    assert.deepEqual(
      [...store.subnets.values()].map((s) => s.cidr),
      ['10.0.0.0/24', '10.1.0.0/24', '10.2.0.0/24', '10.3.0.0/24', '10.4.0.0/24'],
    );
  });

  it('refuses impossible shapes', () => {
    assert.throws(() => clusterScenario({ nodes: 0 }), RangeError);
    assert.throws(() => clusterScenario({ nodes: 1, subnets: 6 }), RangeError);
    assert.throws(() => clusterScenario({ nodes: 1, subnetPrefix: 29 }), RangeError);
  });
});
