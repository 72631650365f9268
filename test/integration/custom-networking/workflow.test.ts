// `vpc-cni custom-networking plan|apply|validate` against the embedded VPC's eksworkshop scenario (the seed's
// starting point): plan shows the seed's intended end state, apply reaches it and writes the static source, a second
// apply changes nothing, validate rejects the seed's three ENIConfig files, and the usual mistakes are refused.
import { strict as assert } from 'node:assert';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { createSecurityGroup, cidrAssociationState, createVpc } from '../../../src/sim/index.js';
import { FIXTURES, startWorld, type World } from './harness.js';

const CLUSTER = ['--cluster', 'eksworkshop'];
const ZONES = ['ap-northeast-2a', 'ap-northeast-2b', 'ap-northeast-2c'];
const POD_SUBNETS = ['100.64.0.0/19', '100.64.32.0/19', '100.64.64.0/19'];
const NODE_NAMES = ['ip-10-11-16-31', 'ip-10-11-55-30', 'ip-10-11-90-240'].map(
  (n) => `${n}.ap-northeast-2.compute.internal`,
);

function vpcOf(world: World) {
  const vpc = [...world.sim.store.vpcs.values()].find((v) => v.tags.get('Name') === 'eksworkshop');
  assert.ok(vpc);
  return vpc;
}

const podSubnets = (world: World) =>
  [...world.sim.store.subnets.values()]
    .filter((s) => s.cidr.startsWith('100.64.'))
    .sort((a, b) => a.cidr.localeCompare(b.cidr, 'en', { numeric: true }));
const nodeGroups = (world: World) => [...world.sim.store.instances.values()][0]?.groups ?? [];

describe('custom-networking against the eksworkshop VPC', () => {
  let world: World;
  before(async () => {
    world = await startWorld();
  });
  after(async () => world.close());

  it("plan shows the seed's intended end state and changes nothing", async () => {
    const { code, stdout } = await world.run('plan', ...CLUSTER);
    assert.equal(code, 0);
    for (const [i, zone] of ZONES.entries()) {
      assert.match(
        stdout,
        new RegExp(
          `\\+ ${zone}\\s+${POD_SUBNETS[i] ?? ''}\\s+\\(new\\).*Name=eksworkshop-pod-${zone}, kubernetes.io/cluster/eksworkshop=shared`,
        ),
      );
      assert.match(stdout, new RegExp(`associate ${POD_SUBNETS[i] ?? ''} with rtb-`));
      assert.match(
        stdout,
        new RegExp(
          `\\+ ${zone}\\s+subnet <new subnet ${POD_SUBNETS[i] ?? ''}>\\s+securityGroups ${nodeGroups(world).join(', ')}`,
        ),
      );
      assert.match(
        stdout,
        new RegExp(`${NODE_NAMES[i] ?? ''}\\s+annotation k8s.amazonaws.com/eniConfig=${zone}.*max pods 20`),
      );
    }
    assert.match(stdout, /\+ associate 100\.64\.0\.0\/16 with vpc-/);
    assert.match(stdout, /\+ AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true/);
    assert.match(stdout, /m5\.large\s+29 → 20\s+\(3 − 1\) × \(10 − 1\) \+ 2 = 20\s+3 node\(s\)/);
    assert.match(stdout, /14 change\(s\)/);
    const yaml = await world.run('plan', ...CLUSTER, '--output', 'yaml');
    assert.match(
      yaml.stdout,
      /^# The subnets 100\.64\.0\.0\/19, 100\.64\.32\.0\/19, 100\.64\.64\.0\/19 do not exist yet/,
    );
    assert.deepEqual(
      parseAllDocuments(yaml.stdout).map((d) => (d.toJS() as { metadata: { name: string } }).metadata.name),
      ZONES,
    );
    assert.equal(vpcOf(world).cidrAssociations.length, 1, 'plan associated nothing');
    assert.equal(podSubnets(world).length, 0, 'plan created nothing');
  });

  it("plan --output json carries the plan; the route table is the one of the nodes' subnets", async () => {
    const { code, stdout } = await world.run('plan', ...CLUSTER, '--output', 'json');
    assert.equal(code, 0);
    const out = JSON.parse(stdout) as {
      changes: number;
      plan: { routes: { routeTableId: string }[]; nodes: { maxPods: number }[] };
    };
    assert.equal(out.changes, 14);
    const publicTable = [...world.sim.store.routeTables.values()].find(
      (t) => t.tags.get('Name') === 'eksworkshop-PublicRouteTable',
    );
    assert.deepEqual(
      out.plan.routes.map((r) => r.routeTableId),
      [publicTable?.id, publicTable?.id, publicTable?.id],
    );
    assert.deepEqual(
      out.plan.nodes.map((n) => n.maxPods),
      [20, 20, 20],
    );
  });

  it('refuses an overlapping CIDR, a disallowed CIDR and a too-small subnet size, changing nothing', async () => {
    const overlap = await world.run('plan', ...CLUSTER, '--cidr', '10.11.0.0/16');
    assert.equal(overlap.code, 1);
    assert.match(
      overlap.stderr,
      /--cidr 10\.11\.0\.0\/16 overlaps 10\.11\.0\.0\/16, the primary block of vpc-.*\[CN_CIDR_OVERLAP\]/,
    );
    const inside = await world.run('plan', ...CLUSTER, '--cidr', '10.11.128.0/17');
    assert.match(inside.stderr, /overlaps 10\.11\.0\.0\/16.*\[CN_CIDR_OVERLAP\]/);
    const disallowed = await world.run('apply', ...CLUSTER, '--cidr', '192.168.0.0/16', '--static-dir', world.dir);
    assert.equal(disallowed.code, 1);
    assert.match(
      disallowed.stderr,
      /192\.168\.0\.0\/16 cannot be associated .*192\.168\/16 block on a VPC whose primary block is in 10\/8.*\[CN_CIDR_NOT_ALLOWED\]/,
    );
    const small = await world.run('apply', ...CLUSTER, '--subnet-size', '28', '--static-dir', world.dir);
    assert.equal(small.code, 1);
    assert.match(
      small.stderr,
      /pod subnet 100\.64\.0\.0\/28 in ap-northeast-2a offers 11 usable addresses, but its 1 node\(s\) need 20.*use --subnet-size 27 or less.*\[CN_SUBNET_TOO_SMALL\]/,
    );
    const pd = await world.run('plan', ...CLUSTER, '--subnet-size', '26', '--prefix-delegation');
    assert.equal(pd.code, 1);
    assert.match(
      pd.stderr,
      /offers 32 addresses in \/28 prefixes, but its 1 node\(s\) need 112.*\[CN_SUBNET_TOO_SMALL\]/,
    );
    assert.equal(vpcOf(world).cidrAssociations.length, 1);
    assert.equal(podSubnets(world).length, 0);
    assert.deepEqual(await readdir(world.dir), []);
  });

  it("validate rejects the seed's three ENIConfig files, naming the duplicate", async () => {
    const files = ['group1-pod-netconfig.yaml', 'group2-pod-netconfig.yaml', 'group3-pod-netconfig.yaml'].map((f) =>
      join(FIXTURES, f),
    );
    const { code, stdout, stderr } = await world.run('validate', ...files);
    assert.equal(code, 1);
    assert.match(
      stderr,
      /ENIConfig name 'group1-pod-netconfig' is defined 3 times \(.*group1-pod-netconfig\.yaml.*group2-pod-netconfig\.yaml.*group3-pod-netconfig\.yaml.*\[CN_ENICONFIG_INVALID\]/s,
    );
    assert.match(stdout, /error: ENIConfig name 'group1-pod-netconfig' is defined 3 times/);
  });

  it('apply reaches the end state, writes the static source and verifies it', async () => {
    const { code, stdout, stderr } = await world.run('apply', ...CLUSTER, '--static-dir', world.dir);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /Applied 14 change\(s\); verified/);
    assert.match(stderr, /✓ associating 100\.64\.0\.0\/16 with vpc-.*: associated/);
    assert.match(stderr, /✓ verifying/);

    const vpc = vpcOf(world);
    const block = vpc.cidrAssociations.find((a) => a.cidr === '100.64.0.0/16');
    assert.ok(block);
    assert.equal(cidrAssociationState(world.sim.store, block), 'associated');
    const subnets = podSubnets(world);
    assert.deepEqual(
      subnets.map((s) => [s.cidr, s.availabilityZone]),
      POD_SUBNETS.map((c, i) => [c, ZONES[i]]),
    );
    const publicTable = [...world.sim.store.routeTables.values()].find(
      (t) => t.tags.get('Name') === 'eksworkshop-PublicRouteTable',
    );
    for (const [i, s] of subnets.entries()) {
      assert.equal(s.tags.get('Name'), `eksworkshop-pod-${ZONES[i] ?? ''}`);
      assert.equal(s.tags.get('kubernetes.io/cluster/eksworkshop'), 'shared');
      assert.ok(
        publicTable?.associations.some((a) => a.subnetId === s.id),
        `${s.cidr} associated with the public route table`,
      );
    }

    assert.deepEqual(
      (await readdir(join(world.dir, 'eniconfigs'))).sort(),
      ZONES.map((z) => `${z}.yaml`),
    );
    for (const [i, zone] of ZONES.entries()) {
      const doc = parse(await readFile(join(world.dir, 'eniconfigs', `${zone}.yaml`), 'utf8')) as {
        metadata: { name: string };
        spec: { subnet: string; securityGroups: string[] };
      };
      assert.deepEqual(doc, {
        apiVersion: 'crd.k8s.amazonaws.com/v1alpha1',
        kind: 'ENIConfig',
        metadata: { name: zone },
        spec: { subnet: subnets[i]?.id, securityGroups: nodeGroups(world) },
      });
    }
    const nodes = parse(await readFile(join(world.dir, 'nodes.yaml'), 'utf8')) as {
      nodes: { name: string; annotations: Record<string, string>; capacityPods: number }[];
    };
    assert.deepEqual(
      nodes.nodes.map((n) => [n.name, n.annotations['k8s.amazonaws.com/eniConfig'], n.capacityPods]),
      NODE_NAMES.map((n, i) => [n, ZONES[i], 20]),
    );
    assert.equal(await readFile(join(world.dir, 'aws-node.env'), 'utf8'), 'AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true\n');
  });

  it('a second apply changes nothing; plan agrees; --output yaml emits the three ENIConfigs', async () => {
    const before = JSON.stringify([...world.sim.store.subnets.keys()]);
    const again = await world.run('apply', ...CLUSTER, '--static-dir', world.dir);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^Nothing to change/);
    assert.equal(JSON.stringify([...world.sim.store.subnets.keys()]), before);
    const plan = await world.run('plan', ...CLUSTER, '--static-dir', world.dir);
    assert.match(plan.stdout, /nothing to change/);
    assert.match(plan.stdout, /= 100\.64\.0\.0\/16 already associated/);
    const yaml = await world.run('plan', ...CLUSTER, '--output', 'yaml');
    const docs = parseAllDocuments(yaml.stdout).map(
      (d) => d.toJS() as { metadata: { name: string }; spec: { subnet: string } },
    );
    assert.deepEqual(
      docs.map((d) => [d.metadata.name, d.spec.subnet]),
      ZONES.map((z, i) => [z, podSubnets(world)[i]?.id]),
    );
  });

  it('validate accepts what apply wrote, checked against the VPC with the node mapping', async () => {
    const files = ZONES.map((z) => join(world.dir, 'eniconfigs', `${z}.yaml`));
    const { code, stdout, stderr } = await world.run(
      'validate',
      ...files,
      '--nodes-file',
      join(world.dir, 'nodes.yaml'),
      ...CLUSTER,
    );
    assert.equal(code, 0, stderr);
    assert.match(stdout, /against vpc-/);
    assert.match(
      stdout,
      /node ip-10-11-16-31\.ap-northeast-2\.compute\.internal → ENIConfig ap-northeast-2a \(ap-northeast-2a\)/,
    );
    assert.match(stdout, /OK: no problems found/);
  });

  it('validate with the seed ids replaced by the real ones: the duplicate, and the subnets in the wrong zone for the nodes', async () => {
    const [a, b, c] = podSubnets(world).map((s) => s.id);
    const [sg1, sg2] = nodeGroups(world);
    const ids: Record<string, string | undefined> = {
      'subnet-0ef2de2d3c6504a3f': a,
      'subnet-0aebaccb17574b415': b,
      'subnet-006a77bdca2ec4085': c,
      'sg-0db3cb147dca2658b': sg1,
      'sg-0df26a1d81042cc02': sg2,
    };
    const dir = join(world.dir, 'seed');
    await mkdir(dir, { recursive: true });
    const files: string[] = [];
    for (const name of ['group1-pod-netconfig.yaml', 'group2-pod-netconfig.yaml', 'group3-pod-netconfig.yaml']) {
      const text = (await readFile(join(FIXTURES, name), 'utf8')).replace(
        /(subnet|sg)-[0-9a-f]{17}/g,
        (id) => ids[id] ?? id,
      );
      await writeFile(join(dir, name), text);
      files.push(join(dir, name));
    }
    // The seed annotates its three nodes group1/2/3-pod-netconfig: the first file's subnet (zone a) serves all.
    await writeFile(
      join(dir, 'nodes.yaml'),
      `nodes:\n${NODE_NAMES.map((n) => `  - name: ${n}\n    annotations: { k8s.amazonaws.com/eniConfig: group1-pod-netconfig }\n`).join('')}`,
    );
    const { code, stderr } = await world.run('validate', ...files, '--nodes-file', join(dir, 'nodes.yaml'), ...CLUSTER);
    assert.equal(code, 1);
    assert.match(stderr, /ENIConfig name 'group1-pod-netconfig' is defined 3 times/);
    assert.match(
      stderr,
      new RegExp(
        `group1-pod-netconfig.yaml \\(document 1\\): ENIConfig 'group1-pod-netconfig': subnet ${a ?? ''} is in ap-northeast-2a but this node is in ap-northeast-2b.*\\(nodes ip-10-11-55-30`,
      ),
    );
    assert.doesNotMatch(stderr, /security group/);
  });

  it("apply refuses a static dir holding the seed's duplicate names, and groups of another VPC", async () => {
    const dir = join(world.dir, 'dup');
    await mkdir(join(dir, 'eniconfigs'), { recursive: true });
    for (const name of ['group1-pod-netconfig.yaml', 'group2-pod-netconfig.yaml']) {
      await writeFile(join(dir, 'eniconfigs', name), await readFile(join(FIXTURES, name), 'utf8'));
    }
    const dup = await world.run('apply', ...CLUSTER, '--static-dir', dir);
    assert.equal(dup.code, 1);
    assert.match(
      dup.stderr,
      /duplicate ENIConfig names in .*'group1-pod-netconfig' in .*group1-pod-netconfig\.yaml.*group2-pod-netconfig\.yaml.*\[CN_DUPLICATE_ENICONFIG\]/,
    );
    assert.deepEqual((await readdir(join(dir, 'eniconfigs'))).sort(), [
      'group1-pod-netconfig.yaml',
      'group2-pod-netconfig.yaml',
    ]);

    const otherVpc = createVpc(world.sim.store, { cidr: '172.31.0.0/16', tags: [] });
    const foreign = createSecurityGroup(world.sim.store, {
      vpcId: otherVpc.id,
      name: 'elsewhere',
      description: 'another VPC',
      tags: [],
    });
    const sg = await world.run('plan', ...CLUSTER, '--security-groups', `${nodeGroups(world)[0] ?? ''},${foreign.id}`);
    assert.equal(sg.code, 1);
    assert.match(
      sg.stderr,
      new RegExp(
        `security group\\(s\\) ${foreign.id} \\(${otherVpc.id}\\) belong to another VPC.*\\[CN_SG_OTHER_VPC\\]`,
      ),
    );
    const unknown = await world.run('plan', ...CLUSTER, '--security-groups', 'sg-0123456789abcdef0');
    assert.match(unknown.stderr, /sg-0123456789abcdef0 do not exist.*\[CN_SG_NOT_FOUND\]/);
    const [b] = podSubnets(world).filter((s) => s.availabilityZone === 'ap-northeast-2b');
    const wrongZone = await world.run('plan', ...CLUSTER, '--subnet', `ap-northeast-2a=${b?.id ?? ''}`);
    assert.equal(wrongZone.code, 1);
    assert.match(wrongZone.stderr, /the subnet is in ap-northeast-2b, not ap-northeast-2a.*\[CN_SUBNET_WRONG_AZ\]/);
  });
});
