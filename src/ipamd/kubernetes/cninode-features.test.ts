// The CNINode features of node initialisation [cninode §1.4], driven directly (ENABLE_POD_ENI is not accepted by
// ipamd's configuration yet): which features under which settings, in the reference's order, a CustomNetworking
// failure stopping the start-up and a SecurityGroupsForPods failure only logged.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { K8sError } from '../../k8s/errors.js';
import { silentLogger } from '../../obs/logger.js';
import { IpamdError } from '../errors.js';
import { declareCniNodeFeatures, type CniNodeFeatureOptions } from './cninode-features.js';

interface Patched {
  readonly features: readonly { name: string; value: string }[];
}

/** A CNINode in memory behind the two calls; `failOn` makes patches adding that feature fail. */
function cniNode(failOn?: string) {
  let rv = 1;
  let features: { name: string; value: string }[] = [];
  const patches: Patched[] = [];
  const client: CniNodeFeatureOptions['client'] = {
    getCniNode: () => Promise.resolve({ metadata: { resourceVersion: String(rv) }, spec: { features } }),
    patchCniNode: (_name, patch) => {
      const spec = (patch as { spec: Patched }).spec;
      if (failOn !== undefined && spec.features.some((f) => f.name === failOn))
        return Promise.reject(new K8sError('K8S_CONFLICT', 'patch CNINode n: conflict'));
      patches.push(spec);
      features = [...spec.features];
      rv += 1;
      return Promise.resolve({});
    },
  };
  return { client, patches, features: () => features };
}

const config = (podEni: boolean, custom: boolean): CniNodeFeatureOptions['config'] => ({
  features: { podEni } as CniNodeFeatureOptions['config']['features'],
  customNetworking: { enabled: custom } as CniNodeFeatureOptions['config']['customNetworking'],
});

describe('CNINode features at node initialisation', () => {
  const cases: readonly [string, boolean, boolean, string | undefined, { name: string; value: string }[]][] = [
    ['ENABLE_POD_ENI off: none', false, true, 'us-west-2a', []],
    [
      'ENABLE_POD_ENI: SecurityGroupsForPods',
      true,
      false,
      'us-west-2a',
      [{ name: 'SecurityGroupsForPods', value: '' }],
    ],
    [
      'with custom networking: CustomNetworking first, then SecurityGroupsForPods',
      true,
      true,
      'us-west-2a',
      [
        { name: 'CustomNetworking', value: 'us-west-2a' },
        { name: 'SecurityGroupsForPods', value: '' },
      ],
    ],
    ["the ENIConfig 'default' is not declared", true, true, 'default', [{ name: 'SecurityGroupsForPods', value: '' }]],
    ['no ENIConfig chosen yet: not declared', true, true, undefined, [{ name: 'SecurityGroupsForPods', value: '' }]],
  ];
  for (const [what, podEni, custom, eniConfigName, expected] of cases) {
    it(what, async () => {
      const node = cniNode();
      const options = { client: node.client, nodeName: 'n', config: config(podEni, custom), log: silentLogger };
      await declareCniNodeFeatures({ ...options, eniConfigName });
      assert.deepEqual(node.features(), expected);
      // Again: nothing to change, nothing sent.
      await declareCniNodeFeatures({ ...options, eniConfigName });
      assert.equal(node.patches.length, expected.length);
    });
  }

  it('a CustomNetworking failure stops the start-up (IPAMD_INIT_FAILED) before SecurityGroupsForPods', async () => {
    const node = cniNode('CustomNetworking');
    await assert.rejects(
      declareCniNodeFeatures({
        client: node.client,
        nodeName: 'n',
        config: config(true, true),
        eniConfigName: 'us-west-2a',
        log: silentLogger,
      }),
      (e: unknown) =>
        e instanceof IpamdError &&
        e.code === 'IPAMD_INIT_FAILED' &&
        e.message ===
          'node initialisation failed: adding feature CustomNetworking=us-west-2a to CNINode n: patch CNINode n: conflict',
    );
    assert.deepEqual(node.features(), []);
  });

  it('a SecurityGroupsForPods failure is logged, not thrown', async () => {
    const node = cniNode('SecurityGroupsForPods');
    const lines: string[] = [];
    const log = { ...silentLogger, error: (_: Record<string, unknown>, msg: string) => lines.push(msg) };
    const declared = await declareCniNodeFeatures({
      client: node.client,
      nodeName: 'n',
      config: config(true, false),
      eniConfigName: undefined,
      log,
    });
    assert.deepEqual(declared, []);
    assert.deepEqual(lines, ['adding feature SecurityGroupsForPods to CNINode n failed: patch CNINode n: conflict']);
  });
});
