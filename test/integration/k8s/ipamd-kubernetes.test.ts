// ipamd as the composition root runs it (runIpamd, in this process, on a node namespace of the embedded VPC) with "a
// cluster": the Kubernetes API stand-in found through KUBECONFIG, as aws-node finds the API server. ANNOTATE_POD_IP
// annotates pods before the ADD answers and fails the ADD (address kept) without pods/patch; a cordoned node keeps
// its pool and /v1/pool says why; an EC2 UnauthorizedOperation leaves a MissingIAMPermissions event on the aws-node
// pod [cninode §3; cninode §4; cninode §5.1].
import { strict as assert } from 'node:assert';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { netnsSkipReason } from '../../../src/netlink/netns.test-util.js';
import { POD_IPS_ANNOTATION } from '../../../src/k8s/pod-ips.js';
import { startK8sStandin, type K8sStandin } from '../../support/k8s-standin/standin.js';
import {
  addRequest,
  delRequest,
  eventually,
  ipamdEnv,
  startIpamd,
  startVpc,
  type RunningIpamd,
  type TestVpc,
} from '../support/index.js';

const NODE = 'ip-10-11-16-31.us-west-2.compute.internal';
const AWS_NODE_POD = 'aws-node-k8s-it';
const CORDON = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

interface PoolCard {
  readonly attachmentBlockedBy: string | null;
  readonly plan: { readonly resize: { readonly reason: string } };
}

describe('ipamd with the Kubernetes stand-in', { skip: await netnsSkipReason() }, () => {
  let vpc: TestVpc;
  let standin: K8sStandin;
  let ipamd: RunningIpamd;

  before(async () => {
    vpc = await startVpc();
    standin = await startK8sStandin({ nodes: [{ name: NODE, labels: {}, annotations: {}, capacityPods: 29 }] });
    standin.state.putPod('kube-system', AWS_NODE_POD);
    const kubeconfig = join(vpc.dir, 'kubeconfig');
    await writeFile(kubeconfig, standin.kubeconfig());
    // ipamd finds the API server the way aws-node does: from its environment.
    const env = await ipamdEnv(vpc, {
      KUBECONFIG: kubeconfig,
      ANNOTATE_POD_IP: 'true',
      MY_NODE_NAME: NODE,
      MY_POD_NAME: AWS_NODE_POD,
      WARM_IP_TARGET: '1',
    });
    ipamd = await startIpamd(env);
  });
  after(async () => {
    const code = await ipamd?.stop();
    await standin?.close();
    await vpc?.close();
    assert.equal(code, 0);
  });

  const annotation = (pod: string): string | undefined =>
    (standin.state.get('pods', `default/${pod}`)?.metadata['annotations'] as Record<string, string> | undefined)?.[
      POD_IPS_ANNOTATION
    ];
  const pool = async (): Promise<PoolCard | undefined> =>
    ((await (await fetch(`${ipamd.introspection}/v1/pool`)).json()) as { cards: PoolCard[] }).cards[0];

  it('ANNOTATE_POD_IP: the pod carries its address when the ADD answers; the DEL empties it', async () => {
    standin.state.putPod('default', 'web-1');
    const reply = await ipamd.client.addNetwork(addRequest('web-1'));
    assert.equal(reply.success, true, reply.errorMessage);
    assert.equal(annotation('web-1'), reply.ipAllocationMetadata[0]?.ipv4Addr);
    const del = await ipamd.client.delNetwork(delRequest('web-1'));
    assert.equal(del.success, true, del.errorMessage);
    assert.equal(annotation('web-1'), '');
  });

  it('without pods/patch the ADD fails naming the missing verb; the address is held until the DEL', async () => {
    standin.state.putPod('default', 'web-2');
    const allow = standin.state.faults.forbid('patch', 'pods');
    try {
      const reply = await ipamd.client.addNetwork(addRequest('web-2'));
      assert.equal(reply.success, false);
      assert.equal(reply.errorCode, 'POD_IP_ANNOTATION_FAILED');
      assert.match(reply.errorMessage, /needs the aws-node ClusterRole to grant 'patch' on pods\)$/);
      const del = await ipamd.client.delNetwork(delRequest('web-2'));
      assert.equal(del.success, true);
      assert.equal(del.ipAllocationMetadata.length, 1, 'the DEL released the address the failed ADD held');
    } finally {
      allow();
    }
  });

  it('a cordoned node keeps its pool and /v1/pool says why; uncordoned, the reason goes', async () => {
    standin.state.patchNode(NODE, { spec: { taints: [CORDON] } });
    const blocked = await eventually('the cordon on /v1/pool', async () => {
      const card = await pool();
      return card?.attachmentBlockedBy?.includes('unschedulable') === true ? card : undefined;
    });
    assert.match(blocked.attachmentBlockedBy ?? '', /AWS_MANAGE_ENIS_NON_SCHEDULABLE=false$/);
    standin.state.patchNode(NODE, { spec: { taints: null } });
    await eventually('the uncordon on /v1/pool', async () =>
      (await pool())?.attachmentBlockedBy === null ? true : undefined,
    );
  });

  it('EC2 UnauthorizedOperation: a MissingIAMPermissions event on the aws-node pod', async () => {
    const rules = { AssignPrivateIpAddresses: { code: 'UnauthorizedOperation', probability: 1 } };
    const put = await fetch(`${vpc.sim.ec2Url}/_sim/faults`, { method: 'PUT', body: JSON.stringify({ rules }) });
    assert.equal(put.status, 200);
    try {
      // WARM_IP_TARGET=1: each new pod makes the pool ask EC2 for another address.
      for (const pod of ['iam-1', 'iam-2']) {
        standin.state.putPod('default', pod);
        await ipamd.client.addNetwork(addRequest(pod));
      }
      const event = await eventually('the event', () =>
        standin.state.list('eventsv1').find((e) => e['reason'] === 'MissingIAMPermissions'),
      );
      assert.equal(event['action'], 'ec2:AssignPrivateIpAddresses');
      assert.equal(event['reportingController'], 'aws-node');
      assert.deepEqual((event['regarding'] as { name: string }).name, AWS_NODE_POD);
      assert.match(String(event['note']), /^Unauthorized operation: failed to call ec2:AssignPrivateIpAddresses due/);
    } finally {
      await fetch(`${vpc.sim.ec2Url}/_sim/faults`, { method: 'DELETE' });
    }
  });
});
