// `apply --kubeconfig` with "a cluster": the Kubernetes API-server stand-in (test/support/k8s-standin/standin.ts — a
// stand-in that implements the calls the adapter makes, not an API server) holding the seed's three nodes. apply
// creates the three zone-named ENIConfigs and annotates the nodes; a second apply changes nothing. The stand-in has no
// DaemonSets, so the env change is reported for the user to make.
import { strict as assert } from 'node:assert';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startK8sStandin, type K8sStandin } from '../../support/k8s-standin/standin.js';
import { startWorld, type World } from './harness.js';

const ZONES = ['ap-northeast-2a', 'ap-northeast-2b', 'ap-northeast-2c'];
const NODE_NAMES = ['ip-10-11-16-31', 'ip-10-11-55-30', 'ip-10-11-90-240'].map(
  (n) => `${n}.ap-northeast-2.compute.internal`,
);
const RESOURCE_NAMED = 'i-third.ap-northeast-2.compute.internal';

describe('custom-networking apply against a cluster (the API-server stand-in)', () => {
  let world: World;
  let standin: K8sStandin;
  let kubeconfig: string;
  before(async () => {
    world = await startWorld();
    // The third node is named by resource name (i-….compute.internal): found by its providerID.
    const third = [...world.sim.store.instances.values()].find((i) => i.availabilityZone === 'ap-northeast-2c');
    standin = await startK8sStandin({
      nodes: [
        ...NODE_NAMES.slice(0, 2).map((name, i) => ({
          name,
          labels: { 'topology.kubernetes.io/zone': ZONES[i] ?? '' },
          annotations: {},
          capacityPods: 29,
        })),
        {
          metadata: { name: RESOURCE_NAMED, labels: {}, annotations: {} },
          spec: { providerID: `aws:///ap-northeast-2c/${third?.id ?? ''}` },
        },
      ],
    });
    kubeconfig = join(world.dir, 'kubeconfig');
    await writeFile(kubeconfig, standin.kubeconfig());
  });
  after(async () => {
    await standin.close();
    await world.close();
  });

  it('plan shows the cluster as the target; apply creates the ENIConfigs and annotates the nodes', async () => {
    const plan = await world.run('plan', '--cluster', 'eksworkshop', '--kubeconfig', kubeconfig);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(
      plan.stdout,
      /5\. ENIConfigs, named after their zone \(cluster \(kubeconfig .*\); DaemonSet kube-system\/aws-node not found: set its env yourself\)/,
    );
    assert.match(plan.stdout, /\+ ap-northeast-2a\s+subnet <new subnet 100\.64\.0\.0\/19>/);
    assert.match(
      plan.stdout,
      /~ ip-10-11-16-31\.ap-northeast-2\.compute\.internal\s+annotation k8s\.amazonaws\.com\/eniConfig=ap-northeast-2a/,
    );

    const applied = await world.run('apply', '--cluster', 'eksworkshop', '--kubeconfig', kubeconfig);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stderr, /created ENIConfig ap-northeast-2a/);
    const subnets = [...world.sim.store.subnets.values()].filter((s) => s.cidr.startsWith('100.64.'));
    for (const [i, zone] of ZONES.entries()) {
      const config = standin.state.get('eniconfigs', zone) as { spec?: { subnet?: string } } | undefined;
      assert.equal(config?.spec?.subnet, subnets.find((s) => s.availabilityZone === zone)?.id);
      const node = standin.state.get('nodes', i === 2 ? RESOURCE_NAMED : (NODE_NAMES[i] ?? '')) as
        { metadata: { annotations?: Record<string, string> } } | undefined;
      assert.equal(node?.metadata.annotations?.['k8s.amazonaws.com/eniConfig'], zone);
    }
    const again = await world.run('apply', '--cluster', 'eksworkshop', '--kubeconfig', kubeconfig);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^Nothing to change/);
  });
});
