import { strict as assert } from 'node:assert';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createStaticNodeInfoSource } from '../eniconfig/static-source.js';
import { CustomNetworkingError } from './errors.js';
import { buildPlan } from './plan.js';
import { staticTarget } from './static-target.js';
import { targetChanges } from './target.js';
import { ZONES, subnet, workshopState } from './state.test-util.js';

// A plan whose subnets exist (what apply writes after creating them).
function existingPlan(labelKey?: string) {
  const state = workshopState();
  const pods = ZONES.map((z, i) => subnet(`subnet-0000000000000000${i + 1}`, `100.64.${i * 32}.0/19`, z));
  return buildPlan(
    workshopState({
      subnets: [...state.subnets, ...pods],
      vpc: {
        ...state.vpc,
        cidrBlocks: [...state.vpc.cidrBlocks, { associationId: 'a-2', cidr: '100.64.0.0/16', state: 'associated' }],
      },
    }),
    { cidr: '100.64.0.0/16', subnetSize: 19, ...(labelKey === undefined ? {} : { labelKey }) },
  );
}

describe('staticTarget', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vcni-static-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it("writes what ipamd's static node source reads, once", async () => {
    const target = staticTarget(join(dir, 'a'));
    const plan = existingPlan();
    const before = await target.inspect(plan);
    assert.equal(targetChanges(before), 7);
    const notes: string[] = [];
    assert.equal(await target.write(plan, (line) => notes.push(line)), 7);
    assert.equal(notes.length, 5);
    assert.equal(targetChanges(await target.inspect(plan)), 0);
    assert.equal(await target.write(plan, () => undefined), 0);

    const source = await createStaticNodeInfoSource({
      nodeName: plan.nodes[1]?.nodeName ?? '',
      nodeFile: join(dir, 'a', 'nodes.yaml'),
      eniConfigDir: join(dir, 'a', 'eniconfigs'),
      pollMs: 0,
    });
    try {
      const node = await source.node();
      assert.equal(node.annotations['k8s.amazonaws.com/eniConfig'], 'ap-northeast-2b');
      assert.equal(node.capacityPods, 20);
      assert.equal((await source.eniConfig('ap-northeast-2b'))?.spec.subnet, 'subnet-00000000000000002');
      assert.deepEqual(source.catalogue().errors, []);
    } finally {
      await source.close();
    }
  });

  it('keeps other nodes and keys of the node file, and updates a changed ENIConfig', async () => {
    const root = join(dir, 'b');
    await mkdir(join(root, 'eniconfigs'), { recursive: true });
    await writeFile(join(root, 'nodes.yaml'), 'nodes:\n  - name: other-node\n    labels: { team: x }\n');
    await writeFile(
      join(root, 'eniconfigs', 'ap-northeast-2a.yaml'),
      'apiVersion: crd.k8s.amazonaws.com/v1alpha1\nkind: ENIConfig\nmetadata: { name: ap-northeast-2a }\nspec: { subnet: subnet-0123456789abcdef0 }\n',
    );
    const target = staticTarget(root);
    const plan = existingPlan('topology.kubernetes.io/zone');
    const changes = await target.inspect(plan);
    assert.deepEqual(
      changes.eniConfigs.map((c) => c.action),
      ['update', 'create', 'create'],
    );
    await target.write(plan, () => undefined);
    const nodes = await readFile(join(root, 'nodes.yaml'), 'utf8');
    assert.match(nodes, /name: other-node\n\s+labels:\n\s+team: x/);
    assert.match(nodes, /topology.kubernetes.io\/zone: ap-northeast-2a/);
    assert.equal(
      await readFile(join(root, 'aws-node.env'), 'utf8'),
      'AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true\nENI_CONFIG_LABEL_DEF=topology.kubernetes.io/zone\n',
    );
  });

  it('refuses duplicate names in the directory, and a zone defined in another file, writing nothing', async () => {
    const root = join(dir, 'c');
    await mkdir(join(root, 'eniconfigs'), { recursive: true });
    const doc = (name: string, subnetId: string) =>
      `apiVersion: crd.k8s.amazonaws.com/v1alpha1\nkind: ENIConfig\nmetadata:\n name: ${name}\nspec:\n subnet: ${subnetId}\n`;
    await writeFile(join(root, 'eniconfigs', 'old-a.yaml'), doc('ap-northeast-2a', 'subnet-0123456789abcdef0'));
    const plan = existingPlan();
    await assert.rejects(staticTarget(root).inspect(plan), (error: unknown) => {
      assert.ok(error instanceof CustomNetworkingError);
      assert.equal(error.code, 'CN_DUPLICATE_ENICONFIG');
      assert.match(
        error.message,
        /'ap-northeast-2a' in .*old-a\.yaml \(document 1\), ap-northeast-2a\.yaml \(to be written\)/,
      );
      return true;
    });
    await writeFile(
      join(root, 'eniconfigs', 'old-a.yaml'),
      `${doc('group1-pod-netconfig', 'subnet-0123456789abcdef0')}---\n${doc('group1-pod-netconfig', 'subnet-0123456789abcdef1')}`,
    );
    await assert.rejects(
      staticTarget(root).write(plan, () => undefined),
      /'group1-pod-netconfig' in .*old-a\.yaml \(document 1\), .*old-a\.yaml \(document 2\)/,
    );
    assert.deepEqual(await readdir(join(root, 'eniconfigs')), ['old-a.yaml']);
  });
});
