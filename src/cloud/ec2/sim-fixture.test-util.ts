/**
 * Test fixture for the cloud adapters: the embedded VPC on 127.0.0.1 with a manual clock, a fake sleep that advances
 * that clock (so back-off, token waits and IMDS lag cost no real time), and adapters that record every observation.
 * Refuses any non-loopback endpoint: these tests never talk to AWS.
 *
 * @example
 * const fx = await startCloudFixture();
 * const ec2 = fx.ec2();
 * await ec2.describeInstance(fx.node.instanceId);
 * const eni = await ec2.createNetworkInterface(fx.eniRequest('test', { secondaryIpCount: 2 }));
 * await fx.close();
 *
 * In a describe block, `const fx = suiteFixture(() => startCloudFixture())` (src/suite-fixture.test-util.ts) starts
 * it before the first test and closes it after the last.
 */
import { strict as assert } from 'node:assert';
import type { ManualClock } from '../../ipam/clock.js';
import { fakeTime } from '../fake-time.test-util.js';
import type { AwsCallRecord } from '../calls.js';
import { startSim, type RunningSim } from '../../sim/index.js';
import { createImds, type ImdsClient, type ImdsOptions } from '../imds/client.js';
import { createEc2Api, type Ec2ApiClient, type Ec2ApiOptions } from './client.js';
import type { CreateEniRequest } from './port.js';
import type { Sleep } from './retry.js';

export const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
/** eksworkshop's first node (ip-10-11-16-31), in ap-northeast-2a. */
export const NODE_IP = '10.11.16.31';

export interface FixtureNode {
  readonly instanceId: string;
  readonly imdsUrl: string;
  readonly subnetId: string;
  readonly groups: readonly string[];
  readonly primaryEniId: string;
  readonly primaryMac: string;
}

export interface CloudFixture {
  readonly sim: RunningSim;
  readonly clock: ManualClock;
  /** Every wait the adapters asked for, in order. */
  readonly sleeps: number[];
  readonly sleep: Sleep;
  readonly records: AwsCallRecord[];
  readonly node: FixtureNode;
  /** An EC2 adapter on the sim (budget off, fast back-off unless overridden); destroyed by close(). */
  ec2(options?: Partial<Ec2ApiOptions>): Ec2ApiClient;
  imds(options?: Partial<ImdsOptions>): ImdsClient;
  /** A CreateNetworkInterface request for an untagged ENI in the node's subnet with the node's groups. */
  eniRequest(description: string, more?: Partial<CreateEniRequest>): CreateEniRequest;
  close(): Promise<void>;
}

export function assertLoopback(url: string): void {
  assert.match(new URL(url).hostname, /^127\.\d+\.\d+\.\d+$/, `refusing a non-loopback endpoint: ${url}`);
}

export async function startCloudFixture(
  options: { throttle?: boolean; throttleScale?: number; imdsLagMs?: number } = {},
): Promise<CloudFixture> {
  const { clock, sleeps, sleep } = fakeTime(Date.UTC(2024, 4, 1));
  const sim = await startSim({
    scenario: 'eksworkshop',
    host: '127.0.0.1',
    port: 0,
    clock,
    throttle: {
      enabled: options.throttle ?? false,
      ...(options.throttleScale === undefined ? {} : { scale: options.throttleScale }),
    },
    ...(options.imdsLagMs === undefined ? {} : { imdsLagMs: options.imdsLagMs }),
  });
  assertLoopback(sim.ec2Url);
  const instance = [...sim.store.instances.values()].find((i) => i.privateIpAddress === NODE_IP);
  assert.ok(instance, `no eksworkshop node ${NODE_IP}`);
  const imdsUrl = sim.describe().instances[instance.id]?.imds ?? '';
  assertLoopback(imdsUrl);
  const primary = sim.store.eni(instance.primaryEniId);
  const records: AwsCallRecord[] = [];
  const clients: Ec2ApiClient[] = [];
  return {
    sim,
    clock,
    sleeps,
    sleep,
    records,
    node: {
      instanceId: instance.id,
      imdsUrl,
      subnetId: instance.subnetId,
      groups: [...instance.groups],
      primaryEniId: primary.id,
      primaryMac: primary.macAddress,
    },
    ec2: (overrides = {}) => {
      const endpoint = overrides.endpoint ?? sim.ec2Url;
      assertLoopback(endpoint);
      const client = createEc2Api({
        region: sim.describe().region,
        credentials: CREDENTIALS,
        clock,
        sleep,
        observe: (r) => records.push(r),
        budget: false,
        retry: { baseMs: { transient: 10, throttling: 50 } },
        ...overrides,
        endpoint,
      });
      clients.push(client);
      return client;
    },
    imds: (overrides = {}) => {
      const endpoint = overrides.endpoint ?? imdsUrl;
      assertLoopback(endpoint);
      return createImds({
        clock,
        sleep,
        observe: (r) => records.push(r),
        retry: { baseMs: 10 },
        ...overrides,
        endpoint,
      });
    },
    eniRequest: (description, more = {}) => ({
      subnetId: instance.subnetId,
      groups: [...instance.groups],
      description,
      tags: {},
      ...more,
    }),
    close: async () => {
      for (const client of clients) client.destroy();
      await sim.close();
    },
  };
}
