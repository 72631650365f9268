// The Kubernetes client against the stand-in: the calls the custom-networking workflow makes (patch a Node, create /
// replace / delete ENIConfigs, events), error mapping, and refused configurations.
import { strict as assert } from 'node:assert';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eniConfig } from '../eniconfig/types.js';
import { createK8sClient, loadKubeConfig, type K8sClient } from './client.js';
import { isK8sError, toK8sError } from './errors.js';
import { startK8sStandin, type K8sStandin } from '../../test/support/k8s-standin/standin.js';

const SUBNET = 'subnet-0000000000000000a';

describe('Kubernetes client', () => {
  let standin: K8sStandin;
  let client: K8sClient;
  let dir = '';

  before(async () => {
    standin = await startK8sStandin({ nodes: [{ name: 'node-1', labels: {}, annotations: {}, capacityPods: 29 }] });
    dir = await mkdtemp(join(tmpdir(), 'vpc-cni-k8s-'));
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, standin.kubeconfig());
    client = await createK8sClient({ kind: 'kubeconfig', path: kubeconfig });
  });
  after(async () => {
    await standin.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads and merge-patches a Node (annotate, label, remove)', async () => {
    assert.match(client.target, /^kubeconfig .*kubeconfig$/);
    await client.patchNode('node-1', {
      metadata: { annotations: { 'k8s.amazonaws.com/eniConfig': 'us-west-2a' }, labels: { zone: 'a' } },
    });
    await client.patchNode('node-1', { metadata: { labels: { zone: null } } });
    const node = standin.state.get('nodes', 'node-1');
    assert.deepEqual(node?.metadata['annotations'], { 'k8s.amazonaws.com/eniConfig': 'us-west-2a' });
    assert.deepEqual(node?.metadata['labels'], {});
    const read = (await client.readNode('node-1')) as { status: { capacity: Record<string, string> } };
    assert.equal(read.status.capacity['pods'], '29');
    const listed = await client.listNodes({ fieldSelector: 'metadata.name=node-1' });
    assert.equal(listed.items.length, 1);
    assert.match(listed.resourceVersion, /^\d+$/);
    await assert.rejects(
      client.readNode('nope'),
      (e: unknown) => isK8sError(e, 'K8S_NOT_FOUND') && /get Node nope: not found/.test(e.message),
    );
  });

  it('creates, replaces and deletes ENIConfigs; conflicts and CRD refusals are typed', async () => {
    const config = eniConfig('us-west-2a', { subnet: SUBNET, securityGroups: ['sg-00000000000000001'] });
    await client.createEniConfig(config);
    await assert.rejects(client.createEniConfig(config), (e: unknown) => isK8sError(e, 'K8S_CONFLICT'));
    const current = (await client.getEniConfig('us-west-2a')) as { metadata: { resourceVersion: string } };
    await client.replaceEniConfig({
      ...config,
      metadata: { name: 'us-west-2a', resourceVersion: current.metadata.resourceVersion },
      spec: { subnet: 'subnet-0000000000000000b' },
    });
    assert.deepEqual(
      (standin.state.get('eniconfigs', 'us-west-2a')?.['spec'] as { subnet: string }).subnet,
      'subnet-0000000000000000b',
    );
    await assert.rejects(
      client.replaceEniConfig({
        ...config,
        metadata: { name: 'us-west-2a', resourceVersion: current.metadata.resourceVersion },
      }),
      (e: unknown) => isK8sError(e, 'K8S_CONFLICT'),
    );
    await assert.rejects(
      client.createEniConfig({ ...config, metadata: { name: 'bad' }, spec: {} }),
      (e: unknown) =>
        isK8sError(e, 'K8S_API_ERROR') && /HTTP 422 Invalid: .*spec\.subnet: Required value/.test(e.message),
    );
    assert.deepEqual(
      (await client.listEniConfigs()).items.map((c) => (c as { metadata: { name: string } }).metadata.name),
      ['us-west-2a'],
    );
    assert.equal(await client.deleteEniConfig('us-west-2a'), true);
    assert.equal(await client.deleteEniConfig('us-west-2a'), false);
    assert.equal(await client.getEniConfig('us-west-2a'), undefined);
  });

  it('posts events', async () => {
    await client.createEvent('default', {
      metadata: { name: 'node-1.1' },
      involvedObject: { kind: 'Node', name: 'node-1' },
      reason: 'EniConfigInvalid',
      message: 'why',
      type: 'Warning',
    });
    assert.deepEqual(
      standin.state.events('default').map((e) => e['message']),
      ['why'],
    );
  });

  it('maps a wrong token and an unreachable server to K8S_API_ERROR', async () => {
    const wrong = await createK8sClient({ kind: 'server', url: standin.url, token: 'wrong' });
    await assert.rejects(
      wrong.readNode('node-1'),
      (e: unknown) => isK8sError(e, 'K8S_API_ERROR') && e.details['status'] === 401,
    );
    const error = toK8sError(
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      'list Nodes',
    );
    assert.equal(error.message, 'list Nodes failed: could not reach the API server: connect ECONNREFUSED 127.0.0.1:1');
  });

  it('refuses kubeconfigs it cannot use', async () => {
    await assert.rejects(
      loadKubeConfig({ kind: 'kubeconfig', path: join(dir, 'missing') }),
      (e: unknown) => isK8sError(e, 'K8S_CONFIG_INVALID') && /cannot use kubeconfig/.test(e.message),
    );
    await assert.rejects(
      loadKubeConfig({ kind: 'kubeconfig-text', text: 'apiVersion: v1\nkind: Config\nclusters: []\n' }),
      (e: unknown) => isK8sError(e, 'K8S_CONFIG_INVALID') && /has no current context/.test(e.message),
    );
    await assert.rejects(
      loadKubeConfig({ kind: 'in-cluster', host: '10.100.0.1', port: '443', serviceAccountDir: join(dir, 'no-sa') }),
      (e: unknown) => isK8sError(e, 'K8S_CONFIG_INVALID') && /in-cluster API server 10\.100\.0\.1:443/.test(e.message),
    );
    const sa = join(dir, 'sa');
    await mkdir(sa);
    await writeFile(join(sa, 'token'), 'tok');
    const kc = await loadKubeConfig({ kind: 'in-cluster', host: 'fd00::1', port: '443', serviceAccountDir: sa });
    assert.equal(kc.getCurrentCluster()?.server, 'https://[fd00::1]:443');
  });
});
