import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { CustomNetworkingError } from './errors.js';
import { buildPlan, newSubnetPlaceholder } from './plan.js';
import { ec2Changes } from './plan-types.js';
import { GROUPS, ZONES, node, subnet, workshopState } from './state.test-util.js';

const DEFAULTS = { cidr: '100.64.0.0/16', subnetSize: 19 };

const refused = (code: string, pattern: RegExp) => (error: unknown) => {
  assert.ok(error instanceof CustomNetworkingError, String(error));
  assert.equal(error.code, code);
  assert.match(error.message, pattern);
  return true;
};

describe('buildPlan', () => {
  it("is the seed's end state for the workshop VPC", () => {
    const plan = buildPlan(workshopState(), DEFAULTS);
    assert.equal(plan.cidr.action, 'associate');
    assert.deepEqual(
      plan.subnets.map((s) => [s.availabilityZone, s.cidr, s.action, s.usableIps, s.neededIps]),
      [
        ['ap-northeast-2a', '100.64.0.0/19', 'create', 8187, 20],
        ['ap-northeast-2b', '100.64.32.0/19', 'create', 8187, 20],
        ['ap-northeast-2c', '100.64.64.0/19', 'create', 8187, 20],
      ],
    );
    assert.deepEqual(plan.subnets[0]?.tags, {
      Name: 'eksworkshop-pod-ap-northeast-2a',
      'kubernetes.io/cluster/eksworkshop': 'shared',
    });
    assert.deepEqual(
      plan.routes.map((r) => [r.routeTableId, r.action]),
      [
        ['rtb-public', 'associate'],
        ['rtb-public', 'associate'],
        ['rtb-public', 'associate'],
      ],
    );
    assert.deepEqual(
      plan.eniConfigs.map((c) => [c.name, c.subnet, c.securityGroups]),
      ZONES.map((z, i) => [z, newSubnetPlaceholder(plan.subnets[i]?.cidr ?? ''), [...GROUPS]]),
    );
    assert.deepEqual(
      plan.nodes.map((n) => [n.kind, n.key, n.value, n.maxPods]),
      ZONES.map((z) => ['annotation', 'k8s.amazonaws.com/eniConfig', z, 20]),
    );
    assert.deepEqual(plan.daemonSetEnv, { AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: 'true' });
    assert.deepEqual(
      plan.maxPods.map((m) => [m.instanceType, m.before, m.after, m.nodes]),
      [['m5.large', 29, 20, 3]],
    );
    assert.equal(ec2Changes(plan), 7);
  });

  it('reuses the subnets an earlier run made, whatever their order, and adds only missing tags', () => {
    const state = workshopState();
    const done = workshopState({
      vpc: {
        ...state.vpc,
        cidrBlocks: [...state.vpc.cidrBlocks, { associationId: 'a-2', cidr: '100.64.0.0/16', state: 'associated' }],
      },
      subnets: [...state.subnets, subnet('subnet-pod-b', '100.64.0.0/19', 'ap-northeast-2b', { Name: 'mine' })],
      routeTables: [
        state.routeTables[0] ?? { id: '', vpcId: '', main: true, subnetIds: [] },
        {
          id: 'rtb-public',
          vpcId: 'vpc-1',
          main: false,
          subnetIds: [...(state.routeTables[1]?.subnetIds ?? []), 'subnet-pod-b'],
        },
      ],
    });
    const plan = buildPlan(done, DEFAULTS);
    assert.equal(plan.cidr.action, 'none');
    assert.deepEqual(
      plan.subnets.map((s) => [s.availabilityZone, s.cidr, s.subnetId ?? null]),
      [
        ['ap-northeast-2a', '100.64.32.0/19', null],
        ['ap-northeast-2b', '100.64.0.0/19', 'subnet-pod-b'],
        ['ap-northeast-2c', '100.64.64.0/19', null],
      ],
    );
    assert.deepEqual(plan.subnets[1]?.missingTags, { 'kubernetes.io/cluster/eksworkshop': 'shared' });
    assert.deepEqual(
      plan.routes.map((r) => r.action),
      ['associate', 'none', 'associate'],
    );
    assert.equal(plan.eniConfigs[1]?.subnet, 'subnet-pod-b');
  });

  it("uses each zone's own route table (private subnets with a NAT gateway per zone), else the main one", () => {
    const state = workshopState({
      routeTables: [
        { id: 'rtb-main', vpcId: 'vpc-1', main: true, subnetIds: [] },
        { id: 'rtb-a', vpcId: 'vpc-1', main: false, subnetIds: ['subnet-node-a'] },
        { id: 'rtb-b', vpcId: 'vpc-1', main: false, subnetIds: ['subnet-node-b'] },
      ],
    });
    const plan = buildPlan(state, DEFAULTS);
    assert.deepEqual(
      plan.routes.map((r) => [r.routeTableId, r.main, r.action]),
      [
        ['rtb-a', false, 'associate'],
        ['rtb-b', false, 'associate'],
        ['rtb-main', true, 'none'],
      ],
    );
  });

  it("refuses a pod subnet explicitly associated with another table than its nodes'", () => {
    const state = workshopState();
    const odd = workshopState({
      subnets: [...state.subnets, subnet('subnet-pod-a', '100.64.0.0/19', 'ap-northeast-2a')],
      routeTables: [...state.routeTables, { id: 'rtb-odd', vpcId: 'vpc-1', main: false, subnetIds: ['subnet-pod-a'] }],
    });
    assert.throws(
      () => buildPlan(odd, DEFAULTS),
      refused(
        'CN_ROUTE_TABLE_CONFLICT',
        /subnet-pod-a .* is associated with rtb-odd, but its nodes in ap-northeast-2a use rtb-public/,
      ),
    );
  });

  it('sizes subnets for the nodes of each zone, in single addresses or /28 prefixes', () => {
    const crowded = workshopState({
      nodes: [node(1, 'ap-northeast-2a'), node(2, 'ap-northeast-2a'), node(3, 'ap-northeast-2b', 'c5.4xlarge')],
    });
    assert.throws(
      () => buildPlan(crowded, { ...DEFAULTS, subnetSize: 27 }),
      refused(
        'CN_SUBNET_TOO_SMALL',
        /100\.64\.0\.0\/27 in ap-northeast-2a offers 27 usable addresses, but its 2 node\(s\) need 40 .*use --subnet-size 26 or less/,
      ),
    );
    const pd = buildPlan(crowded, { ...DEFAULTS, subnetSize: 24, prefixDelegation: true });
    assert.deepEqual(
      pd.subnets.map((s) => [s.usableIps, s.neededIps]),
      [
        [224, 224],
        [224, 112],
      ],
    );
    assert.equal(pd.daemonSetEnv['ENABLE_PREFIX_DELEGATION'], 'true');
    assert.throws(
      () => buildPlan(crowded, { ...DEFAULTS, subnetSize: 25, prefixDelegation: true }),
      refused('CN_SUBNET_TOO_SMALL', /offers 96 addresses in \/28 prefixes/),
    );
  });

  it('refuses a --cidr too small for one subnet per zone, and a bad --subnet-size', () => {
    assert.throws(
      () => buildPlan(workshopState(), { cidr: '100.64.0.0/18', subnetSize: 19 }),
      refused('CN_CIDR_INVALID', /holds 2 free \/19 block\(s\), but 3 zone\(s\) need one/),
    );
    assert.throws(
      () => buildPlan(workshopState(), { cidr: '100.64.0.0/18', subnetSize: 17 }),
      refused('CN_CIDR_INVALID', /--subnet-size 17 must be from 18/),
    );
  });

  it('--azs, --subnet, --label-key, --security-groups', () => {
    const state = workshopState();
    const plan = buildPlan(state, {
      ...DEFAULTS,
      azs: ['ap-northeast-2a', 'ap-northeast-2d'],
      labelKey: 'topology.kubernetes.io/zone',
    });
    assert.deepEqual(
      plan.subnets.map((s) => s.availabilityZone),
      ['ap-northeast-2a', 'ap-northeast-2d'],
    );
    assert.deepEqual(
      plan.nodes.map((n) => [n.kind, n.key, n.value]),
      [['label', 'topology.kubernetes.io/zone', 'ap-northeast-2a']],
    );
    assert.deepEqual(plan.daemonSetEnv, {
      AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: 'true',
      ENI_CONFIG_LABEL_DEF: 'topology.kubernetes.io/zone',
    });
    assert.equal(plan.subnets[1]?.cidr, '100.64.32.0/19', 'the zone without nodes still gets a subnet and ENIConfig');
    assert.throws(
      () => buildPlan(state, { ...DEFAULTS, azs: ['ap-northeast-2z'] }),
      refused('CN_AZ_UNKNOWN', /ap-northeast-2z/),
    );
    const withD = workshopState({
      subnets: [...state.subnets, subnet('subnet-d', '100.65.0.0/20', 'ap-northeast-2b')],
    });
    assert.throws(
      () => buildPlan(withD, { ...DEFAULTS, subnets: { 'ap-northeast-2a': 'subnet-d' } }),
      refused('CN_SUBNET_WRONG_AZ', /is in ap-northeast-2b, not ap-northeast-2a/),
    );
    assert.throws(
      () => buildPlan(state, { ...DEFAULTS, subnets: { 'ap-northeast-2a': 'subnet-nope' } }),
      refused('CN_SUBNET_NOT_FOUND', /subnet-nope/),
    );
    const foreign = workshopState({
      securityGroups: [...state.securityGroups, { id: 'sg-other', vpcId: 'vpc-2', name: 'x' }],
    });
    assert.throws(
      () => buildPlan(foreign, { ...DEFAULTS, securityGroups: ['sg-other'] }),
      refused('CN_SG_OTHER_VPC', /sg-other \(vpc-2\)/),
    );
    assert.throws(
      () => buildPlan(state, { ...DEFAULTS, securityGroups: ['sg-missing'] }),
      refused('CN_SG_NOT_FOUND', /sg-missing/),
    );
  });

  it('refuses to guess zones when there are no nodes', () => {
    assert.throws(() => buildPlan(workshopState({ nodes: [] }), DEFAULTS), refused('CN_NO_NODES', /pass --azs/));
  });
});
