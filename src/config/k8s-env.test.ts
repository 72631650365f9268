// Where the API server is: KUBECONFIG beats the in-cluster service; neither means no cluster.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { describeKubeTarget, kubeTargetFromEnvironment, SERVICE_ACCOUNT_DIR, withClusterEndpoint } from './k8s-env.js';

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

describe('withClusterEndpoint [cninode §2.1]', () => {
  const endpoint = 'https://ABC.gr7.us-west-2.eks.amazonaws.com';
  const inCluster = { kind: 'in-cluster', host: '10.0.0.1', port: '443', serviceAccountDir: '/sa' } as const;

  it('replaces the API server URL of every target, keeping its credentials', () => {
    assert.deepEqual(withClusterEndpoint(inCluster, endpoint), { ...inCluster, server: endpoint });
    assert.deepEqual(withClusterEndpoint({ kind: 'kubeconfig', path: '/k' }, endpoint), {
      kind: 'kubeconfig',
      path: '/k',
      server: endpoint,
    });
    assert.deepEqual(withClusterEndpoint({ kind: 'server', url: 'http://127.0.0.1:1', token: 't' }, endpoint), {
      kind: 'server',
      url: endpoint,
      token: 't',
    });
    assert.equal(
      describeKubeTarget(withClusterEndpoint(inCluster, endpoint) ?? inCluster),
      `in-cluster API server 10.0.0.1:443 at CLUSTER_ENDPOINT ${endpoint}`,
    );
  });

  it('alone, means the service account at that URL; unset changes nothing', () => {
    const alone = withClusterEndpoint(undefined, endpoint);
    assert.deepEqual(alone, {
      kind: 'in-cluster',
      host: '',
      port: '',
      serviceAccountDir: SERVICE_ACCOUNT_DIR,
      server: endpoint,
    });
    assert.equal(describeKubeTarget(alone ?? inCluster), `in-cluster credentials at CLUSTER_ENDPOINT ${endpoint}`);
    assert.equal(withClusterEndpoint(undefined, undefined), undefined);
    assert.deepEqual(withClusterEndpoint(inCluster, undefined), inCluster);
  });
});
