// The static node source: a directory of ENIConfig documents and a node file, same semantics as the cluster, and
// re-read when the files change.
import { strict as assert } from 'node:assert';
import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isEniConfigError } from './errors.js';
import { createStaticNodeInfoSource } from './static-source.js';

const SUBNET_A = 'subnet-0000000000000000a';
const SUBNET_B = 'subnet-0000000000000000b';

function doc(name: string, subnet: string): string {
  return `apiVersion: crd.k8s.amazonaws.com/v1alpha1\nkind: ENIConfig\nmetadata:\n  name: ${name}\nspec:\n  subnet: ${subnet}\n`;
}

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 3_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('static node source', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vpc-cni-static-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the node file and every *.yaml, *.yml and *.json document of the directory', async () => {
    const eni = join(dir, 'eni-1');
    await mkdir(eni);
    await writeFile(join(eni, 'a.yaml'), `${doc('us-west-2a', SUBNET_A)}---\n${doc('us-west-2b', SUBNET_B)}`);
    await writeFile(
      join(eni, 'c.json'),
      JSON.stringify({
        apiVersion: 'crd.k8s.amazonaws.com/v1alpha1',
        kind: 'ENIConfig',
        metadata: { name: 'json' },
        spec: { subnet: SUBNET_A },
      }),
    );
    await writeFile(join(eni, 'README.md'), 'not a document');
    const nodeFile = join(dir, 'nodes-1.yaml');
    await writeFile(
      nodeFile,
      'nodes:\n  - name: other\n  - name: node-1\n    labels: { topology.kubernetes.io/zone: us-west-2a }\n    capacityPods: 20\n',
    );
    const source = await createStaticNodeInfoSource({
      nodeName: 'node-1',
      nodeFile,
      eniConfigDir: eni,
      annotations: { 'from-flag': 'x' },
      pollMs: 0,
    });
    try {
      assert.equal(source.kind, 'static');
      assert.deepEqual(await source.node(), {
        name: 'node-1',
        labels: { 'topology.kubernetes.io/zone': 'us-west-2a' },
        annotations: { 'from-flag': 'x' },
        capacityPods: 20,
      });
      assert.equal((await source.eniConfig('us-west-2b'))?.spec.subnet, SUBNET_B);
      assert.equal((await source.eniConfig('json'))?.spec.subnet, SUBNET_A);
      assert.equal(await source.eniConfig('absent'), undefined);
      await source.report({ reason: 'EniConfigNotFound', message: 'logged only' });
    } finally {
      await source.close();
    }
    await assert.rejects(source.node(), (e: unknown) => isEniConfigError(e, 'NODE_INFO_UNAVAILABLE'));
  });

  it('a node missing from the file gets no labels; duplicates across files make that name unusable', async () => {
    const eni = join(dir, 'eni-2');
    await mkdir(eni);
    for (const file of ['group1.yaml', 'group2.yaml'])
      await writeFile(join(eni, file), doc('group1-pod-netconfig', SUBNET_A));
    const source = await createStaticNodeInfoSource({ nodeName: 'node-9', eniConfigDir: eni, pollMs: 0 });
    try {
      assert.deepEqual(await source.node(), { name: 'node-9', labels: {}, annotations: {} });
      await assert.rejects(
        source.eniConfig('group1-pod-netconfig'),
        (e: unknown) => isEniConfigError(e, 'ENICONFIG_DUPLICATE_NAME') && /group1\.yaml.*group2\.yaml/.test(e.message),
      );
      assert.deepEqual(
        source.catalogue().errors.map((e) => e.code),
        ['ENICONFIG_DUPLICATE_NAME'],
      );
    } finally {
      await source.close();
    }
  });

  it('refuses an unreadable or invalid node file at start', async () => {
    await assert.rejects(
      createStaticNodeInfoSource({ nodeName: 'n', nodeFile: join(dir, 'missing.yaml'), pollMs: 0 }),
      (e: unknown) => isEniConfigError(e, 'NODE_INFO_INVALID'),
    );
    const bad = join(dir, 'bad-nodes.yaml');
    await writeFile(bad, 'nodes:\n  - labels: {}\n');
    await assert.rejects(
      createStaticNodeInfoSource({ nodeName: 'n', nodeFile: bad, pollMs: 0 }),
      /nodes\[0\]: name is required/,
    );
  });

  it('re-reads changed files and calls the watchers; a broken node file keeps the last good facts', async () => {
    const eni = join(dir, 'eni-3');
    await mkdir(eni);
    const nodeFile = join(dir, 'nodes-3.yaml');
    await writeFile(nodeFile, 'name: node-1\nannotations: { k8s.amazonaws.com/eniConfig: first }\n');
    await writeFile(join(eni, 'first.yaml'), doc('first', SUBNET_A));
    const source = await createStaticNodeInfoSource({ nodeName: 'node-1', nodeFile, eniConfigDir: eni, pollMs: 20 });
    let changes = 0;
    const stop = source.watch(() => {
      changes += 1;
    });
    try {
      await writeFile(join(eni, 'second.yml'), doc('second', SUBNET_B));
      await until('the new ENIConfig', async () => (await source.eniConfig('second')) !== undefined);
      await writeFile(nodeFile, 'name: node-1\nannotations: { k8s.amazonaws.com/eniConfig: second }\n');
      await until(
        'the new annotation',
        async () => (await source.node()).annotations['k8s.amazonaws.com/eniConfig'] === 'second',
      );
      assert.ok(changes >= 2);
      await writeFile(nodeFile, '');
      await until('the emptied file to be seen', () => changes >= 3);
      assert.equal((await source.node()).annotations['k8s.amazonaws.com/eniConfig'], 'second');
      await writeFile(nodeFile, 'name: [broken\n');
      await until('the broken file to be seen', () => changes >= 4);
      assert.equal((await source.node()).annotations['k8s.amazonaws.com/eniConfig'], 'second');
      await unlink(join(eni, 'first.yaml'));
      await until('the removed ENIConfig', async () => (await source.eniConfig('first')) === undefined);
      assert.equal(await source.reload(), false);
    } finally {
      stop();
      await source.close();
    }
  });
});
