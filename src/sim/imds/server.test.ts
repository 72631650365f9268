import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MetadataService } from '@aws-sdk/ec2-metadata-service';
import { instanceWorld, type InstanceWorld } from '../ec2/handlers/instances.test-util.js';
import type { Instance } from '../state/model.js';
import { assignPrivateIps, attachEni, createEni } from '../state/ops-eni.js';
import { launchInstance } from '../state/ops-instance.js';
import { startImdsServer, type RunningImds } from './server.js';
import { ImdsPropagation } from './view.js';

async function token(url: string, ttl = '21600'): Promise<string> {
  const res = await fetch(`${url}/latest/api/token`, {
    method: 'PUT',
    headers: { 'x-aws-ec2-metadata-token-ttl-seconds': ttl },
  });
  assert.equal(res.status, 200);
  return res.text();
}

describe('IMDS server', () => {
  let world: InstanceWorld;
  let node: Instance;
  let required: RunningImds;
  let optional: RunningImds;
  let get: (path: string) => Promise<{ status: number; body: string }>;

  before(async () => {
    world = instanceWorld();
    node = launchInstance(world.store, {
      instanceType: 'm5.large',
      subnetId: world.subnetId,
      groups: [world.sgId, world.defaultSgId],
    });
    const view = new ImdsPropagation(world.store).view(node.id);
    required = await startImdsServer({ store: world.store, instanceId: node.id, view, tokens: 'required', port: 0 });
    optional = await startImdsServer({ store: world.store, instanceId: node.id, view, tokens: 'optional', port: 0 });
    get = async (path) => {
      const res = await fetch(`${required.url}${path}`, {
        headers: { 'x-aws-ec2-metadata-token': await token(required.url) },
      });
      return { status: res.status, body: await res.text() };
    };
  });
  after(async () => {
    await required.close();
    await optional.close();
  });

  it('serves the SDK MetadataService with an endpoint (double-slash request path)', async () => {
    const imds = new MetadataService({ endpoint: required.url });
    assert.equal(await imds.request('/latest/meta-data/instance-id', {}), node.id);
    assert.equal(await imds.request('/latest/meta-data/instance-type', {}), 'm5.large');
    assert.equal(await imds.request('/latest/meta-data/placement/availability-zone', {}), 'us-west-2a');
    assert.equal(await imds.request('/latest/meta-data/placement/availability-zone-id', {}), 'usw2-az1');
    assert.equal(await imds.request('/latest/meta-data/placement/region', {}), 'us-west-2');
    assert.equal(await imds.request('/latest/meta-data/local-ipv4', {}), node.privateIpAddress);
    const failure = await imds.request('/latest/meta-data/nope', {}).then(
      () => assert.fail('expected 404'),
      (error: { $metadata?: { httpStatusCode?: number } }) => error,
    );
    assert.equal(failure.$metadata?.httpStatusCode, 404);
  });

  it('issues tokens and echoes the TTL header', async () => {
    const res = await fetch(`${required.url}//latest/api/token`, {
      method: 'PUT',
      headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '60' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-aws-ec2-metadata-token-ttl-seconds'), '60');
    assert.ok((await res.text()).length > 20);
  });

  it('refuses bad token requests: 400 bad TTL, 403 forwarded or versioned, 405 GET on the token path', async () => {
    const put = (path: string, headers: Record<string, string>) =>
      fetch(`${required.url}${path}`, { method: 'PUT', headers }).then((r) => r.status);
    assert.equal(await put('/latest/api/token', {}), 400);
    for (const ttl of ['0', '21601', 'abc', '-5', '1.5'])
      assert.equal(await put('/latest/api/token', { 'x-aws-ec2-metadata-token-ttl-seconds': ttl }), 400, ttl);
    assert.equal(
      await put('/latest/api/token', { 'x-aws-ec2-metadata-token-ttl-seconds': '60', 'x-forwarded-for': '10.0.0.1' }),
      403,
    );
    assert.equal(await put('/2021-03-23/api/token', { 'x-aws-ec2-metadata-token-ttl-seconds': '60' }), 403);
    assert.equal(await put('/latest/meta-data/instance-id', { 'x-aws-ec2-metadata-token-ttl-seconds': '60' }), 405);
    assert.equal((await fetch(`${required.url}/latest/api/token`)).status, 405);
    assert.equal((await fetch(`${required.url}/latest/meta-data/instance-id`, { method: 'POST' })).status, 405);
  });

  it('401 for an unknown or expired token, and for IMDSv1 when tokens are required', async () => {
    const read = (url: string, headers: Record<string, string> = {}) =>
      fetch(`${url}/latest/meta-data/instance-id`, { headers });
    assert.equal((await read(required.url, { 'x-aws-ec2-metadata-token': 'forged' })).status, 401);
    assert.equal((await read(required.url)).status, 401);
    const v1 = await read(optional.url);
    assert.equal(v1.status, 200);
    assert.equal(await v1.text(), node.id);
    assert.equal((await read(optional.url, { 'x-aws-ec2-metadata-token': 'forged' })).status, 401);
    const short = await token(required.url, '1');
    assert.equal((await read(required.url, { 'x-aws-ec2-metadata-token': short })).status, 200);
    world.clock.advance(1000);
    assert.equal((await read(required.url, { 'x-aws-ec2-metadata-token': short })).status, 401);
  });

  it('lists MACs and per-MAC keys with and without the trailing slash', async () => {
    const eni = createEni(world.store, { subnetId: world.subnetId, secondaryIpCount: 2, groups: [world.sgId] });
    attachEni(world.store, { eniId: eni.id, instanceId: node.id, deviceIndex: 1 });
    const primary = world.store.eni(node.primaryEniId);
    const macs = await get('/latest/meta-data/network/interfaces/macs/');
    assert.equal(macs.body, `${primary.macAddress}/\n${eni.macAddress}/`);
    const base = `/latest/meta-data/network/interfaces/macs/${eni.macAddress}`;
    const withSlash = await get(`${base}/`);
    const withoutSlash = await get(base);
    assert.equal(withSlash.body, withoutSlash.body);
    assert.deepEqual(withSlash.body.split('\n'), [
      'device-number',
      'interface-id',
      'local-hostname',
      'local-ipv4s',
      'mac',
      'owner-id',
      'security-group-ids',
      'security-groups',
      'subnet-id',
      'subnet-ipv4-cidr-block',
      'vpc-id',
      'vpc-ipv4-cidr-block',
      'vpc-ipv4-cidr-blocks',
    ]);
    const expected: [string, string][] = [
      ['device-number', '1'],
      ['interface-id', eni.id],
      ['mac', eni.macAddress],
      ['subnet-id', world.subnetId],
      ['vpc-id', world.vpcId],
      ['subnet-ipv4-cidr-block', '10.0.1.0/24'],
      ['vpc-ipv4-cidr-block', '10.0.0.0/16'],
      ['vpc-ipv4-cidr-blocks', '10.0.0.0/16\n100.64.0.0/16'],
      ['local-ipv4s', [eni.privateIpAddress, ...eni.secondaryIps].join('\n')],
      ['security-group-ids', world.sgId],
      ['security-groups', 'eks-node'],
      ['owner-id', world.store.accountId],
      ['local-hostname', `ip-${eni.privateIpAddress.replaceAll('.', '-')}.us-west-2.compute.internal`],
    ];
    for (const [key, body] of expected) assert.deepEqual(await get(`${base}/${key}`), { status: 200, body }, key);
    assert.equal((await get(`${base}/ipv4-prefix`)).status, 404);
    assert.equal((await get(`${base}/network-card`)).status, 404);
    const primaryGroups = await get(
      `/latest/meta-data/network/interfaces/macs/${primary.macAddress}/security-group-ids`,
    );
    assert.equal(primaryGroups.body, `${world.sgId}\n${world.defaultSgId}`);
    assert.equal((await get('/latest/meta-data/mac')).body, primary.macAddress);
  });

  it('serves ipv4-prefix once prefixes are assigned', async () => {
    const { prefixes } = assignPrivateIps(world.store, node.primaryEniId, { prefixCount: 2 });
    const base = `/latest/meta-data/network/interfaces/macs/${world.store.eni(node.primaryEniId).macAddress}`;
    assert.ok((await get(`${base}/`)).body.split('\n').includes('ipv4-prefix'));
    assert.equal((await get(`${base}/ipv4-prefix`)).body, prefixes.join('\n'));
  });

  it('serves the identity document, listings and 404s', async () => {
    const doc = JSON.parse((await get('/latest/dynamic/instance-identity/document')).body) as Record<string, unknown>;
    assert.equal(doc['instanceId'], node.id);
    assert.equal(doc['region'], 'us-west-2');
    assert.equal(doc['availabilityZone'], 'us-west-2a');
    assert.equal(doc['privateIp'], node.privateIpAddress);
    assert.equal(doc['accountId'], world.store.accountId);
    assert.equal(doc['version'], '2017-09-30');
    assert.ok((await get('/latest/meta-data/')).body.split('\n').includes('network/'));
    assert.equal((await get('/latest/meta-data/placement')).body, 'availability-zone\navailability-zone-id\nregion');
    assert.equal((await get('/latest/meta-data/iam/security-credentials/')).status, 404);
    assert.equal((await get('/nope')).status, 404);
    const head = await fetch(`${optional.url}/latest/meta-data/instance-id`, { method: 'HEAD' });
    assert.equal(head.status, 200);
  });
});

describe('IMDS on a multi-card type and with lag', () => {
  it('serves network-card and network-card-index only on multi-card types', async () => {
    const world = instanceWorld();
    const node = launchInstance(world.store, { instanceType: 'c6in.32xlarge', subnetId: world.subnetId });
    const eni = createEni(world.store, { subnetId: world.subnetId });
    attachEni(world.store, { eniId: eni.id, instanceId: node.id, deviceIndex: 1, networkCardIndex: 1 });
    const imds = await startImdsServer({
      store: world.store,
      instanceId: node.id,
      view: new ImdsPropagation(world.store).view(node.id),
    });
    try {
      const base = `${imds.url}/latest/meta-data/network/interfaces/macs/${eni.macAddress}`;
      assert.equal(await (await fetch(`${base}/network-card`)).text(), '1');
      assert.equal(await (await fetch(`${base}/network-card-index`)).text(), '1');
      assert.ok((await (await fetch(base)).text()).split('\n').includes('network-card'));
    } finally {
      await imds.close();
    }
  });

  it('shows a new ENI only after the propagation lag (manual clock)', async () => {
    const world = instanceWorld();
    const node = launchInstance(world.store, { instanceType: 'm5.large', subnetId: world.subnetId });
    const view = new ImdsPropagation(world.store, { lagMs: 3000 }).view(node.id);
    const imds = await startImdsServer({ store: world.store, instanceId: node.id, view });
    try {
      const macs = async () =>
        (await (await fetch(`${imds.url}/latest/meta-data/network/interfaces/macs/`)).text()).split('\n');
      const eni = createEni(world.store, { subnetId: world.subnetId });
      attachEni(world.store, { eniId: eni.id, instanceId: node.id, deviceIndex: 1 });
      assert.equal((await macs()).length, 1);
      assert.equal(
        (await fetch(`${imds.url}/latest/meta-data/network/interfaces/macs/${eni.macAddress}/device-number`)).status,
        404,
      );
      world.clock.advance(3000);
      assert.deepEqual(await macs(), [`${world.store.eni(node.primaryEniId).macAddress}/`, `${eni.macAddress}/`]);
    } finally {
      await imds.close();
    }
  });
});
