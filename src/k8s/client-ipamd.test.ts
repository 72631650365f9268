// The Kubernetes client's calls for ipamd's own work, against the stand-in: /version with a timeout, Pods,
// CNINodes with an optimistic lock, events.k8s.io Events, and CLUSTER_ENDPOINT replacing the API server address.
import { strict as assert } from 'node:assert';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createK8sClient, loadKubeConfig, type K8sClient } from './client.js';
import { isK8sError } from './errors.js';
import { startK8sStandin, type K8sStandin } from '../../test/support/k8s-standin/standin.js';

describe('Kubernetes client: ipamd calls', () => {
  let standin: K8sStandin;
  let client: K8sClient;
  let dir = '';

  before(async () => {
    standin = await startK8sStandin();
    client = await createK8sClient({ kind: 'kubeconfig-text', text: standin.kubeconfig() });
    dir = await mkdtemp(join(tmpdir(), 'vpc-cni-k8s-ipamd-'));
  });
  after(async () => {
    await standin.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('GET /version; a server that does not answer times out (details.timedOut)', async () => {
    assert.equal((await client.version({ timeoutMs: 2_000 })).gitVersion, 'v1.31.0-standin');
    standin.state.faults.add({ method: 'GET', path: /^\/version$/, hang: true, times: 1 });
    await assert.rejects(
      client.version({ timeoutMs: 100 }),
      (e: unknown) =>
        isK8sError(e, 'K8S_API_ERROR') &&
        e.details['timedOut'] === true &&
        e.message === 'get /version failed: the API server did not answer within 100 ms',
    );
  });

  it('reads and merge-patches a Pod; RBAC refusals keep their status and words', async () => {
    standin.state.putPod('default', 'web-1', { keep: 'me' });
    await client.patchPod('default', 'web-1', {
      metadata: { annotations: { 'vpc.amazonaws.com/pod-ips': '10.0.0.5' } },
    });
    const pod = (await client.readPod('default', 'web-1')) as { metadata: { annotations: Record<string, string> } };
    assert.deepEqual(pod.metadata.annotations, { keep: 'me', 'vpc.amazonaws.com/pod-ips': '10.0.0.5' });
    const allow = standin.state.faults.forbid('patch', 'pods');
    await assert.rejects(
      client.patchPod('default', 'web-1', { metadata: { annotations: { a: 'b' } } }),
      (e: unknown) =>
        isK8sError(e, 'K8S_API_ERROR') &&
        e.details['status'] === 403 &&
        e.message.includes('pods "web-1" is forbidden: User "system:serviceaccount:kube-system:aws-node" cannot patch'),
    );
    allow();
    await assert.rejects(client.readPod('default', 'nope'), (e: unknown) => isK8sError(e, 'K8S_NOT_FOUND'));
  });

  it('gets and patches a CNINode; a stale resourceVersion in the patch is K8S_CONFLICT', async () => {
    standin.state.putCniNode('node-1');
    const read = (await client.getCniNode('node-1')) as { metadata: { resourceVersion: string } };
    const stale = read.metadata.resourceVersion;
    await client.patchCniNode('node-1', { metadata: { resourceVersion: stale }, spec: { features: [{ name: 'A' }] } });
    assert.deepEqual(standin.state.get('cninodes', 'node-1')?.['spec'], { features: [{ name: 'A' }], tags: {} });
    await assert.rejects(
      client.patchCniNode('node-1', { metadata: { resourceVersion: stale }, spec: { features: [] } }),
      (e: unknown) => isK8sError(e, 'K8S_CONFLICT') && /patch CNINode node-1: conflict/.test(e.message),
    );
    await assert.rejects(client.getCniNode('node-2'), (e: unknown) => isK8sError(e, 'K8S_NOT_FOUND'));
  });

  it('creates and patches events.k8s.io Events; an incomplete one is refused (422)', async () => {
    const event = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'aws-node-x.1', namespace: 'kube-system' },
      eventTime: '2024-05-01T12:00:00.000000Z',
      reportingController: 'aws-node',
      reportingInstance: 'aws-node-node-1',
      action: 'ec2:CreateNetworkInterface',
      reason: 'MissingIAMPermissions',
      regarding: { apiVersion: 'v1', kind: 'Pod', namespace: 'kube-system', name: 'aws-node-x' },
      note: 'why',
      type: 'Warning',
    };
    await client.createEventV1('kube-system', event);
    await client.patchEventV1('kube-system', 'aws-node-x.1', {
      series: { count: 2, lastObservedTime: event.eventTime },
    });
    const stored = standin.state.get('eventsv1', 'kube-system/aws-node-x.1');
    assert.deepEqual(stored?.['series'], { count: 2, lastObservedTime: event.eventTime });
    await assert.rejects(
      client.createEventV1('kube-system', { ...event, metadata: { name: 'y' }, reportingController: undefined }),
      (e: unknown) => isK8sError(e, 'K8S_API_ERROR') && /reportingController: Required value/.test(e.message),
    );
  });

  it('CLUSTER_ENDPOINT replaces the address of a kubeconfig and of the in-cluster service', async () => {
    const elsewhere = 'http://127.0.0.1:1';
    const kc = await loadKubeConfig({ kind: 'kubeconfig-text', text: standin.kubeconfig(), server: elsewhere });
    assert.equal(kc.getCurrentCluster()?.server, elsewhere);
    assert.equal(kc.getCurrentUser()?.token, standin.token);
    // The in-cluster service account, but the stand-in's address (CLUSTER_ENDPOINT) instead of the service's.
    const sa = join(dir, 'sa');
    await mkdir(sa);
    await writeFile(join(sa, 'token'), standin.token);
    await writeFile(join(sa, 'ca.crt'), '');
    const direct = await createK8sClient({
      kind: 'in-cluster',
      host: '10.100.0.1',
      port: '443',
      serviceAccountDir: sa,
      server: standin.url,
    });
    assert.equal((await direct.version({ timeoutMs: 2_000 })).gitVersion, 'v1.31.0-standin');
    assert.match(direct.target, /at CLUSTER_ENDPOINT http:\/\/127\.0\.0\.1:\d+$/);
  });
});
