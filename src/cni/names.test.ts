import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { containerInterfaceName, dummyInterfaceName, hostVethName, podHash, sha1Hex } from './names.js';

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

  it('sha1Hex agrees with node:crypto on every length around the block boundaries, and on UTF-8', () => {
    assert.equal(sha1Hex(''), 'da39a3ee5e6b4b0d3255bfef95601890afd80709');
    assert.equal(sha1Hex('abc'), 'a9993e364706816aba3e25717850c26c9cd0d89d');
    for (let length = 0; length <= 200; length++) {
      const text = Array.from({ length }, (_, i) => String.fromCharCode(97 + ((i * 7 + length) % 26))).join('');
      assert.equal(sha1Hex(text), createHash('sha1').update(text).digest('hex'), `length ${length}`);
    }
    assert.equal(sha1Hex('名前空間.pöd'), createHash('sha1').update('名前空間.pöd').digest('hex'));
  });

  it('container interfaces: CNI_IFNAME first, mNicIf<i> after', () => {
    assert.deepEqual(
      [0, 1, 2].map((i) => containerInterfaceName('eth0', i)),
      ['eth0', 'mNicIf1', 'mNicIf2'],
    );
  });
});
