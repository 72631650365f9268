import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parseCniArgs, requirePodIdentity } from './args.js';
import { isCniError } from './errors.js';

const PAIRS = [
  'IgnoreUnknown=1',
  'K8S_POD_NAMESPACE=default',
  'K8S_POD_NAME=web-0',
  'K8S_POD_INFRA_CONTAINER_ID=c0ffee1234',
  'K8S_POD_UID=1b2c3d4e-0000-4000-8000-000000000001',
];
const EXPECTED = {
  podName: 'web-0',
  podNamespace: 'default',
  infraContainerId: 'c0ffee1234',
  podUid: '1b2c3d4e-0000-4000-8000-000000000001',
};

/** Deterministic shuffles (a linear congruential generator), so a failure names its order. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('parseCniArgs', () => {
  for (let seed = 1; seed <= 12; seed++) {
    const text = shuffled(PAIRS, seed).join(';');
    it(`reads the pod in any order: ${text.slice(0, 60)}…`, () => {
      assert.deepEqual(parseCniArgs(text), EXPECTED);
    });
  }

  const good: readonly { text: string; expected: Partial<typeof EXPECTED> }[] = [
    { text: '', expected: {} },
    { text: 'K8S_POD_NAME=a;K8S_POD_NAMESPACE=b;', expected: { podName: 'a', podNamespace: 'b' } },
    { text: 'K8S_POD_NAME=a;K8S_POD_NAME=b', expected: { podName: 'b' } },
    { text: 'IgnoreUnknown=true;FOO=bar;K8S_POD_NAME=a', expected: { podName: 'a' } },
    { text: 'FOO=bar;IgnoreUnknown=TRUE', expected: {} },
    { text: 'K8S_POD_NAME=', expected: {} },
  ];
  for (const c of good) {
    it(`accepts ${JSON.stringify(c.text)}`, () => {
      assert.deepEqual(parseCniArgs(c.text), {
        podName: '',
        podNamespace: '',
        infraContainerId: '',
        podUid: '',
        ...c.expected,
      });
    });
  }

  const bad: readonly { text: string; message: RegExp }[] = [
    { text: 'K8S_POD_NAME', message: /invalid pair "K8S_POD_NAME"/ },
    { text: 'K8S_POD_NAME=a=b', message: /invalid pair/ },
    { text: '=a', message: /invalid pair/ },
    { text: 'FOO=bar;K8S_POD_NAME=a', message: /unknown keys "FOO"/ },
    { text: 'FOO=bar;IgnoreUnknown=0', message: /unknown keys/ },
    { text: 'IgnoreUnknown=maybe', message: /IgnoreUnknown="maybe" is not a boolean/ },
    { text: 'K8S_POD_NAME=../../etc', message: /K8S_POD_NAME=".*" is not a Kubernetes pod name/ },
    { text: 'K8S_POD_NAME=web 0', message: /K8S_POD_NAME/ },
    { text: 'K8S_POD_NAME=web\n0', message: /K8S_POD_NAME/ },
    { text: `K8S_POD_NAME=${'a'.repeat(254)}`, message: /at most 253/ },
    { text: 'K8S_POD_NAMESPACE=kube/system', message: /K8S_POD_NAMESPACE/ },
    { text: `K8S_POD_NAMESPACE=${'a'.repeat(64)}`, message: /at most 63/ },
    { text: 'K8S_POD_UID=abc$', message: /K8S_POD_UID/ },
    { text: 'K8S_POD_INFRA_CONTAINER_ID=-x', message: /K8S_POD_INFRA_CONTAINER_ID/ },
  ];
  for (const c of bad) {
    it(`refuses ${JSON.stringify(c.text.slice(0, 50))} with code 4`, () => {
      assert.throws(
        () => parseCniArgs(c.text),
        (error: unknown) =>
          isCniError(error, 'CNI_INVALID_ENV') && error.cniCode === 4 && c.message.test(error.message),
      );
    });
  }

  it('requirePodIdentity names the missing keys', () => {
    assert.throws(
      () => requirePodIdentity({ ...EXPECTED, podName: '', podNamespace: '' }),
      (error: unknown) =>
        isCniError(error, 'CNI_MISSING_ENV') && /K8S_POD_NAMESPACE and K8S_POD_NAME/.test(error.message),
    );
    requirePodIdentity(EXPECTED);
  });
});
