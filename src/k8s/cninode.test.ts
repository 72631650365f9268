// CNINode features [cninode §1.4]: the set-union by name (table), and the GET + conditional merge patch against the
// stand-in — unknown features kept, nothing sent when present, a concurrent change is a conflict with no retry.
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { addCniNodeFeature, withFeature, type CniNodeFeature } from './cninode.js';
import { createK8sClient, type K8sClient } from './client.js';
import { isK8sError } from './errors.js';
import { startK8sStandin, type K8sStandin } from '../../test/support/k8s-standin/standin.js';

const SGP = { name: 'SecurityGroupsForPods', value: '' };
const cn = (value: string): CniNodeFeature => ({ name: 'CustomNetworking', value });

describe('withFeature', () => {
  const cases: readonly [string, CniNodeFeature[], CniNodeFeature, CniNodeFeature[] | undefined][] = [
    ['added to an empty list', [], SGP, [SGP]],
    ['appended after the others', [cn('a')], SGP, [cn('a'), SGP]],
    ['same name and value: unchanged', [SGP, cn('a')], cn('a'), undefined],
    ['same name, new value: replaced, moved to the end', [cn('a'), SGP], cn('b'), [SGP, cn('b')]],
    ['unknown features are kept', [{ name: 'Future', value: 'x' }], SGP, [{ name: 'Future', value: 'x' }, SGP]],
    ['duplicates of the name all go', [cn('a'), cn('c')], cn('b'), [cn('b')]],
  ];
  for (const [what, features, feature, expected] of cases) {
    it(what, () => assert.deepEqual(withFeature(features, feature), expected));
  }
});

describe('addCniNodeFeature against the stand-in', () => {
  let standin: K8sStandin;
  let client: K8sClient;

  before(async () => {
    standin = await startK8sStandin();
    client = await createK8sClient({ kind: 'kubeconfig-text', text: standin.kubeconfig() });
  });
  after(() => standin.close());

  const features = (name: string): unknown =>
    (standin.state.get('cninodes', name)?.['spec'] as { features: unknown }).features;
  const patches = (name: string): number =>
    standin.state.requests.filter((r) => r.startsWith(`PATCH /apis/vpcresources.k8s.aws/v1alpha1/cninodes/${name}`))
      .length;

  it('adds with a conditional merge patch, keeping the unknown features; present → no patch', async () => {
    standin.state.putCniNode('node-1', [{ name: 'Future', value: 'x' }]);
    assert.equal(await addCniNodeFeature(client, 'node-1', cn('us-west-2a')), 'added');
    assert.equal(await addCniNodeFeature(client, 'node-1', SGP), 'added');
    assert.deepEqual(features('node-1'), [{ name: 'Future', value: 'x' }, cn('us-west-2a'), SGP]);
    assert.equal(await addCniNodeFeature(client, 'node-1', cn('us-west-2a')), 'present');
    assert.equal(patches('node-1'), 2);
    assert.equal(await addCniNodeFeature(client, 'node-1', cn('us-west-2b')), 'added');
    assert.deepEqual(features('node-1'), [{ name: 'Future', value: 'x' }, SGP, cn('us-west-2b')]);
  });

  it('a change between the read and the patch is K8S_CONFLICT, not retried, and nothing is lost', async () => {
    standin.state.putCniNode('node-2', [SGP]);
    // The resource controller writes in between: the patch carries the resourceVersion ipamd read.
    const racing: Pick<K8sClient, 'getCniNode' | 'patchCniNode'> = {
      getCniNode: async (name, options) => {
        const read = await client.getCniNode(name, options);
        standin.state.patch('cninodes', name, { spec: { features: [SGP, { name: 'Other', value: 'y' }] } });
        return read;
      },
      patchCniNode: (name, patch, options) => client.patchCniNode(name, patch, options),
    };
    await assert.rejects(addCniNodeFeature(racing, 'node-2', cn('a')), (e: unknown) => isK8sError(e, 'K8S_CONFLICT'));
    assert.equal(patches('node-2'), 1);
    assert.deepEqual(features('node-2'), [SGP, { name: 'Other', value: 'y' }]);
  });

  it('no CNINode yet: K8S_NOT_FOUND naming the resource controller; a 403 keeps its status', async () => {
    await assert.rejects(
      addCniNodeFeature(client, 'node-9', SGP),
      (e: unknown) =>
        isK8sError(e, 'K8S_NOT_FOUND') && /CNINode node-9 does not exist: the VPC resource controller/.test(e.message),
    );
    standin.state.putCniNode('node-3');
    const allow = standin.state.faults.forbid('patch', 'cninodes');
    try {
      await assert.rejects(
        addCniNodeFeature(client, 'node-3', SGP),
        (e: unknown) => isK8sError(e, 'K8S_API_ERROR') && e.details['status'] === 403,
      );
    } finally {
      allow();
    }
    assert.deepEqual(features('node-3'), []);
  });
});
