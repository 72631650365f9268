import { strict as assert } from 'node:assert';
import { beforeEach, describe, it } from 'node:test';
import type { EniId } from '../../ipam/types.js';
import type { AwsCallRecord } from '../calls.js';
import type { Imds, ImdsEni } from './port.js';
import { manualClock } from '../../ipam/clock.js';
import { CloudError, isCloudError } from '../errors.js';
import { startCloudFixture } from '../ec2/sim-fixture.test-util.js';
import { suiteFixture } from '../../suite-fixture.test-util.js';
import { waitForEniInImds } from './wait.js';

describe('waitForEniInImds against the embedded VPC with IMDS lag', () => {
  const fx = suiteFixture(() => startCloudFixture({ imdsLagMs: 2_000 }));
  beforeEach(() => {
    fx.sim.imds.configure({ lagMs: 2_000, frozen: false });
  });

  async function attachNew(request: { secondaryIpCount?: number; prefixCount?: number }): Promise<EniId> {
    const ec2 = fx.ec2();
    const eni = await ec2.createNetworkInterface(fx.eniRequest('wait', request));
    const used = (await ec2.describeInstance(fx.node.instanceId)).deviceIndexes.map((d) => d.deviceIndex);
    const deviceIndex = [1, 2].find((i) => !used.includes(i)) ?? 1;
    await ec2.attachNetworkInterface({
      eniId: eni.id,
      instanceId: fx.node.instanceId,
      deviceIndex,
      networkCardIndex: 0,
    });
    return eni.id;
  }

  it('polls with back-off (100 ms × 2, jitter 0.15) until the lagging IMDS shows the ENI with its addresses', async () => {
    const eniId = await attachNew({ secondaryIpCount: 4 });
    const records: AwsCallRecord[] = [];
    const start = fx.sleeps.length;
    const result = await waitForEniInImds(
      fx.imds(),
      { eniId, primaryMac: fx.node.primaryMac, wantIps: 4 },
      { clock: fx.clock, sleep: fx.sleep, random: () => 0.5, observe: (r) => records.push(r) },
    );
    assert.equal(result.complete, true);
    assert.equal(result.eni.localIpv4s.length, 5);
    // 100 + 200 + 400 + 800 = 1500 < 2000 lag; the 1600 ms wait crosses it: 5 waits, 6 polls.
    assert.deepEqual(fx.sleeps.slice(start), [100, 200, 400, 800, 1600]);
    assert.equal(result.attempts, 6);
    assert.equal(result.waitedMs, 3100);
    assert.deepEqual(
      records.filter((r) => r.api === 'waitForENIAndIPsAttached'),
      [{ api: 'waitForENIAndIPsAttached', kind: 'imds', ms: 3100, attempts: 6 }],
    );
  });

  it('frozen IMDS: the ENI never shows → IMDS_ERROR after 12 attempts', async () => {
    fx.sim.imds.configure({ frozen: true });
    const eniId = await attachNew({ prefixCount: 1 });
    await assert.rejects(
      waitForEniInImds(
        fx.imds(),
        { eniId, primaryMac: fx.node.primaryMac, wantPrefixes: 1 },
        { clock: fx.clock, sleep: fx.sleep },
      ),
      (e: unknown) => {
        assert.ok(isCloudError(e, 'IMDS_ERROR'));
        assert.equal(e.details.attempts, 12);
        assert.match(e.message, /did not show the ENI/);
        return true;
      },
    );
    fx.sim.imds.flush();
  });
});

describe('waitForEniInImds decisions (scripted IMDS)', () => {
  const eni = (ips: number, prefixes: number): ImdsEni => ({
    mac: '02:00:00:00:00:02',
    eniId: 'eni-2',
    deviceNumber: 1,
    networkCard: 0,
    subnetId: 's',
    subnetCidr: '10.0.0.0/24',
    vpcId: 'v',
    localIpv4s: Array.from({ length: ips + 1 }, (_, i) => `10.0.0.${i + 10}`),
    ipv4Prefixes: Array.from({ length: prefixes }, (_, i) => `10.0.1.${i * 16}/28`),
    securityGroupIds: [],
  });
  function scripted(answers: (ImdsEni[] | Error)[]): Imds {
    let i = 0;
    const next = (): Promise<ImdsEni[]> => {
      const answer = answers[Math.min(i++, answers.length - 1)] ?? [];
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    };
    const never = (): Promise<never> => Promise.reject(new Error('not used'));
    return {
      attachedEnis: next,
      identity: never,
      macs: never,
      eni: never,
      vpcIpv4Cidrs: never,
      securityGroupIds: never,
    };
  }
  const options = () => {
    const clock = manualClock(0);
    return { clock, sleep: (ms: number) => Promise.resolve(clock.advance(ms)), random: () => 0.5, maxAttempts: 4 };
  };

  it('proceeds with a partial set after the attempts run out (complete: false)', async () => {
    const result = await waitForEniInImds(
      scripted([[], [eni(1, 0)]]),
      { eniId: 'eni-2', primaryMac: 'm', wantIps: 5 },
      options(),
    );
    assert.equal(result.complete, false);
    assert.equal(result.attempts, 4);
    assert.equal(result.eni.localIpv4s.length, 2);
  });

  it('an ENI without any of the wanted kind is not ready (a prefix-mode ENI with only its primary address)', async () => {
    await assert.rejects(
      waitForEniInImds(scripted([[eni(0, 0)]]), { eniId: 'eni-2', primaryMac: 'm', wantPrefixes: 1 }, options()),
      (e: unknown) => e instanceof CloudError && /without any of its new addresses/.test(e.message),
    );
    const ok = await waitForEniInImds(
      scripted([[eni(0, 0)], [eni(0, 2)]]),
      { eniId: 'eni-2', primaryMac: 'm', wantPrefixes: 2 },
      options(),
    );
    assert.equal(ok.complete, true);
    assert.equal(ok.attempts, 2);
  });

  it('IMDS failures while waiting are waited out; other errors are not', async () => {
    const flaky = new CloudError('IMDS_ERROR', 'GetInterfaceID 404', { operation: 'GetInterfaceID' });
    const ok = await waitForEniInImds(
      scripted([flaky, [eni(2, 0)]]),
      { eniId: 'eni-2', primaryMac: 'm', wantIps: 2 },
      options(),
    );
    assert.equal(ok.attempts, 2);
    await assert.rejects(
      waitForEniInImds(scripted([new TypeError('bug')]), { eniId: 'eni-2', primaryMac: 'm', wantIps: 1 }, options()),
      TypeError,
    );
  });
});
