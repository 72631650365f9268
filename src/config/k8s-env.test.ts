// Where the API server is: KUBECONFIG beats the in-cluster service; neither means no cluster.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { describeKubeTarget, kubeTargetFromEnvironment, SERVICE_ACCOUNT_DIR } from './k8s-env.js';

describe('kubeTargetFromEnvironment', () => {
  it('picks KUBECONFIG (its first path), then the in-cluster service, else nothing', () => {
    assert.deepEqual(
      kubeTargetFromEnvironment({
        KUBECONFIG: ':/a/config:/b/config',
        KUBERNETES_SERVICE_HOST: '10.0.0.1',
        KUBERNETES_SERVICE_PORT: '443',
      }),
      { kind: 'kubeconfig', path: '/a/config' },
    );
    assert.deepEqual(
      kubeTargetFromEnvironment({ KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }),
      { kind: 'in-cluster', host: '10.0.0.1', port: '443', serviceAccountDir: SERVICE_ACCOUNT_DIR },
    );
    assert.equal(kubeTargetFromEnvironment({ KUBERNETES_SERVICE_HOST: '10.0.0.1' }), undefined);
    assert.equal(kubeTargetFromEnvironment({ KUBECONFIG: '' }), undefined);
    assert.equal(kubeTargetFromEnvironment({}), undefined);
  });

  it('describes a target without its token', () => {
    assert.equal(
      describeKubeTarget({ kind: 'server', url: 'http://127.0.0.1:1', token: 'secret' }),
      'API server http://127.0.0.1:1',
    );
    assert.equal(describeKubeTarget({ kind: 'kubeconfig', path: '/k', context: 'c' }), 'kubeconfig /k (context c)');
    assert.equal(describeKubeTarget({ kind: 'kubeconfig-text', text: 'token: secret' }), 'inline kubeconfig');
    assert.equal(
      describeKubeTarget({ kind: 'in-cluster', host: 'h', port: '443', serviceAccountDir: '/sa' }),
      'in-cluster API server h:443',
    );
  });
});
