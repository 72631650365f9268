// ANNOTATE_POD_IP in the CNI backend [cninode §3], over a whole ipamd and the embedded VPC, with the annotation port
// in memory: ADD annotates before replying (also a repeated ADD), a failed annotation fails the reply with
// POD_IP_ANNOTATION_FAILED while the address stays assigned until the DEL; DEL clears after releasing, and a
// mismatch or failure is reported on a successful reply (so the plugin still tears the pod down).
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { ClearOutcome, PodIpAnnotations, PodRef } from '../../k8s/pod-ips.js';
import { K8sError } from '../../k8s/errors.js';
import { addRequest, buildWorld, delRequest, withIpamd } from '../../../test/support/virtual/world.js';

/** Annotations kept in a map, with calls recorded and failures on demand. */
class MemoryPodIps implements PodIpAnnotations {
  readonly values = new Map<string, string>();
  readonly calls: string[] = [];
  failAnnotate: Error | undefined;
  failClear: Error | undefined;

  annotate(pod: PodRef, ip: string): Promise<void> {
    this.calls.push(`annotate ${pod.namespace}/${pod.name} ${ip}`);
    if (this.failAnnotate !== undefined) return Promise.reject(this.failAnnotate);
    this.values.set(`${pod.namespace}/${pod.name}`, ip);
    return Promise.resolve();
  }

  clear(pod: PodRef, releasedIp: string): Promise<ClearOutcome> {
    this.calls.push(`clear ${pod.namespace}/${pod.name} ${releasedIp}`);
    if (this.failClear !== undefined) return Promise.reject(this.failClear);
    const current = this.values.get(`${pod.namespace}/${pod.name}`);
    if (current === undefined) return Promise.resolve({ kind: 'absent' });
    if (current !== releasedIp) return Promise.resolve({ kind: 'mismatch', current });
    this.values.set(`${pod.namespace}/${pod.name}`, '');
    return Promise.resolve({ kind: 'cleared' });
  }
}

const FORBIDDEN = new K8sError(
  'K8S_API_ERROR',
  'patch Pod default/a failed: HTTP 403 Forbidden: pods "a" is forbidden (ANNOTATE_POD_IP=true needs the aws-node ClusterRole to grant \'patch\' on pods)',
  { status: 403 },
);

describe('ANNOTATE_POD_IP in the backend', () => {
  it('ADD annotates the assigned address before replying, again on a repeated ADD; DEL clears it', async () => {
    const podIps = new MemoryPodIps();
    await withIpamd(buildWorld(), { podIps }, async (ipamd) => {
      const reply = await ipamd.backend.addNetwork(addRequest('a'));
      assert.equal(reply.success, true, reply.errorMessage);
      const ip = reply.ipAllocationMetadata[0]?.ipv4Addr ?? '';
      assert.equal(podIps.values.get('default/a'), ip);
      await ipamd.backend.addNetwork(addRequest('a'));
      const del = await ipamd.backend.delNetwork(delRequest('a'));
      assert.equal(del.success, true);
      assert.equal(del.errorCode, '');
      assert.equal(podIps.values.get('default/a'), '');
      assert.deepEqual(podIps.calls, [`annotate default/a ${ip}`, `annotate default/a ${ip}`, `clear default/a ${ip}`]);
      // A DEL that releases nothing does not touch the pod.
      await ipamd.backend.delNetwork(delRequest('a'));
      assert.equal(podIps.calls.length, 3);
    });
  });

  it('a failed annotation fails the ADD with the reason; the address stays assigned until the DEL', async () => {
    const podIps = new MemoryPodIps();
    podIps.failAnnotate = FORBIDDEN;
    await withIpamd(buildWorld(), { podIps }, async (ipamd) => {
      const reply = await ipamd.backend.addNetwork(addRequest('a'));
      assert.equal(reply.success, false);
      assert.equal(reply.errorCode, 'POD_IP_ANNOTATION_FAILED');
      assert.equal(reply.errorCniCode, 11);
      assert.deepEqual(reply.ipAllocationMetadata, []);
      assert.match(
        reply.errorMessage,
        /^10\.11\.\d+\.\d+ is assigned to pod default\/a but ANNOTATE_POD_IP=true and writing its vpc\.amazonaws\.com\/pod-ips annotation failed; the address stays assigned until the pod's DEL: .*needs the aws-node ClusterRole to grant 'patch' on pods\)$/,
      );
      const held = ipamd
        .context()
        ?.node.datastore.findByKey({ networkName: 'aws-cni', containerID: 'c-a', ifName: 'eth0' });
      assert.ok(held !== undefined, 'the address is still assigned to the pod');
      const del = await ipamd.backend.delNetwork(delRequest('a'));
      assert.equal(del.success, true);
      assert.equal(del.ipAllocationMetadata[0]?.ipv4Addr, held.address);
    });
  });

  it('DEL: another address in the annotation, or a failing API, is reported on a successful reply', async () => {
    const podIps = new MemoryPodIps();
    await withIpamd(buildWorld(), { podIps }, async (ipamd) => {
      await ipamd.backend.addNetwork(addRequest('a'));
      podIps.values.set('default/a', '10.11.99.99');
      const mismatch = await ipamd.backend.delNetwork(delRequest('a'));
      assert.equal(mismatch.success, true);
      assert.equal(mismatch.ipAllocationMetadata.length, 1, 'the released address is answered: the plugin tears down');
      assert.equal(mismatch.errorCode, 'POD_IP_ANNOTATION_FAILED');
      assert.match(
        mismatch.errorMessage,
        /^released IP 10\.11\.\d+\.\d+ does not match the vpc\.amazonaws\.com\/pod-ips annotation of pod default\/a \('10\.11\.99\.99'\): not patching the pod$/,
      );
      assert.equal(podIps.values.get('default/a'), '10.11.99.99');
      await ipamd.backend.addNetwork(addRequest('b'));
      podIps.failClear = FORBIDDEN;
      const failed = await ipamd.backend.delNetwork(delRequest('b'));
      assert.equal(failed.success, true);
      assert.equal(failed.errorCode, 'POD_IP_ANNOTATION_FAILED');
      assert.match(
        failed.errorMessage,
        /^released 10\.11\.\d+\.\d+, but clearing .* of pod default\/b failed: patch Pod/,
      );
    });
  });

  it('a request without a pod name cannot be annotated: the ADD says so', async () => {
    const podIps = new MemoryPodIps();
    await withIpamd(buildWorld(), { podIps }, async (ipamd) => {
      const reply = await ipamd.backend.addNetwork(addRequest('a', { k8sPodName: '' }));
      assert.equal(reply.errorCode, 'POD_IP_ANNOTATION_FAILED');
      assert.match(reply.errorMessage, /the request names no pod \(K8S_POD_NAMESPACE and K8S_POD_NAME are required\)$/);
      assert.deepEqual(podIps.calls, []);
    });
  });
});
