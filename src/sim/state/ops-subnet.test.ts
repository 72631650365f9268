import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { manualClock } from '../../ipam/clock.js';
import { createSubnet, isDefaultForAz, subnetsOf, subnetZoneId, type CreateSubnetInput } from './ops-subnet.js';
import { associateVpcCidrBlock, configureVpcSettings, createVpc } from './ops-vpc.js';
import { VpcStore } from './store.js';

/** A 10.0.0.0/16 VPC with 100.64.0.0/16 associated and 100.65.0.0/16 still associating. */
function world(): { store: VpcStore; clock: ReturnType<typeof manualClock>; vpcId: string } {
  const clock = manualClock(0);
  const store = new VpcStore({ region: 'us-west-2', clock });
  const vpc = createVpc(store, { cidr: '10.0.0.0/16' });
  associateVpcCidrBlock(store, vpc.id, '100.64.0.0/16');
  clock.advance(1000);
  associateVpcCidrBlock(store, vpc.id, '100.65.0.0/16');
  return { store, clock, vpcId: vpc.id };
}

const make = (store: VpcStore, vpcId: string, cidr: string, extra: Partial<CreateSubnetInput> = {}): string =>
  createSubnet(store, { vpcId, cidr, availabilityZone: 'us-west-2a', ...extra }).cidr;

describe('createSubnet: ranges', () => {
  // Each case runs on a fresh world that already has 10.0.0.0/24.
  const cases: [string, 'ok' | 'InvalidSubnet.Range' | 'InvalidSubnet.Conflict', string?][] = [
    ['10.0.1.0/24', 'ok'],
    ['10.0.1.7/24', 'ok', '10.0.1.0/24'],
    ['10.0.16.0/20', 'ok'],
    ['10.0.255.240/28', 'ok'],
    ['100.64.0.0/19', 'ok'],
    ['100.64.0.0/16', 'ok'],
    ['10.0.0.0/15', 'InvalidSubnet.Range'],
    ['10.0.1.0/29', 'InvalidSubnet.Range'],
    ['10.1.0.0/24', 'InvalidSubnet.Range'],
    ['100.65.0.0/24', 'InvalidSubnet.Range'],
    ['192.168.0.0/24', 'InvalidSubnet.Range'],
    ['10.0.0.128/25', 'InvalidSubnet.Conflict'],
    ['10.0.0.0/16', 'InvalidSubnet.Conflict'],
    ['10.0.0.0/24', 'InvalidSubnet.Conflict'],
  ];
  for (const [cidr, outcome, canonical] of cases) {
    it(`${cidr} → ${outcome}`, () => {
      const { store, vpcId } = world();
      make(store, vpcId, '10.0.0.0/24');
      if (outcome === 'ok') {
        assert.equal(make(store, vpcId, cidr), canonical ?? cidr);
        return;
      }
      const shown = canonical ?? cidr;
      const message =
        outcome === 'InvalidSubnet.Range'
          ? `The CIDR '${shown}' is invalid.`
          : `The CIDR '${shown}' conflicts with another subnet`;
      assert.throws(() => make(store, vpcId, cidr), { code: outcome, message });
      assert.equal(subnetsOf(store, vpcId).length, 1);
    });
  }

  it('a block can be used once it is associated', () => {
    const { store, clock, vpcId } = world();
    assert.throws(() => make(store, vpcId, '100.65.0.0/19'), { code: 'InvalidSubnet.Range' });
    clock.advance(1000);
    assert.equal(make(store, vpcId, '100.65.0.0/19'), '100.65.0.0/19');
  });

  it('a subnet may not span two blocks', () => {
    const store = new VpcStore({ region: 'us-west-2', clock: manualClock(0) });
    configureVpcSettings(store, { cidrAssociationDelayMs: 0 });
    const vpc = createVpc(store, { cidr: '192.168.0.0/24' });
    associateVpcCidrBlock(store, vpc.id, '192.168.1.0/24');
    assert.throws(() => make(store, vpc.id, '192.168.0.0/23'), { code: 'InvalidSubnet.Range' });
    assert.equal(make(store, vpc.id, '192.168.1.0/27'), '192.168.1.0/27');
  });

  it('refuses non-CIDR text and unknown VPCs', () => {
    const { store, vpcId } = world();
    assert.throws(() => make(store, vpcId, '10.0.1.0'), {
      code: 'InvalidParameterValue',
      message: /not a valid CIDR block/,
    });
    assert.throws(() => make(store, 'vpc-00000000', '10.0.1.0/24'), {
      code: 'InvalidVpcID.NotFound',
      message: "The vpc ID 'vpc-00000000' does not exist",
    });
  });
});

describe('createSubnet: zones, limits, defaults', () => {
  it('takes a zone by name or by id and reports both', () => {
    const { store, vpcId } = world();
    const byName = createSubnet(store, { vpcId, cidr: '10.0.1.0/24', availabilityZone: 'us-west-2b' });
    const byId = createSubnet(store, { vpcId, cidr: '10.0.2.0/24', availabilityZoneId: 'usw2-az3' });
    assert.deepEqual([byName.availabilityZone, subnetZoneId(store, byName)], ['us-west-2b', 'usw2-az2']);
    assert.deepEqual([byId.availabilityZone, subnetZoneId(store, byId)], ['us-west-2c', 'usw2-az3']);
  });

  it('lists the valid zones when the zone is unknown', () => {
    const { store, vpcId } = world();
    assert.throws(() => make(store, vpcId, '10.0.1.0/24', { availabilityZone: 'us-east-1a' }), {
      code: 'InvalidParameterValue',
      message:
        'Value (us-east-1a) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: us-west-2a, us-west-2b, us-west-2c.',
    });
    assert.throws(() => createSubnet(store, { vpcId, cidr: '10.0.1.0/24', availabilityZoneId: 'usw2-az9' }), {
      code: 'InvalidParameterValue',
      message: /availabilityZoneId is invalid\. .*usw2-az1, usw2-az2, usw2-az3\.$/,
    });
    assert.throws(() => make(store, vpcId, '10.0.1.0/24', { availabilityZoneId: 'usw2-az1' }), {
      code: 'InvalidParameterCombination',
    });
  });

  it('without a zone picks the least used one', () => {
    const { store, vpcId } = world();
    const zones = ['10.0.1.0/24', '10.0.2.0/24', '10.0.3.0/24', '10.0.4.0/24'].map(
      (cidr) => createSubnet(store, { vpcId, cidr }).availabilityZone,
    );
    assert.deepEqual(zones, ['us-west-2a', 'us-west-2b', 'us-west-2c', 'us-west-2a']);
  });

  it('stops at the per-VPC subnet quota', () => {
    const { store, vpcId } = world();
    configureVpcSettings(store, { maxSubnetsPerVpc: 2 });
    make(store, vpcId, '10.0.1.0/24');
    make(store, vpcId, '10.0.2.0/24');
    assert.throws(() => make(store, vpcId, '10.0.3.0/24'), { code: 'SubnetLimitExceeded' });
  });

  it('counts free addresses less the five reserved ones', () => {
    const { store, vpcId } = world();
    const s24 = createSubnet(store, { vpcId, cidr: '10.0.1.0/24', availabilityZone: 'us-west-2a' });
    const s28 = createSubnet(store, { vpcId, cidr: '10.0.2.0/28', availabilityZone: 'us-west-2a' });
    assert.equal(store.availableIpAddressCount(s24), 251);
    assert.equal(store.availableIpAddressCount(s28), 11);
  });

  it('keeps tags, the public-IP flag and the default-for-zone mark', () => {
    const { store, vpcId } = world();
    const s = createSubnet(store, {
      vpcId,
      cidr: '10.0.1.0/24',
      tags: [{ key: 'kubernetes.io/role/cni', value: '1' }],
      mapPublicIpOnLaunch: true,
      defaultForAz: true,
    });
    assert.equal(s.tags.get('kubernetes.io/role/cni'), '1');
    assert.equal(s.mapPublicIpOnLaunch, true);
    assert.equal(isDefaultForAz(s), true);
    assert.equal(isDefaultForAz(createSubnet(store, { vpcId, cidr: '10.0.2.0/24' })), false);
  });

  it('a refused request leaves the id sequence untouched', () => {
    const a = world();
    const b = world();
    assert.throws(() => make(a.store, a.vpcId, '10.0.1.0/24', { tags: [{ key: 'aws:x', value: '' }] }));
    assert.equal(
      createSubnet(a.store, { vpcId: a.vpcId, cidr: '10.0.1.0/24' }).id,
      createSubnet(b.store, { vpcId: b.vpcId, cidr: '10.0.1.0/24' }).id,
    );
  });
});
