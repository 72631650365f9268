// The Kubernetes API stand-in over raw HTTP: what it implements answers as the API server does (lists with a
// resourceVersion, JSON-lines watches with replay and 410, merge patch, the CRD schema, Status errors).
import { strict as assert } from 'node:assert';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { eniConfig } from '../../../src/eniconfig/types.js';
import { startK8sStandin, type K8sStandin } from './standin.js';

const SUBNET = 'subnet-0000000000000000a';
const ENICONFIGS = '/apis/crd.k8s.amazonaws.com/v1alpha1/eniconfigs';

describe('Kubernetes API stand-in', () => {
  let standin: K8sStandin;
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<{ status: number; json: Record<string, unknown> }> => {
    const response = await fetch(`${standin.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${standin.token}`, 'content-type': contentType },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };

  type Line = { type: string; object: { metadata: { annotations?: Record<string, string> } } };
  const openWatch = (path: string): Promise<{ next: () => Promise<Line>; close: () => void }> =>
    new Promise((resolve, reject) => {
      const req = request(`${standin.url}${path}`, { headers: { authorization: `Bearer ${standin.token}` } }, (res) => {
        const queue: Line[] = [];
        const waiting: ((line: Line) => void)[] = [];
        res.on('error', () => undefined); // 'aborted' after close()
        const lines = createInterface({ input: res });
        lines.on('error', () => undefined);
        lines.on('line', (text) => {
          const line = JSON.parse(text) as Line;
          const waiter = waiting.shift();
          if (waiter === undefined) queue.push(line);
          else waiter(line);
        });
        resolve({
          next: () => {
            const line = queue.shift();
            return line === undefined ? new Promise((r) => waiting.push(r)) : Promise.resolve(line);
          },
          close: () => {
            req.on('error', () => undefined);
            req.destroy();
          },
        });
      });
      req.on('error', reject);
      req.end();
    });

  before(async () => {
    standin = await startK8sStandin({
      nodes: [
        { name: 'node-1', labels: { a: 'b' }, annotations: {}, capacityPods: 20 },
        { name: 'node-2', labels: {}, annotations: {} },
      ],
      eniConfigs: [eniConfig('us-west-2a', { subnet: SUBNET })],
    });
  });
  after(async () => {
    await standin.close();
  });

  it('binds loopback, requires the kubeconfig token and names what it does not implement', async () => {
    assert.match(standin.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(
      standin.kubeconfig(),
      new RegExp(`server: ${standin.url}\\n[\\s\\S]*insecure-skip-tls-verify: true[\\s\\S]*token: ${standin.token}`),
    );
    assert.equal((await fetch(`${standin.url}/api/v1/nodes`)).status, 401);
    const missing = await call('GET', '/api/v1/pods');
    assert.equal(missing.status, 404);
    assert.equal(missing.json['message'], 'the Kubernetes stand-in does not implement GET /api/v1/pods');
    await assert.rejects(startK8sStandin({ host: '0.0.0.0' }), /loopback only/);
  });

  it('lists, gets and merge-patches nodes', async () => {
    const list = await call('GET', '/api/v1/nodes?fieldSelector=metadata.name%3Dnode-1');
    assert.equal(list.json['kind'], 'NodeList');
    const items = list.json['items'] as { metadata: { name: string; uid: string }; status: unknown }[];
    assert.deepEqual(
      items.map((n) => n.metadata.name),
      ['node-1'],
    );
    assert.deepEqual(items[0]?.status, { capacity: { pods: '20' }, allocatable: { pods: '20' } });
    const patched = await call(
      'PATCH',
      '/api/v1/nodes/node-1',
      { metadata: { labels: { a: null, c: 'd' }, annotations: { x: 'y' } } },
      'application/merge-patch+json',
    );
    assert.equal(patched.status, 200);
    const metadata = patched.json['metadata'] as Record<string, unknown>;
    assert.deepEqual(
      [metadata['labels'], metadata['annotations'], metadata['uid']],
      [{ c: 'd' }, { x: 'y' }, items[0]?.metadata.uid],
    );
    assert.equal((await call('PATCH', '/api/v1/nodes/node-1', [], 'application/json-patch+json')).status, 415);
    assert.equal((await call('GET', '/api/v1/nodes/nope')).json['reason'], 'NotFound');
    assert.equal((await call('GET', '/api/v1/nodes?labelSelector=a%3Db')).status, 400);
  });

  it('creates, replaces, patches and deletes ENIConfigs under the CRD schema', async () => {
    const body = eniConfig('us-west-2b', { subnet: SUBNET });
    assert.equal((await call('POST', ENICONFIGS, body)).status, 201);
    assert.equal((await call('POST', ENICONFIGS, body)).json['reason'], 'AlreadyExists');
    const invalid = await call('POST', ENICONFIGS, { ...body, metadata: { name: 'x' }, spec: {} });
    assert.deepEqual(
      [invalid.status, invalid.json['message']],
      [422, 'ENIConfig.crd.k8s.amazonaws.com "x" is invalid: spec.subnet: Required value'],
    );
    const current = (await call('GET', `${ENICONFIGS}/us-west-2b`)).json as { metadata: { resourceVersion: string } };
    const replaced = await call('PUT', `${ENICONFIGS}/us-west-2b`, {
      ...body,
      metadata: { name: 'us-west-2b', resourceVersion: current.metadata.resourceVersion },
      spec: { subnet: 'subnet-0000000000000000b' },
    });
    assert.equal(replaced.status, 200);
    const stale = await call('PUT', `${ENICONFIGS}/us-west-2b`, {
      ...body,
      metadata: { name: 'us-west-2b', resourceVersion: current.metadata.resourceVersion },
    });
    assert.equal(stale.json['reason'], 'Conflict');
    assert.equal(
      (await call('PATCH', `${ENICONFIGS}/us-west-2b`, { spec: { subnet: null } }, 'application/merge-patch+json'))
        .status,
      422,
    );
    assert.equal((await call('DELETE', `${ENICONFIGS}/us-west-2b`)).status, 200);
    assert.equal((await call('DELETE', `${ENICONFIGS}/us-west-2b`)).status, 404);
    const names = ((await call('GET', ENICONFIGS)).json['items'] as { metadata: { name: string } }[]).map(
      (c) => c.metadata.name,
    );
    assert.deepEqual(names, ['us-west-2a']);
  });

  it('streams watch events: initial ADDED, replay from a resourceVersion, live changes, 410 when too old', async () => {
    const start = standin.state.resourceVersion;
    standin.state.patchNode('node-2', { metadata: { annotations: { step: '1' } } });
    const stream = await openWatch(
      `/api/v1/nodes?watch=true&fieldSelector=metadata.name%3Dnode-2&resourceVersion=${start}`,
    );
    const next = stream.next;
    const replayed = await next();
    assert.deepEqual([replayed.type, replayed.object.metadata.annotations], ['MODIFIED', { step: '1' }]);
    standin.state.patchNode('node-1', { metadata: { annotations: { other: 'node' } } });
    standin.state.patchNode('node-2', { metadata: { annotations: { step: '2' } } });
    const live = await next();
    assert.deepEqual([live.type, live.object.metadata.annotations], ['MODIFIED', { step: '2' }]);
    stream.close();

    const fresh = await fetch(`${standin.url}${ENICONFIGS}?watch=1&timeoutSeconds=1`, {
      headers: { authorization: `Bearer ${standin.token}` },
    });
    const first = JSON.parse((await fresh.text()).split('\n')[0] ?? '') as {
      type: string;
      object: { metadata: { name: string } };
    };
    assert.deepEqual([first.type, first.object.metadata.name], ['ADDED', 'us-west-2a']);

    for (let i = 0; i < 1_001; i += 1)
      standin.state.patchNode('node-2', { metadata: { annotations: { churn: String(i) } } });
    const gone = await fetch(`${standin.url}/api/v1/nodes?watch=true&resourceVersion=${start}`, {
      headers: { authorization: `Bearer ${standin.token}` },
    });
    const error = JSON.parse((await gone.text()).trim()) as { type: string; object: { code: number; reason: string } };
    assert.deepEqual([error.type, error.object.code, error.object.reason], ['ERROR', 410, 'Expired']);
  });

  it('records events per namespace', async () => {
    const event = {
      metadata: { generateName: 'node-1.' },
      involvedObject: { kind: 'Node', name: 'node-1' },
      reason: 'EniConfigNotFound',
      message: 'm',
      type: 'Warning',
    };
    const created = await call('POST', '/api/v1/namespaces/default/events', event);
    assert.equal(created.status, 201);
    assert.match((created.json['metadata'] as { name: string }).name, /^node-1\./);
    assert.equal(
      (await call('POST', '/api/v1/namespaces/default/events', { ...event, involvedObject: undefined })).status,
      422,
    );
    assert.equal(
      (
        await call('POST', '/api/v1/namespaces/kube-system/events', {
          ...event,
          metadata: { name: 'e', namespace: 'default' },
        })
      ).status,
      400,
    );
    assert.deepEqual(
      standin.state.events('default').map((e) => e['reason']),
      ['EniConfigNotFound'],
    );
    const listed = (await call('GET', '/api/v1/namespaces/default/events')).json['items'] as unknown[];
    assert.equal(listed.length, 1);
  });
});
