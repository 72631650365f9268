// Subnet discovery [behaviour §4.5]: the pure selection rules, and ENI creation moving to a tagged subnet when the
// node's subnet is full.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { Ec2Subnet } from '../../cloud/ec2/port.js';
import type { EniConfigSource } from '../../eniconfig/port.js';
import { excludedSubnetIds, selectSubnets, subnetVerdict, SUBNET_ROLE_TAG } from './subnet-discovery.js';
import {
  addPods,
  addRequest,
  addTenthPod,
  assertInSync,
  buildWorld,
  fillNodeSubnet,
  withIpamd,
  zoneSubnet,
} from '../../../test/support/virtual/world.js';

function subnet(id: string, free: number, tags: Record<string, string> = {}): Ec2Subnet {
  return { id, vpcId: 'vpc-1', cidr: '10.0.0.0/24', availabilityZone: 'az-a', availableIpAddressCount: free, tags };
}

describe('subnet discovery rules', () => {
  const CASES: readonly { name: string; subnet: Ec2Subnet; cluster?: string; usable: boolean }[] = [
    { name: "the node's subnet without the tag", subnet: subnet('subnet-primary', 10), usable: true },
    {
      name: "the node's subnet tagged 0",
      subnet: subnet('subnet-primary', 10, { [SUBNET_ROLE_TAG]: '0' }),
      usable: false,
    },
    { name: 'another subnet without the tag', subnet: subnet('subnet-b', 10), usable: false },
    { name: 'another subnet tagged 1', subnet: subnet('subnet-b', 10, { [SUBNET_ROLE_TAG]: '1' }), usable: true },
    {
      name: 'another subnet tagged with any value',
      subnet: subnet('subnet-b', 10, { [SUBNET_ROLE_TAG]: '' }),
      usable: true,
    },
    {
      name: 'scoped to another cluster',
      subnet: subnet('subnet-b', 10, { [SUBNET_ROLE_TAG]: '1', 'cni.networking.k8s.aws/cluster/prod': '1' }),
      cluster: 'dev',
      usable: false,
    },
    {
      name: 'scoped to this cluster',
      subnet: subnet('subnet-b', 10, { [SUBNET_ROLE_TAG]: '1', 'cni.networking.k8s.aws/cluster/dev': '1' }),
      cluster: 'dev',
      usable: true,
    },
    {
      name: 'scoping ignored without CLUSTER_NAME',
      subnet: subnet('subnet-b', 10, { [SUBNET_ROLE_TAG]: '1', 'cni.networking.k8s.aws/cluster/prod': '1' }),
      usable: true,
    },
  ];
  for (const c of CASES) {
    it(`[behaviour §4.5]: ${c.name} → ${c.usable ? 'usable' : 'not usable'}`, () => {
      assert.equal(
        subnetVerdict(c.subnet, { primarySubnetId: 'subnet-primary', clusterName: c.cluster }).usable,
        c.usable,
      );
    });
  }

  it('[behaviour §4.5]: usable subnets by free addresses, most first; excluded ones listed', () => {
    const subnets = [
      subnet('subnet-primary', 5),
      subnet('subnet-b', 50, { [SUBNET_ROLE_TAG]: '1' }),
      subnet('subnet-c', 500),
      subnet('subnet-x', 9, { [SUBNET_ROLE_TAG]: '0' }),
    ];
    const { usable, rejected } = selectSubnets(subnets, { primarySubnetId: 'subnet-primary', clusterName: undefined });
    assert.deepEqual(
      usable.map((s) => s.id),
      ['subnet-b', 'subnet-primary'],
    );
    assert.deepEqual(
      rejected.map((r) => r.id),
      ['subnet-c', 'subnet-x'],
    );
    assert.deepEqual([...excludedSubnetIds(subnets)], ['subnet-x']);
  });
});

describe('subnet discovery in ENI allocation', () => {
  it('[behaviour §4.5]: when the node subnet is full, the new ENI goes to a subnet of the zone tagged kubernetes.io/role/cni', async () => {
    const world = buildWorld();
    await withIpamd(world, async (ipamd) => {
      const extra = zoneSubnet(world, '10.11.128.0/24', { [SUBNET_ROLE_TAG]: '1' });
      fillNodeSubnet(world);
      const reply = await addTenthPod(ipamd);
      assert.equal(reply.success, true, reply.errorMessage);
      const second = ipamd.snapshots().get(0)?.enis[1];
      assert.equal(second?.subnetId, extra.id);
      assertInSync(world, ipamd);
    });
  });

  it('[behaviour §4.5]: with ENABLE_SUBNET_DISCOVERY=false the ENI is only tried in the node subnet', async () => {
    const world = buildWorld({ env: { ENABLE_SUBNET_DISCOVERY: 'false' } });
    await withIpamd(world, async (ipamd) => {
      zoneSubnet(world, '10.11.128.0/24', { [SUBNET_ROLE_TAG]: '1' });
      fillNodeSubnet(world);
      const reply = await addTenthPod(ipamd);
      assert.equal(reply.success, false);
      assert.match(reply.errorMessage, /is full/);
      assert.equal(world.ec2.count('DescribeSubnets'), 0);
    });
  });

  it('[behaviour §4.5]: an ENI in a subnet tagged kubernetes.io/role/cni=0 is excluded and its free IPs go back at start-up', async () => {
    const world = buildWorld();
    const first = world.ipamd();
    await first.start();
    await first.stop();
    world.store.subnet(world.instance.subnetId).tags.set(SUBNET_ROLE_TAG, '0');
    await withIpamd(world, async (second) => {
      const primary = second.snapshots().get(0)?.enis[0];
      assert.equal(primary?.isExcludedForPodIPs, true);
      assert.deepEqual(primary?.cidrs, []);
      assert.deepEqual(world.store.eni(world.instance.primaryEniId).secondaryIps, []);
      const reply = await second.backend.addNetwork(addRequest('web'));
      assert.equal(reply.errorCode, 'NO_AVAILABLE_ADDRESS');
      assert.match(reply.errorMessage, /NO_USABLE_SUBNET: no subnet may take a new ENI: no usable subnet/);
    });
  });

  it('[behaviour §4.4] custom networking: new ENIs use the ENIConfig subnet and groups; the primary ENI is never grown', async () => {
    const world = buildWorld({ env: { AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: 'true' } });
    const pods = zoneSubnet(world, '10.11.129.0/24');
    const group = world.instance.groups[0] ?? '';
    const eniConfigSource: EniConfigSource = () => Promise.resolve({ subnet: pods.id, securityGroups: [group] });
    await withIpamd(world, { eniConfigSource }, (ipamd) => {
      const [primary, second] = ipamd.snapshots().get(0)?.enis ?? [];
      assert.deepEqual(primary?.cidrs, []);
      assert.equal(second?.subnetId, pods.id);
      assert.deepEqual(world.store.eni(second?.id ?? '').groups, [group]);
      assert.equal(second?.cidrs.length, 9);
    });
  });
});

describe('the subnets as EC2 last described them (for the dashboard)', () => {
  it('ipamd keeps each DescribeSubnets answer with its time, and the metric still gets it', async () => {
    const world = buildWorld();
    const ipamd = world.ipamd();
    assert.equal(ipamd.subnets(), undefined, 'nothing before initialisation');
    await ipamd.start();
    const atStart = ipamd.subnets();
    assert.equal(atStart?.at, world.clock.now());
    assert.ok(atStart.subnets.some((s) => s.id === world.instance.subnetId));
    assert.equal(world.metrics.count('subnets'), 1);
    // Older than timings.subnetReuseMs: the next ENI's subnet discovery asks EC2 again.
    world.clock.advance(10_000);
    const primary = world.store.subnet(world.instance.subnetId);
    world.store.allocateIps(primary, 3);
    const free = world.store.availableIpAddressCount(primary);
    await addPods(ipamd, 'a', 1);
    await ipamd.runPoolTick();
    assert.equal(world.ec2.count('DescribeSubnets'), 2);
    const later = ipamd.subnets();
    assert.equal(later?.at, atStart.at + 10_000);
    assert.equal(later.subnets.find((s) => s.id === world.instance.subnetId)?.availableIpAddressCount, free);
    assert.equal(world.metrics.count('subnets'), 2);
    await ipamd.stop();
  });
});
