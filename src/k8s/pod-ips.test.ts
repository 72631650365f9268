// ANNOTATE_POD_IP's Kubernetes side [cninode §3] against the stand-in: ADD patches only when the value changes and
// retries conflicts; DEL clears only the released address (pod gone and no annotation are fine, another value is a
// mismatch); a missing RBAC verb is named.
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { createK8sClient, type K8sClient } from './client.js';
import { isK8sError } from './errors.js';
import { createPodIpAnnotations, POD_IPS_ANNOTATION, type PodIpAnnotations } from './pod-ips.js';
import { startK8sStandin, type K8sStandin } from '../../test/support/k8s-standin/standin.js';

describe('pod IP annotation', () => {
  let standin: K8sStandin;
  let client: K8sClient;
  let annotations: PodIpAnnotations;
  const pod = (name: string) => ({ namespace: 'default', name });
  const value = (name: string): unknown =>
    (standin.state.get('pods', `default/${name}`)?.metadata['annotations'] as Record<string, string>)[
      POD_IPS_ANNOTATION
    ];
  const patches = (name: string): number =>
    standin.state.requests.filter((r) => r.startsWith(`PATCH /api/v1/namespaces/default/pods/${name}`)).length;

  before(async () => {
    standin = await startK8sStandin();
    client = await createK8sClient({ kind: 'kubeconfig-text', text: standin.kubeconfig() });
    annotations = createPodIpAnnotations(client, { conflictWaitMs: 1 });
  });
  after(() => standin.close());

  it('ADD sets the first IP, and sends nothing when it is already the value', async () => {
    standin.state.putPod('default', 'a', { other: 'kept' });
    await annotations.annotate(pod('a'), '10.0.97.30');
    assert.equal(value('a'), '10.0.97.30');
    await annotations.annotate(pod('a'), '10.0.97.30');
    assert.equal(patches('a'), 1);
    await annotations.annotate(pod('a'), '10.0.97.31');
    assert.equal(value('a'), '10.0.97.31');
    assert.equal(
      (standin.state.get('pods', 'default/a')?.metadata['annotations'] as Record<string, string>)['other'],
      'kept',
    );
  });

  it('ADD retries a conflict (up to 5 tries), then gives up with K8S_CONFLICT', async () => {
    standin.state.putPod('default', 'b');
    standin.state.faults.add({ method: 'PATCH', path: /\/pods\/b$/, status: 409, reason: 'Conflict', times: 2 });
    await annotations.annotate(pod('b'), '10.0.0.2');
    assert.equal(value('b'), '10.0.0.2');
    assert.equal(patches('b'), 3);
    standin.state.faults.add({ method: 'PATCH', path: /\/pods\/b$/, status: 409, reason: 'Conflict', times: 9 });
    await assert.rejects(annotations.annotate(pod('b'), '10.0.0.3'), (e: unknown) => isK8sError(e, 'K8S_CONFLICT'));
    assert.equal(patches('b'), 8);
    standin.state.faults.clear();
  });

  it('ADD without the pods/patch permission says which verb the ClusterRole lacks; a missing pod is NotFound', async () => {
    standin.state.putPod('default', 'c');
    const allow = standin.state.faults.forbid('patch', 'pods');
    try {
      await assert.rejects(
        annotations.annotate(pod('c'), '10.0.0.4'),
        (e: unknown) =>
          isK8sError(e, 'K8S_API_ERROR') &&
          e.details['status'] === 403 &&
          /is forbidden.*\(ANNOTATE_POD_IP=true needs the aws-node ClusterRole to grant 'patch' on pods\)$/.test(
            e.message,
          ),
      );
    } finally {
      allow();
    }
    await assert.rejects(annotations.annotate(pod('gone'), '10.0.0.4'), (e: unknown) => isK8sError(e, 'K8S_NOT_FOUND'));
  });

  it('DEL: gone → ok, absent → no patch, other value → mismatch (no patch), equal → "" (the key stays)', async () => {
    assert.deepEqual(await annotations.clear(pod('never'), '10.0.0.9'), { kind: 'pod-gone' });
    standin.state.putPod('default', 'd');
    assert.deepEqual(await annotations.clear(pod('d'), '10.0.0.9'), { kind: 'absent' });
    standin.state.putPod('default', 'e', { [POD_IPS_ANNOTATION]: '10.0.0.8' });
    assert.deepEqual(await annotations.clear(pod('e'), '10.0.0.9'), { kind: 'mismatch', current: '10.0.0.8' });
    assert.equal(patches('d') + patches('e'), 0);
    assert.deepEqual(await annotations.clear(pod('e'), '10.0.0.8'), { kind: 'cleared' });
    assert.equal(value('e'), '');
  });
});
