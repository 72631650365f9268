import { strict as assert } from 'node:assert';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import type { AwsCallRecord } from '../calls.js';
import { assignPrivateIps, attachEni, createEni } from '../../sim/index.js';
import { CloudError, isCloudError } from '../errors.js';
import { startCloudFixture } from '../ec2/sim-fixture.test-util.js';
import { suiteFixture } from '../../suite-fixture.test-util.js';
import { createImds, type ImdsOptions } from './client.js';
import type { Imds } from './port.js';
import { fakeTime } from '../fake-time.test-util.js';

describe('Imds on the embedded VPC (eksworkshop node 10.11.16.31)', () => {
  const fx = suiteFixture(() => startCloudFixture());

  it('identity(): instance, type, region, zone, address and primary MAC', async () => {
    const me = await fx.imds().identity();
    assert.deepEqual(me, {
      instanceId: fx.node.instanceId,
      instanceType: 'm5.large',
      region: 'ap-northeast-2',
      availabilityZone: 'ap-northeast-2a',
      localIpv4: '10.11.16.31',
      primaryMac: fx.node.primaryMac,
    });
  });

  it('macs() and eni() of the primary; vpcIpv4Cidrs() and securityGroupIds()', async () => {
    const imds = fx.imds();
    assert.deepEqual(await imds.macs(), [fx.node.primaryMac]);
    const primary = await imds.eni(fx.node.primaryMac);
    const store = fx.sim.store;
    const eni = store.eni(fx.node.primaryEniId);
    assert.deepEqual(primary, {
      mac: fx.node.primaryMac,
      eniId: fx.node.primaryEniId,
      deviceNumber: 0,
      networkCard: 0,
      subnetId: fx.node.subnetId,
      subnetCidr: '10.11.0.0/19',
      vpcId: eni.vpcId,
      localIpv4s: ['10.11.16.31', ...eni.secondaryIps],
      ipv4Prefixes: [],
      securityGroupIds: [...eni.groups],
    });
    assert.deepEqual(await imds.vpcIpv4Cidrs(fx.node.primaryMac), ['10.11.0.0/16']);
    assert.deepEqual(await imds.securityGroupIds(fx.node.primaryMac), [...eni.groups]);
  });

  it('reads prefixes unless told not to (custom networking primary), and lists attached ENIs with devices', async () => {
    const store = fx.sim.store;
    const { prefixes } = assignPrivateIps(store, fx.node.primaryEniId, { prefixCount: 1 });
    const second = createEni(store, { subnetId: fx.node.subnetId, groups: fx.node.groups });
    assignPrivateIps(store, second.id, { count: 2 });
    attachEni(store, { eniId: second.id, instanceId: fx.node.instanceId, deviceIndex: 1 });
    const records: AwsCallRecord[] = [];
    const imds = fx.imds({ observe: (r) => records.push(r) });

    assert.deepEqual((await imds.eni(fx.node.primaryMac)).ipv4Prefixes, prefixes);
    records.length = 0;
    assert.deepEqual((await imds.eni(fx.node.primaryMac, { prefixes: false })).ipv4Prefixes, []);
    assert.ok(!records.some((r) => r.api === 'GetIPv4Prefixes'));

    const enis = await imds.attachedEnis(fx.node.primaryMac, { primaryPrefixes: false });
    assert.deepEqual(
      enis.map((e) => [e.eniId, e.deviceNumber, e.ipv4Prefixes.length, e.localIpv4s.length]),
      [
        [fx.node.primaryEniId, 0, 0, 1],
        [second.id, 1, 0, 3],
      ],
    );
  });

  it('observes every read with kind imds and the reference operation names', async () => {
    const records: AwsCallRecord[] = [];
    await fx.imds({ observe: (r) => records.push(r) }).eni(fx.node.primaryMac);
    const apis = records.map((r) => r.api).sort();
    for (const api of [
      'GetMetadata',
      'GetInterfaceID',
      'GetDeviceNumber',
      'GetSubnetID',
      'GetSubnetIPv4CIDRBlock',
      'GetVpcID',
      'GetLocalIPv4s',
      'GetSecurityGroupIDs',
    ]) {
      assert.ok(apis.includes(api), `${api} observed`);
    }
    assert.ok(records.every((r) => r.kind === 'imds' && r.attempts === 1 && r.status === 200 && r.error === undefined));
  });

  it('an unknown MAC is a CloudError IMDS_ERROR naming the path', async () => {
    await assert.rejects(fx.imds().eni('02:00:00:00:00:99'), (e: unknown) => {
      assert.ok(isCloudError(e, 'IMDS_ERROR'));
      assert.equal(e.details.httpStatus, 404);
      assert.equal(e.details['path'], 'meta-data/network/interfaces/macs/02:00:00:00:00:99/');
      assert.equal(e.details.operation, 'GetMetadata');
      return true;
    });
    await assert.rejects(fx.imds().eni('not-a-mac'), (e: unknown) => isCloudError(e, 'IMDS_ERROR'));
  });
});

/** A scripted IMDS: counts requests, answers per path from a queue of statuses (then 200 with the body). */
async function scriptedImds(
  bodies: Record<string, string>,
  failures: Record<string, number[]> = {},
): Promise<{ url: string; server: Server; puts: () => number; gets: string[]; close(): Promise<void> }> {
  let puts = 0;
  const gets: string[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    req.resume();
    if (req.method === 'PUT') {
      puts += 1;
      res.writeHead(200, { 'x-aws-ec2-metadata-token-ttl-seconds': '21600' }).end(`token-${puts}`);
      return;
    }
    const path = (req.url ?? '').replace(/^\/latest\//, '');
    gets.push(`${path} ${String(req.headers['x-aws-ec2-metadata-token'])}`);
    const status = failures[path]?.shift();
    if (status !== undefined) return void res.writeHead(status).end('no');
    const body = bodies[path];
    if (body === undefined) return void res.writeHead(404).end('not found');
    res.writeHead(200).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, server, puts: () => puts, gets, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('Imds token, retry and failure handling (scripted IMDS)', () => {
  const { clock, sleep } = fakeTime();
  /** An IMDS client on the scripted server that records its calls. */
  const recorded = (
    endpoint: string,
    retry: NonNullable<ImdsOptions['retry']>,
  ): { imds: Imds; records: AwsCallRecord[] } => {
    const records: AwsCallRecord[] = [];
    return { imds: createImds({ endpoint, clock, sleep, observe: (r) => records.push(r), retry }), records };
  };

  it('uses one token for many reads, without a double slash, until it nears expiry', async () => {
    const fake = await scriptedImds({ 'meta-data/instance-id': 'i-1', 'meta-data/mac': '02:00:00:00:00:01' });
    try {
      const imds = createImds({ endpoint: fake.url, clock, sleep });
      await Promise.all([
        imds.macs().catch(() => undefined),
        imds.securityGroupIds('02:00:00:00:00:01').catch(() => undefined),
      ]);
      assert.equal(fake.puts(), 1);
      assert.ok(fake.gets.every((g) => g.endsWith(' token-1') && !g.startsWith('/')));
      clock.advance(21_600_000 - 60_000);
      await imds.macs().catch(() => undefined);
      assert.equal(fake.puts(), 2);
    } finally {
      await fake.close();
    }
  });

  it('retries a 500 and a 401 (fetching a new token), then answers', async () => {
    const fake = await scriptedImds(
      { 'meta-data/network/interfaces/macs/': '02:00:00:00:00:01/\n' },
      { 'meta-data/network/interfaces/macs/': [500, 401] },
    );
    try {
      const { imds, records } = recorded(fake.url, { baseMs: 10 });
      assert.deepEqual(await imds.macs(), ['02:00:00:00:00:01']);
      assert.equal(records[0]?.attempts, 3);
      assert.equal(fake.puts(), 2);
    } finally {
      await fake.close();
    }
  });

  it('falls back to the identity document for the region; 404 on a required key is IMDS_ERROR, not retried', async () => {
    const doc = JSON.stringify({ region: 'eu-west-1', instanceId: 'i-1' });
    const fake = await scriptedImds({
      'meta-data/instance-id': 'i-1',
      'meta-data/instance-type': 't3.medium',
      'meta-data/placement/availability-zone': 'eu-west-1b',
      'meta-data/local-ipv4': '10.0.0.5',
      'meta-data/mac': '02:00:00:00:00:01',
      'dynamic/instance-identity/document': doc,
    });
    try {
      const imds = createImds({ endpoint: fake.url, clock, sleep });
      assert.equal((await imds.identity()).region, 'eu-west-1');
      const before = fake.gets.length;
      await assert.rejects(
        imds.vpcIpv4Cidrs('02:00:00:00:00:01'),
        (e: unknown) => e instanceof CloudError && e.code === 'IMDS_ERROR' && e.details.attempts === 1,
      );
      assert.equal(fake.gets.length, before + 1);
    } finally {
      await fake.close();
    }
  });

  it('an unreachable IMDS is retried a few times, then IMDS_ERROR with the attempts', async () => {
    const fake = await scriptedImds({});
    await fake.close();
    const { imds, records } = recorded(fake.url, { maxAttempts: 3, baseMs: 1 });
    await assert.rejects(imds.macs(), (e: unknown) => {
      assert.ok(isCloudError(e, 'IMDS_ERROR'));
      assert.equal(e.details.attempts, 3);
      assert.match(
        e.message,
        /GetMACs failed: meta-data\/network\/interfaces\/macs\/ .*ECONNREFUSED.* after 3 attempts/,
      );
      return true;
    });
    assert.equal(records[0]?.error, 'ECONNREFUSED');
  });
});
