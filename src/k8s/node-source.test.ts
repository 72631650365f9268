// The Kubernetes node source through the real @kubernetes/client-node against the API stand-in: the Node and its
// capacity, an annotation change re-selecting the ENIConfig, a missing ENIConfig posted as an event on the Node,
// ENIConfigs appearing, invalid ones refused, and following through an API server restart.
import { strict as assert } from 'node:assert';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createEniConfigSource } from '../eniconfig/eni-config-source.js';
import { isEniConfigError } from '../eniconfig/errors.js';
import type { NodeInfoSource } from '../eniconfig/port.js';
import { POD_SUBNET } from '../eniconfig/eniconfig.test-util.js';
import { DEFAULT_ENICONFIG_KEY, eniConfig } from '../eniconfig/types.js';
import { createK8sClient } from './client.js';
import { createKubernetesNodeInfoSource } from './node-source.js';
import { startK8sStandin, type K8sStandin } from '../../test/support/k8s-standin/standin.js';

const ec2 = { describeSubnets: () => Promise.resolve([POD_SUBNET]) };
const FAST = { initialMs: 20, maxMs: 100 };

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 5_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('Kubernetes node source (client-node against the stand-in)', () => {
  let standin: K8sStandin;
  let source: NodeInfoSource;

  before(async () => {
    standin = await startK8sStandin({
      nodes: [
        {
          name: 'node-1',
          labels: { 'topology.kubernetes.io/zone': 'us-west-2a' },
          annotations: { [DEFAULT_ENICONFIG_KEY]: 'pods-a' },
          capacityPods: 20,
        },
      ],
      eniConfigs: [eniConfig('pods-a', { subnet: POD_SUBNET.id })],
    });
    const client = await createK8sClient({ kind: 'kubeconfig-text', text: standin.kubeconfig() });
    source = await createKubernetesNodeInfoSource({ client, nodeName: 'node-1', backoff: FAST });
  });
  after(async () => {
    await source.close();
    await standin.close();
  });

  it('reads the Node with its capacity and the ENIConfigs through informers', async () => {
    assert.equal(source.kind, 'kubernetes');
    assert.deepEqual(await source.node(), {
      name: 'node-1',
      labels: { 'topology.kubernetes.io/zone': 'us-west-2a' },
      annotations: { [DEFAULT_ENICONFIG_KEY]: 'pods-a' },
      capacityPods: 20,
    });
    assert.equal((await source.eniConfig('pods-a'))?.spec.subnet, POD_SUBNET.id);
    assert.equal(await source.eniConfig('nope'), undefined);
    const requests = standin.state.requests.join('\n');
    assert.match(requests, /GET \/api\/v1\/nodes\?fieldSelector=metadata\.name%3Dnode-1/);
    assert.match(
      requests,
      /GET \/api\/v1\/nodes\?watch=true&resourceVersion=\d+&fieldSelector=metadata\.name%3Dnode-1/,
    );
    assert.match(requests, /GET \/apis\/crd\.k8s\.amazonaws\.com\/v1alpha1\/eniconfigs\?watch=true/);
  });

  it('an annotation change re-selects the ENIConfig; a missing one is posted as an event on the Node', async () => {
    const cn = createEniConfigSource({ source, ec2, node: { az: 'us-west-2a', vpcId: 'vpc-1' }, keys: {} });
    assert.deepEqual(await cn(), { subnet: POD_SUBNET.id, securityGroups: [] });
    standin.state.patchNode('node-1', { metadata: { annotations: { [DEFAULT_ENICONFIG_KEY]: 'pods-missing' } } });
    await until('the new name', () => cn.currentName() === 'pods-missing');
    await assert.rejects(cn(), (e: unknown) => isEniConfigError(e, 'ENICONFIG_NOT_FOUND'));
    await until('the event', () => standin.state.events('default').length > 0);
    const [event] = standin.state.events('default');
    assert.equal(event?.['reason'], 'EniConfigNotFound');
    assert.equal(event?.['type'], 'Warning');
    assert.match(
      String(event?.['message']),
      /^ENIConfig 'pods-missing' \(node annotation k8s\.amazonaws\.com\/eniConfig\) does not exist/,
    );
    const involved = event?.['involvedObject'] as Record<string, unknown>;
    assert.deepEqual([involved['kind'], involved['name'], typeof involved['uid']], ['Node', 'node-1', 'string']);
    assert.deepEqual(event?.['source'], { component: 'aws-node', host: 'node-1' });

    standin.state.putEniConfig(
      eniConfig('pods-missing', { subnet: POD_SUBNET.id, securityGroups: ['sg-00000000000000001'] }),
    );
    await until('the new ENIConfig', async () => (await source.eniConfig('pods-missing')) !== undefined);
    assert.deepEqual(await cn(), { subnet: POD_SUBNET.id, securityGroups: ['sg-00000000000000001'] });
    cn.close();
  });

  it('refuses an ENIConfig that the cluster holds but that is not valid', async () => {
    standin.state.create('eniconfigs', {
      apiVersion: 'crd.k8s.amazonaws.com/v1alpha1',
      kind: 'ENIConfig',
      metadata: { name: 'broken' },
      spec: { subnet: 'my-subnet' },
    });
    await until(
      'the broken ENIConfig',
      async () => (await source.eniConfig('broken').catch(() => 'refused')) === 'refused',
    );
    await assert.rejects(
      source.eniConfig('broken'),
      (e: unknown) =>
        isEniConfigError(e, 'ENICONFIG_INVALID_DOCUMENT') &&
        /spec\.subnet 'my-subnet' is not a subnet id/.test(e.message),
    );
  });

  it('a Node that does not exist, and an API server that is not there, are NODE_INFO_UNAVAILABLE', async () => {
    const client = await createK8sClient({ kind: 'server', url: standin.url, token: standin.token });
    const ghost = await createKubernetesNodeInfoSource({ client, nodeName: 'ghost', backoff: FAST });
    await assert.rejects(
      ghost.node(),
      (e: unknown) => isEniConfigError(e, 'NODE_INFO_UNAVAILABLE') && /Node 'ghost' does not exist/.test(e.message),
    );
    await ghost.close();
    const nowhere = await createK8sClient({ kind: 'server', url: `http://127.0.0.1:${await freePort()}` });
    const offline = await createKubernetesNodeInfoSource({
      client: nowhere,
      nodeName: 'node-1',
      syncTimeoutMs: 100,
      backoff: FAST,
    });
    await assert.rejects(
      offline.node(),
      (e: unknown) => isEniConfigError(e, 'NODE_INFO_UNAVAILABLE') && /cannot read Node 'node-1'/.test(e.message),
    );
    await assert.rejects(offline.eniConfig('pods-a'), (e: unknown) => isEniConfigError(e, 'NODE_INFO_UNAVAILABLE'));
    await offline.close();
  });

  it('keeps following through an API server restart, catching up on what changed meanwhile', async () => {
    const port = await freePort();
    const first = await startK8sStandin({
      port,
      nodes: [{ name: 'n', labels: {}, annotations: { [DEFAULT_ENICONFIG_KEY]: 'before' } }],
      eniConfigs: [eniConfig('gone', { subnet: POD_SUBNET.id })],
    });
    const client = await createK8sClient({ kind: 'kubeconfig-text', text: first.kubeconfig() });
    const follower = await createKubernetesNodeInfoSource({ client, nodeName: 'n', backoff: FAST });
    let changes = 0;
    follower.watch(() => (changes += 1));
    let second: K8sStandin | undefined;
    try {
      assert.equal((await follower.node()).annotations[DEFAULT_ENICONFIG_KEY], 'before');
      assert.ok(await follower.eniConfig('gone'));
      await first.close();
      first.state.patchNode('n', { metadata: { annotations: { [DEFAULT_ENICONFIG_KEY]: 'after' } } });
      first.state.deleteEniConfig('gone');
      await new Promise((resolve) => setTimeout(resolve, 50));
      second = await startK8sStandin({ port, state: first.state });
      await until(
        'the restarted server',
        async () => (await follower.node()).annotations[DEFAULT_ENICONFIG_KEY] === 'after',
      );
      await until('the ENIConfig deleted meanwhile', async () => (await follower.eniConfig('gone')) === undefined);
      assert.ok(changes >= 2);
    } finally {
      await follower.close();
      await second?.close();
      await first.close();
    }
  });
});
