// apply resumes what an interrupted run (or a user half-way through the seed's manual steps) left behind: a block
// still associating is waited for, not associated twice; a pod subnet that exists is reused and only tagged; the
// route table association already made is kept. Also: --label-key maps nodes by label and sets ENI_CONFIG_LABEL_DEF.
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import {
  createSubnet,
  associateRouteTable,
  associateVpcCidrBlock,
  cidrAssociationState,
} from '../../../src/sim/index.js';
import { startWorld, type World } from './harness.js';

const CLUSTER = ['--cluster', 'eksworkshop'];

describe('custom-networking apply resumes safely', () => {
  let world: World;
  before(async () => {
    world = await startWorld({ cidrAssociationDelayMs: 4_000 });
  });
  after(async () => world.close());

  it('waits for a block that is still associating instead of associating it again', async () => {
    const vpc = [...world.sim.store.vpcs.values()].find((v) => v.tags.get('Name') === 'eksworkshop');
    assert.ok(vpc);
    associateVpcCidrBlock(world.sim.store, vpc.id, '100.64.0.0/16');
    const plan = await world.run('plan', ...CLUSTER);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /… 100\.64\.0\.0\/16 is associating with vpc-.* \(wait\)/);
    assert.match(plan.stdout, /13 change\(s\)/);

    // An interrupted apply: the block got associated, one subnet was created by hand (untagged) and associated.
    const block = vpc.cidrAssociations.find((a) => a.cidr === '100.64.0.0/16');
    assert.ok(block);
    while (cidrAssociationState(world.sim.store, block) !== 'associated')
      await new Promise((resolve) => setTimeout(resolve, 100));
    const manual = createSubnet(world.sim.store, {
      vpcId: vpc.id,
      cidr: '100.64.32.0/19',
      availabilityZone: 'ap-northeast-2b',
      tags: [{ key: 'Name', value: 'eksworkshop-Secondary-PublicSubnet02' }],
    });
    const publicTable = [...world.sim.store.routeTables.values()].find(
      (t) => t.tags.get('Name') === 'eksworkshop-PublicRouteTable',
    );
    assert.ok(publicTable);
    associateRouteTable(world.sim.store, publicTable.id, manual.id);

    const resumed = await world.run('plan', ...CLUSTER);
    assert.match(resumed.stdout, /= 100\.64\.0\.0\/16 already associated/);
    assert.match(
      resumed.stdout,
      new RegExp(
        `~ ap-northeast-2b\\s+100\\.64\\.32\\.0/19\\s+${manual.id}.*add tags kubernetes.io/cluster/eksworkshop=shared`,
      ),
    );
    assert.match(resumed.stdout, new RegExp(`= ap-northeast-2b\\s+100\\.64\\.32\\.0/19 uses ${publicTable.id}`));

    const applied = await world.run(
      'apply',
      ...CLUSTER,
      '--static-dir',
      world.dir,
      '--label-key',
      'topology.kubernetes.io/zone',
    );
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stderr, /CreateTags .*: kubernetes.io\/cluster\/eksworkshop/);
    assert.equal(vpc.cidrAssociations.filter((a) => a.cidr === '100.64.0.0/16').length, 1);
    const pod = [...world.sim.store.subnets.values()].filter((s) => s.cidr.startsWith('100.64.'));
    assert.deepEqual(pod.map((s) => s.cidr).sort(), ['100.64.0.0/19', '100.64.32.0/19', '100.64.64.0/19']);
    assert.equal(manual.tags.get('Name'), 'eksworkshop-Secondary-PublicSubnet02', 'an existing Name is kept');
    assert.equal(manual.tags.get('kubernetes.io/cluster/eksworkshop'), 'shared');

    const nodes = parse(await readFile(join(world.dir, 'nodes.yaml'), 'utf8')) as {
      nodes: { labels: Record<string, string>; annotations: Record<string, string> }[];
    };
    assert.deepEqual(
      nodes.nodes.map((n) => n.labels['topology.kubernetes.io/zone']),
      ['ap-northeast-2a', 'ap-northeast-2b', 'ap-northeast-2c'],
    );
    assert.deepEqual(
      nodes.nodes.map((n) => n.annotations),
      [{}, {}, {}],
    );
    assert.equal(
      await readFile(join(world.dir, 'aws-node.env'), 'utf8'),
      'AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true\nENI_CONFIG_LABEL_DEF=topology.kubernetes.io/zone\n',
    );

    const again = await world.run(
      'apply',
      ...CLUSTER,
      '--static-dir',
      world.dir,
      '--label-key',
      'topology.kubernetes.io/zone',
    );
    assert.match(again.stdout, /^Nothing to change/);
  });
});

describe('custom-networking apply waits for an association in progress, through throttling', () => {
  let world: World;
  before(async () => {
    world = await startWorld({ cidrAssociationDelayMs: 1_500 });
  });
  after(async () => world.close());

  it('does not associate the block again and continues once it is associated', async () => {
    const vpc = [...world.sim.store.vpcs.values()].find((v) => v.tags.get('Name') === 'eksworkshop');
    assert.ok(vpc);
    associateVpcCidrBlock(world.sim.store, vpc.id, '100.64.0.0/16');
    // EC2 throttles and fails now and then: the calls are retried with back-off, nothing is made twice.
    world.sim.gate.faults.set('CreateSubnet', { code: 'RequestLimitExceeded', probability: 1, count: 2 });
    world.sim.gate.faults.set('AssociateRouteTable', { code: 'InternalError', probability: 1, count: 1 });
    const applied = await world.run('apply', ...CLUSTER, '--static-dir', world.dir);
    assert.equal(applied.code, 0, applied.stderr);
    assert.doesNotMatch(applied.stderr, /AssociateVpcCidrBlock/);
    const rules = world.sim.gate.faults.rules();
    assert.deepEqual([rules['CreateSubnet']?.fired, rules['AssociateRouteTable']?.fired], [2, 1]);
    assert.match(applied.stderr, /✓ associating 100\.64\.0\.0\/16 with vpc-.*: associated/);
    assert.equal(vpc.cidrAssociations.length, 2);
    assert.equal([...world.sim.store.subnets.values()].filter((s) => s.cidr.startsWith('100.64.')).length, 3);
  });
});
