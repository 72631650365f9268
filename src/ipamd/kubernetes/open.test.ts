// ipamd's one Kubernetes connection [cninode §2]: settings refused without a cluster, the start-up check (required:
// timeouts retried, a refusal names the setting; optional: gives up and goes on), CLUSTER_ENDPOINT, and the parts
// built on the client — the pod annotation port, the cordon hook, MissingIAMPermissions events — against the stand-in.
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import type { Ec2Api } from '../../cloud/ec2/port.js';
import type { Imds } from '../../cloud/imds/port.js';
import { loadConfig } from '../../config/index.js';
import type { KubeTarget } from '../../config/k8s-env.js';
import { systemClock } from '../../obs/clock.js';
import { silentLogger } from '../../obs/logger.js';
import { systemTimers } from '../../obs/timers.js';
import { POD_IPS_ANNOTATION } from '../../k8s/pod-ips.js';
import { startK8sStandin, type K8sStandin } from '../../../test/support/k8s-standin/standin.js';
import { IpamdError } from '../errors.js';
import { openIpamdKubernetes, type IpamdKubernetesPorts } from './open.js';

const NODE = 'node-1';
const unused = new Proxy({}, { get: () => () => Promise.reject(new RangeError('not used by this test')) });
const PORTS: IpamdKubernetesPorts = {
  imds: unused as Imds,
  ec2: unused as Ec2Api,
  logger: silentLogger,
  clock: systemClock,
  timers: systemTimers,
  connectivity: { requestTimeoutMs: 200, requiredPollMs: 10, optionalWaitMs: 60, optionalPollMs: 20 },
  syncTimeoutMs: 2_000,
};
const REFUSED = { kind: 'server', url: 'http://127.0.0.1:1' } as const;

function isIpamdError(code: string, message: RegExp): (e: unknown) => boolean {
  return (e) => e instanceof IpamdError && e.code === code && message.test(e.message);
}

describe('without a cluster', () => {
  it('refuses the settings that need one, naming each', async () => {
    const loaded = loadConfig({ ANNOTATE_POD_IP: 'true', AWS_MANAGE_ENIS_NON_SCHEDULABLE: 'false' });
    await assert.rejects(
      openIpamdKubernetes(loaded, { ...PORTS, target: null }),
      isIpamdError(
        'KUBERNETES_API_REQUIRED',
        /^ANNOTATE_POD_IP=true \(pods are annotated on every ADD\); AWS_MANAGE_ENIS_NON_SCHEDULABLE=false \(.*\): these need the Kubernetes API server, and none is configured/,
      ),
    );
  });

  it('goes on with nothing to do when only the defaults are set', async () => {
    const kube = await openIpamdKubernetes(loadConfig({ AWS_MANAGE_ENIS_NON_SCHEDULABLE: 'true' }), {
      ...PORTS,
      target: null,
    });
    assert.deepEqual(kube.deps, {});
    assert.equal(kube.client, undefined);
    const defaults = await openIpamdKubernetes(loadConfig({}), { ...PORTS, target: null });
    assert.deepEqual(defaults.deps, {});
  });
});

describe('with the stand-in', () => {
  let standin: K8sStandin;
  const base = { MY_NODE_NAME: NODE, MY_POD_NAME: 'aws-node-x7k2p' };

  before(async () => {
    standin = await startK8sStandin({ nodes: [{ name: NODE, labels: {}, annotations: {}, capacityPods: 29 }] });
    standin.state.putPod('kube-system', 'aws-node-x7k2p');
  });
  after(() => standin.close());

  const target = (): KubeTarget => ({ kind: 'kubeconfig-text', text: standin.kubeconfig() });
  const versionCalls = (): number => standin.state.requests.filter((r) => r === 'GET /version').length;

  // A bound: the failure must come at once, not after polling forever.
  it(
    'ANNOTATE_POD_IP=true and a refused connection: KUBERNETES_API_UNREACHABLE naming the setting',
    { timeout: 20_000 },
    async () => {
      await assert.rejects(
        openIpamdKubernetes(loadConfig({ ...base, ANNOTATE_POD_IP: 'true' }), { ...PORTS, target: REFUSED }),
        isIpamdError(
          'KUBERNETES_API_UNREACHABLE',
          /^ANNOTATE_POD_IP=true needs the Kubernetes API server \(API server http:\/\/127\.0\.0\.1:1\), and it failed: .*could not reach the API server/,
        ),
      );
    },
  );

  it(
    'ANNOTATE_POD_IP=true waits through timeouts, then annotates pods through the port',
    { timeout: 20_000 },
    async () => {
      const before = versionCalls();
      standin.state.faults.add({ method: 'GET', path: /^\/version$/, hang: true, times: 2 });
      const kube = await openIpamdKubernetes(loadConfig({ ...base, ANNOTATE_POD_IP: 'true' }), {
        ...PORTS,
        target: target(),
      });
      try {
        assert.equal(versionCalls() - before, 3);
        standin.state.putPod('default', 'web-1');
        await kube.deps.podIps?.annotate({ namespace: 'default', name: 'web-1' }, '10.0.97.30');
        const pod = standin.state.get('pods', 'default/web-1');
        assert.equal((pod?.metadata['annotations'] as Record<string, string>)[POD_IPS_ANNOTATION], '10.0.97.30');
      } finally {
        await kube.close();
      }
    },
  );

  it('nothing requires the API server: an unreachable one is given up after the wait', async () => {
    const kube = await openIpamdKubernetes(loadConfig(base), { ...PORTS, target: REFUSED, syncTimeoutMs: 10 });
    try {
      assert.equal(kube.deps.podIps, undefined);
      assert.equal(kube.deps.attachmentBlocked?.(), undefined, 'an unread Node counts as schedulable');
    } finally {
      await kube.close();
    }
  });

  it('CLUSTER_ENDPOINT replaces the address the kubeconfig gives', async () => {
    const dead = standin.kubeconfig().replace(standin.url, REFUSED.url);
    const loaded = loadConfig({ ...base, ANNOTATE_POD_IP: 'true', CLUSTER_ENDPOINT: standin.url });
    const kube = await openIpamdKubernetes(loaded, { ...PORTS, target: { kind: 'kubeconfig-text', text: dead } });
    try {
      assert.match(kube.client?.target ?? '', /^inline kubeconfig at CLUSTER_ENDPOINT http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await kube.close();
    }
  });

  it('AWS_MANAGE_ENIS_NON_SCHEDULABLE: false follows the cordon taint, true ignores it', async () => {
    standin.state.patchNode(NODE, {
      spec: { taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] },
    });
    const strict = await openIpamdKubernetes(loadConfig(base), { ...PORTS, target: target() });
    const relaxed = await openIpamdKubernetes(loadConfig({ ...base, AWS_MANAGE_ENIS_NON_SCHEDULABLE: 'true' }), {
      ...PORTS,
      target: target(),
    });
    try {
      assert.match(strict.deps.attachmentBlocked?.() ?? '', /^node node-1 is unschedulable/);
      assert.equal(relaxed.deps.attachmentBlocked, undefined);
    } finally {
      await strict.close();
      await relaxed.close();
      standin.state.patchNode(NODE, { spec: { taints: null } });
    }
  });

  it('MY_POD_NAME: an EC2 UnauthorizedOperation becomes a MissingIAMPermissions event on the aws-node pod', async () => {
    const kube = await openIpamdKubernetes(loadConfig(base), { ...PORTS, target: target() });
    kube.noteAwsCall({
      api: 'AssignPrivateIpAddresses',
      kind: 'ec2',
      ms: 9,
      error: 'UnauthorizedOperation',
      attempts: 1,
    });
    kube.noteAwsCall({ api: 'AssignPrivateIpAddresses', kind: 'ec2', ms: 9, attempts: 1 });
    await kube.close();
    const events = standin.state.list('eventsv1');
    assert.equal(events.length, 1);
    const pod = standin.state.get('pods', 'kube-system/aws-node-x7k2p');
    assert.deepEqual(
      [events[0]?.['reason'], events[0]?.['action'], events[0]?.['type'], events[0]?.['regarding']],
      [
        'MissingIAMPermissions',
        'ec2:AssignPrivateIpAddresses',
        'Warning',
        { apiVersion: 'v1', kind: 'Pod', namespace: 'kube-system', name: 'aws-node-x7k2p', uid: pod?.metadata['uid'] },
      ],
    );
    const quiet = await openIpamdKubernetes(loadConfig({ MY_NODE_NAME: NODE }), { ...PORTS, target: target() });
    quiet.noteAwsCall({ api: 'CreateTags', kind: 'ec2', ms: 9, error: 'UnauthorizedOperation', attempts: 1 });
    await quiet.close();
    assert.equal(standin.state.list('eventsv1').length, 1, 'without MY_POD_NAME no event');
  });
});
