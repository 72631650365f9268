import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { containerInterfaceName, dummyInterfaceName, hostVethName, podHash } from './names.js';

describe('names', () => {
  // Hashes computed independently: sha1("<namespace>.<pod>")[0:11].
  const cases: readonly { ns: string; pod: string; index: number; prefix: string; veth: string }[] = [
    { ns: 'default', pod: 'web-0', index: 0, prefix: 'eni', veth: 'eni0d7763386da' },
    { ns: 'default', pod: 'web-0', index: 1, prefix: 'eni', veth: 'enib813f772d20' },
    { ns: 'kube-system', pod: 'coredns-5d78c9869d-abcde', index: 0, prefix: 'abcd', veth: 'abcd4d5f75c480c' },
  ];
  for (const c of cases) {
    it(`host veth of ${c.ns}/${c.pod} #${c.index} is ${c.veth} (≤ 15 characters)`, () => {
      const name = hostVethName(c.prefix, c.ns, c.pod, c.index);
      assert.equal(name, c.veth);
      assert.ok(name.length <= 15);
    });
  }

  it('the dummy interface uses the same hash as the first host veth', () => {
    assert.equal(podHash('default', 'web-0'), '0d7763386da');
    assert.equal(dummyInterfaceName('default', 'web-0'), 'dummy0d7763386da');
  });

  it('container interfaces: CNI_IFNAME first, mNicIf<i> after', () => {
    assert.deepEqual([0, 1, 2].map((i) => containerInterfaceName('eth0', i)), ['eth0', 'mNicIf1', 'mNicIf2']);
  });
});
