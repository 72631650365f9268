import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { manualClock } from '../../ipam/clock.js';
import { createRouteTable, mainRouteTable, routeTablesOf } from './ops-routes.js';
import { defaultSecurityGroup } from './ops-sg.js';
import {
  associateVpcCidrBlock,
  associatedCidrs,
  cidrAssociationState,
  configureVpcSettings,
  createVpc,
  DEFAULT_VPC_SETTINGS,
  vpcSettings,
} from './ops-vpc.js';
import { VpcStore } from './store.js';

function newStore(): { store: VpcStore; clock: ReturnType<typeof manualClock> } {
  const clock = manualClock(5_000);
  return { store: new VpcStore({ region: 'us-west-2', clock }), clock };
}

const localRoutes = (store: VpcStore, rtbId: string): string[] =>
  store
    .routeTable(rtbId)
    .routes.filter((r) => r.gatewayId === 'local')
    .map((r) => r.destinationCidrBlock);

describe('createVpc', () => {
  it('creates the VPC with its primary block associated, a main route table and the default group', () => {
    const { store } = newStore();
    const vpc = createVpc(store, { cidr: '10.0.0.0/16', tags: [{ key: 'Name', value: 'eks' }] });
    assert.match(vpc.id, /^vpc-[0-9a-f]{17}$/);
    assert.equal(vpc.cidrAssociations.length, 1);
    assert.equal(cidrAssociationState(store, vpc.cidrAssociations[0]!), 'associated');
    assert.match(vpc.cidrAssociations[0]!.associationId, /^vpc-cidr-assoc-[0-9a-f]{17}$/);
    assert.equal(vpc.tags.get('Name'), 'eks');
    const main = mainRouteTable(store, vpc.id);
    assert.equal(main.main, true);
    assert.match(main.mainAssociationId, /^rtbassoc-/);
    assert.deepEqual(main.routes, [{ destinationCidrBlock: '10.0.0.0/16', gatewayId: 'local' }]);
    const sg = defaultSecurityGroup(store, vpc.id);
    assert.equal(sg.description, 'default VPC security group');
  });

  it('drops host bits from the primary block', () => {
    const { store } = newStore();
    assert.equal(createVpc(store, { cidr: '10.0.0.5/16' }).cidrAssociations[0]?.cidr, '10.0.0.0/16');
  });

  it('refuses sizes outside /16–/28, link-local space and non-CIDR text', () => {
    const { store } = newStore();
    assert.throws(() => createVpc(store, { cidr: '10.0.0.0/8' }), {
      code: 'InvalidVpc.Range',
      message: "The CIDR '10.0.0.0/8' is invalid.",
    });
    assert.throws(() => createVpc(store, { cidr: '10.0.0.0/29' }), { code: 'InvalidVpc.Range' });
    assert.throws(() => createVpc(store, { cidr: '169.254.0.0/16' }), {
      code: 'InvalidVpc.Range',
      message: /restricted/,
    });
    assert.throws(() => createVpc(store, { cidr: '10.0.0/16' }), {
      code: 'InvalidParameterValue',
      message: 'Value (10.0.0/16) for parameter cidrBlock is invalid. This is not a valid CIDR block.',
    });
    assert.equal(store.vpcs.size, 0, 'nothing half-created');
  });
});

describe('associateVpcCidrBlock', () => {
  it('canonicalises, starts associating and becomes associated after the delay on the store clock', () => {
    const { store, clock } = newStore();
    const vpc = createVpc(store, { cidr: '10.0.0.0/16' });
    const association = associateVpcCidrBlock(store, vpc.id, '100.68.0.18/18');
    assert.equal(association.cidr, '100.68.0.0/18');
    assert.equal(cidrAssociationState(store, association), 'associating');
    assert.deepEqual(associatedCidrs(store, vpc).length, 1, 'not usable for subnets yet');
    clock.advance(DEFAULT_VPC_SETTINGS.cidrAssociationDelayMs - 1);
    assert.equal(cidrAssociationState(store, association), 'associating');
    clock.advance(1);
    assert.equal(cidrAssociationState(store, association), 'associated');
    assert.equal(association.state, 'associated', 'written back for persistence');
    assert.equal(associatedCidrs(store, vpc).length, 2);
  });

  it('with a zero delay the block reads as associated at once', () => {
    const { store } = newStore();
    configureVpcSettings(store, { cidrAssociationDelayMs: 0 });
    const vpc = createVpc(store, { cidr: '10.0.0.0/16' });
    assert.equal(cidrAssociationState(store, associateVpcCidrBlock(store, vpc.id, '100.64.0.0/16')), 'associated');
  });

  it('adds a local route to every route table of the VPC, and later tables get it too', () => {
    const { store } = newStore();
    const vpc = createVpc(store, { cidr: '10.0.0.0/16' });
    const custom = createRouteTable(store, vpc.id);
    associateVpcCidrBlock(store, vpc.id, '100.64.0.0/16');
    const later = createRouteTable(store, vpc.id);
    for (const table of routeTablesOf(store, vpc.id))
      assert.deepEqual(localRoutes(store, table.id), ['10.0.0.0/16', '100.64.0.0/16']);
    assert.equal(routeTablesOf(store, vpc.id).length, 3);
    assert.deepEqual(localRoutes(store, later.id), localRoutes(store, custom.id));
  });

  it('allows 5 blocks including the primary, then CidrLimitExceeded', () => {
    const { store } = newStore();
    const vpc = createVpc(store, { cidr: '10.0.0.0/16' });
    for (const cidr of ['100.64.0.0/16', '100.65.0.0/16', '100.66.0.0/16', '100.67.0.0/16'])
      associateVpcCidrBlock(store, vpc.id, cidr);
    assert.throws(() => associateVpcCidrBlock(store, vpc.id, '100.68.0.0/16'), {
      code: 'CidrLimitExceeded',
      message: `This network '${vpc.id}' has met its maximum number of allowed CIDRs: 5`,
    });
  });

  it('honours a raised block quota', () => {
    const { store } = newStore();
    configureVpcSettings(store, { maxCidrBlocksPerVpc: 6 });
    const vpc = createVpc(store, { cidr: '10.0.0.0/16' });
    for (let i = 0; i < 5; i++) associateVpcCidrBlock(store, vpc.id, `100.${64 + i}.0.0/16`);
    assert.equal(vpc.cidrAssociations.length, 6);
  });

  const refusals: [string, string, RegExp][] = [
    ['10.0.0.0/15', 'InvalidVpc.Range', /^The CIDR '10\.0\.0\.0\/15' is invalid\.$/],
    ['100.64.0.0/29', 'InvalidVpc.Range', /^The CIDR '100\.64\.0\.0\/29' is invalid\.$/],
    ['10.0.128.0/17', 'InvalidVpc.Range', /conflicts with the CIDR '10\.0\.0\.0\/16'/],
    ['10.0.0.0/16', 'InvalidVpc.Range', /conflicts/],
    ['192.168.0.0/16', 'InvalidVpc.Range', /^The CIDR '192\.168\.0\.0\/16' is restricted\./],
    ['172.16.0.0/16', 'InvalidVpc.Range', /restricted/],
    ['198.19.0.0/16', 'InvalidVpc.Range', /restricted/],
    ['169.254.0.0/16', 'InvalidVpc.Range', /restricted/],
    ['bogus', 'InvalidParameterValue', /not a valid CIDR block/],
  ];
  for (const [cidr, code, message] of refusals) {
    it(`refuses ${cidr} on a 10.0.0.0/16 VPC with ${code}`, () => {
      const { store } = newStore();
      const vpc = createVpc(store, { cidr: '10.0.0.0/16' });
      assert.throws(() => associateVpcCidrBlock(store, vpc.id, cidr), { code, message });
      assert.equal(vpc.cidrAssociations.length, 1);
      assert.deepEqual(localRoutes(store, mainRouteTable(store, vpc.id).id), ['10.0.0.0/16']);
    });
  }

  it('refuses a block that would swallow the destination of a non-local route', () => {
    const { store } = newStore();
    const vpc = createVpc(store, { cidr: '10.0.0.0/16' });
    mainRouteTable(store, vpc.id).routes.push({
      destinationCidrBlock: '100.64.1.0/24',
      gatewayId: 'pcx-0123456789abcdef0',
    });
    assert.throws(() => associateVpcCidrBlock(store, vpc.id, '100.64.0.0/16'), {
      code: 'InvalidVpc.Range',
      message: /destination of a route/,
    });
    associateVpcCidrBlock(store, vpc.id, '100.65.0.0/16');
  });

  it('names an unknown VPC', () => {
    const { store } = newStore();
    assert.throws(() => associateVpcCidrBlock(store, 'vpc-0123456789abcdef0', '100.64.0.0/16'), {
      code: 'InvalidVpcID.NotFound',
      message: "The vpc ID 'vpc-0123456789abcdef0' does not exist",
    });
  });
});

describe('VPC settings', () => {
  it('are per store, with defaults, and validated', () => {
    const a = newStore().store;
    const b = newStore().store;
    configureVpcSettings(a, { cidrAssociationDelayMs: 0, cidrRules: 'relaxed' });
    assert.equal(vpcSettings(a).cidrAssociationDelayMs, 0);
    assert.equal(vpcSettings(a).maxSubnetsPerVpc, 200);
    assert.deepEqual(vpcSettings(b), DEFAULT_VPC_SETTINGS);
    assert.throws(() => configureVpcSettings(a, { cidrAssociationDelayMs: -1 }), RangeError);
    assert.throws(() => configureVpcSettings(a, { maxSubnetsPerVpc: 0 }), RangeError);
    assert.equal(vpcSettings(a).cidrRules, 'relaxed', 'a refused change leaves the settings alone');
  });

  it('relaxed rules let RFC 1918 ranges mix', () => {
    const { store } = newStore();
    configureVpcSettings(store, { cidrRules: 'relaxed' });
    const vpc = createVpc(store, { cidr: '10.0.0.0/16' });
    assert.equal(associateVpcCidrBlock(store, vpc.id, '192.168.0.0/16').cidr, '192.168.0.0/16');
  });
});
