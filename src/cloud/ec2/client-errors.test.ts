import { strict as assert } from 'node:assert';
import { createServer } from 'node:net';
import { afterEach, before, describe, it } from 'node:test';
import { CloudError, isCloudError, type CloudErrorCode } from '../errors.js';
import type { Ec2ApiClient } from './client.js';
import type { Ec2Eni } from './port.js';
import { startCloudFixture } from './sim-fixture.test-util.js';
import { suiteFixture } from '../../suite-fixture.test-util.js';

function expectCloud(code: CloudErrorCode, check: (e: CloudError) => void = () => undefined): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof CloudError, `expected a CloudError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    check(e);
    return true;
  };
}

/** A port nothing listens on: bind, note the port, close. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address !== null && typeof address === 'object');
  return address.port;
}

describe('Ec2Api error classification (faults injected into the embedded VPC)', () => {
  const fx = suiteFixture(() => startCloudFixture());
  let eniId: string;
  before(async () => {
    eniId = (await fx.ec2().createNetworkInterface(fx.eniRequest('errors'))).id;
  });
  afterEach(() => fx.sim.gate.faults.clear());

  const final: { aws: string; code: CloudErrorCode; status: number; words: RegExp }[] = [
    {
      aws: 'InsufficientFreeAddressesInSubnet',
      code: 'CLOUD_SUBNET_FULL',
      status: 400,
      words: /subnet has no free addresses/,
    },
    { aws: 'InsufficientCidrBlocks', code: 'CLOUD_NO_CIDR_BLOCKS', status: 400, words: /no free aligned \/28/ },
    {
      aws: 'PrivateIpAddressLimitExceeded',
      code: 'CLOUD_IP_LIMIT',
      status: 400,
      words: /as many addresses as its type allows/,
    },
    { aws: 'NetworkInterfaceLimitExceeded', code: 'CLOUD_ENI_LIMIT', status: 400, words: /quota/ },
    { aws: 'UnauthorizedOperation', code: 'CLOUD_UNAUTHORIZED', status: 403, words: /IAM policy/ },
    { aws: 'AuthFailure', code: 'CLOUD_UNAUTHORIZED', status: 401, words: /credentials/ },
    { aws: 'InvalidParameterValue', code: 'CLOUD_INVALID_REQUEST', status: 400, words: /rejected a parameter/ },
    { aws: 'InvalidSubnetID.NotFound', code: 'CLOUD_NOT_FOUND', status: 400, words: /does not know the resource/ },
    { aws: 'OperationNotPermitted', code: 'CLOUD_EC2_ERROR', status: 400, words: /refused the request/ },
  ];
  for (const row of final) {
    it(`${row.aws} → ${row.code}, not retried, with details and EC2's message`, async () => {
      fx.sim.gate.faults.set('AssignPrivateIpAddresses', {
        code: row.aws,
        probability: 1,
        message: `injected ${row.aws}`,
      });
      const start = fx.records.length;
      await assert.rejects(
        fx.ec2().assignPrivateIps(eniId, { count: 1 }),
        expectCloud(row.code, (e) => {
          assert.equal(e.details.operation, 'AssignPrivateIpAddresses');
          assert.equal(e.details.awsCode, row.aws);
          assert.equal(e.details.httpStatus, row.status);
          assert.equal(e.details.attempts, 1);
          assert.match(e.details.requestId ?? '', /\S/);
          assert.match(e.message, row.words);
          assert.match(e.message, new RegExp(`EC2 ${row.aws.replace('.', '\\.')}: injected`));
        }),
      );
      assert.deepEqual(fx.records.slice(start), [
        { api: 'AssignPrivateIpAddresses', kind: 'ec2', ms: 0, error: row.aws, status: row.status, attempts: 1 },
      ]);
    });
  }

  it('RequestLimitExceeded is retried with throttling back-off and then succeeds', async () => {
    fx.sim.gate.faults.set('AssignPrivateIpAddresses', { code: 'RequestLimitExceeded', probability: 1, count: 3 });
    const sleeps = fx.sleeps.length;
    const start = fx.records.length;
    const out = await fx.ec2({ random: () => 0.999 }).assignPrivateIps(eniId, { count: 1 });
    assert.equal(out.ips.length, 1);
    assert.deepEqual(
      fx.records.slice(start).map((r) => [r.attempts, r.error ?? 'ok', r.status]),
      [[4, 'ok', 200]],
    );
    // 50 ms throttling base in the fixture: ceilings 100, 200, 400 ms, near-full jitter.
    assert.deepEqual(fx.sleeps.slice(sleeps), [99, 199, 399]);
  });

  it('RequestLimitExceeded beyond the attempts → CLOUD_THROTTLED with the attempt count', async () => {
    fx.sim.gate.faults.set('AssignPrivateIpAddresses', { code: 'RequestLimitExceeded', probability: 1, count: 20 });
    await assert.rejects(
      fx.ec2({ retry: { maxAttempts: 5, baseMs: { throttling: 1 } } }).assignPrivateIps(eniId, { count: 1 }),
      expectCloud('CLOUD_THROTTLED', (e) => {
        assert.equal(e.details.attempts, 5);
        assert.equal(e.details.httpStatus, 503);
        assert.match(e.message, /throttled.*after 5 attempts/);
      }),
    );
    assert.equal(fx.sim.gate.faults.rules()['AssignPrivateIpAddresses']?.fired, 5);
  });

  it('InternalError (500) is retried; a persistent one ends as CLOUD_UNAVAILABLE', async () => {
    fx.sim.gate.faults.set('DescribeInstances', { code: 'InternalError', probability: 1, count: 2 });
    const start = fx.records.length;
    await fx.ec2().describeInstance(fx.node.instanceId);
    assert.equal(fx.records.at(-1)?.attempts, 3);
    assert.equal(fx.records.length, start + 1);
    fx.sim.gate.faults.set('DescribeInstances', { code: 'ServiceUnavailable', probability: 1 });
    await assert.rejects(
      fx.ec2({ retry: { maxAttempts: 3 } }).describeInstance(fx.node.instanceId),
      expectCloud('CLOUD_UNAVAILABLE', (e) => assert.equal(e.details.attempts, 3)),
    );
  });

  it('AttachmentLimitExceeded for real: a 4th ENI on an m5.large', async () => {
    const ec2 = fx.ec2();
    const { instanceId, subnetId, groups } = fx.node;
    const enis = [];
    for (let i = 0; i < 3; i++)
      enis.push(await ec2.createNetworkInterface({ subnetId, groups, description: `limit-${i}`, tags: {} }));
    const attachments = [];
    for (const [i, eni] of enis.slice(0, 2).entries())
      attachments.push(
        await ec2.attachNetworkInterface({ eniId: eni.id, instanceId, deviceIndex: i + 1, networkCardIndex: 0 }),
      );
    const start = fx.records.length;
    await assert.rejects(
      ec2.attachNetworkInterface({ eniId: enis[2]?.id ?? '', instanceId, deviceIndex: 3, networkCardIndex: 0 }),
      expectCloud('CLOUD_ENI_LIMIT', (e) => {
        assert.equal(e.details.awsCode, 'AttachmentLimitExceeded');
        assert.match(e.message, /takes no more network interfaces.*Interface count 4 exceeds the limit for m5\.large/);
      }),
    );
    assert.equal(fx.records.slice(start)[0]?.attempts, 1);
    for (const a of attachments) await ec2.detachNetworkInterface(a);
    fx.clock.advance(5_000);
    for (const eni of enis) await ec2.deleteNetworkInterface(eni.id);
  });

  /** A new ENI attached to the node as device 1; the test detaches and deletes it. */
  async function attachedEni(ec2: Ec2ApiClient, description: string): Promise<{ eni: Ec2Eni; attachment: string }> {
    const eni = await ec2.createNetworkInterface(fx.eniRequest(description));
    const attachment = await ec2.attachNetworkInterface({
      eniId: eni.id,
      instanceId: fx.node.instanceId,
      deviceIndex: 1,
      networkCardIndex: 0,
    });
    return { eni, attachment };
  }

  it('PrivateIpAddressLimitExceeded for real: an m5.large ENI holds 10 addresses', async () => {
    const ec2 = fx.ec2();
    const { eni, attachment } = await attachedEni(ec2, 'full');
    assert.equal((await ec2.assignPrivateIps(eni.id, { count: 9 })).ips.length, 9);
    await assert.rejects(
      ec2.assignPrivateIps(eni.id, { count: 1 }),
      expectCloud('CLOUD_IP_LIMIT', (e) => assert.equal(e.details.attempts, 1)),
    );
    await ec2.detachNetworkInterface(attachment);
    fx.clock.advance(5_000);
    await ec2.deleteNetworkInterface(eni.id);
  });

  it('an ENI still detaching cannot be deleted: InvalidParameterValue, not retried by the call path', async () => {
    const ec2 = fx.ec2();
    const { eni, attachment } = await attachedEni(ec2, 'busy');
    await ec2.detachNetworkInterface(attachment);
    await assert.rejects(
      ec2.deleteNetworkInterface(eni.id),
      expectCloud('CLOUD_INVALID_REQUEST', (e) => assert.match(e.message, /currently in use/)),
    );
    fx.clock.advance(5_000);
    await ec2.deleteNetworkInterface(eni.id);
  });

  it('connection refused is retried and ends as CLOUD_UNAVAILABLE naming the socket error', async () => {
    const port = await deadPort();
    const ec2 = fx.ec2({ endpoint: `http://127.0.0.1:${port}`, retry: { maxAttempts: 3 } });
    const start = fx.records.length;
    await assert.rejects(
      ec2.describeInstance(fx.node.instanceId),
      expectCloud('CLOUD_UNAVAILABLE', (e) => {
        assert.equal(e.details.awsCode, 'ECONNREFUSED');
        assert.equal(e.details.attempts, 3);
        assert.equal(e.details.httpStatus, undefined);
        assert.match(e.message, /could not be reached/);
      }),
    );
    assert.deepEqual(
      fx.records.slice(start).map((r) => [r.error, r.status, r.attempts]),
      [['ECONNREFUSED', undefined, 3]],
    );
  });

  it('a response slower than httpTimeoutMs is a TimeoutError, retried, then CLOUD_UNAVAILABLE', async () => {
    fx.sim.gate.faults.set('DescribeSubnets', { latencyMs: 300, probability: 1 });
    await assert.rejects(
      fx.ec2({ httpTimeoutMs: 50, retry: { maxAttempts: 2 } }).describeSubnets([]),
      expectCloud('CLOUD_UNAVAILABLE', (e) => {
        assert.equal(e.details.awsCode, 'TimeoutError');
        assert.equal(e.details.attempts, 2);
      }),
    );
  });

  it('every failure is a CloudError whose code is documented', async () => {
    fx.sim.gate.faults.set('CreateTags', { code: 'SomethingNew', probability: 1 });
    await assert.rejects(fx.ec2().createTags([eniId], { a: 'b' }), (e: unknown) => isCloudError(e, 'CLOUD_EC2_ERROR'));
  });
});
