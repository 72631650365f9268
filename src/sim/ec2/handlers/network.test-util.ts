/**
 * Test fixtures for the VPC-level handlers: a store on a manual clock, an in-process EC2 server on port 0 with the
 * network and tag handlers, and an `@aws-sdk/client-ec2` client pointed at it (one attempt, so errors surface at
 * once).
 *
 * @example
 * const world = await startNetworkWorld();
 * const { Vpcs } = await world.client.send(new DescribeVpcsCommand({}));
 * await world.close();
 */
import type { EC2Client } from '@aws-sdk/client-ec2';
import { manualClock, type ManualClock } from '../../../ipam/clock.js';
import type { Vpc } from '../../state/model.js';
import { configureVpcSettings, createVpc, type VpcSettings } from '../../state/ops-vpc.js';
import { VpcStore } from '../../state/store.js';
import type { RunningServer } from '../server.js';
import { startSdkServer } from '../sdk-server.test-util.js';
import { networkHandlers } from './network.js';
import { tagHandlers } from './tags.js';

export const REGION = 'us-west-2';

export interface NetworkWorld {
  readonly store: VpcStore;
  readonly clock: ManualClock;
  readonly server: RunningServer;
  readonly client: EC2Client;
  /** A 10.0.0.0/16 VPC tagged Name=eks-vpc. */
  readonly vpc: Vpc;
  close(): Promise<void>;
}

export async function startNetworkWorld(settings: Partial<VpcSettings> = {}): Promise<NetworkWorld> {
  const clock = manualClock(1_700_000_000_000);
  const store = new VpcStore({ region: REGION, clock });
  configureVpcSettings(store, settings);
  const vpc = createVpc(store, { cidr: '10.0.0.0/16', tags: [{ key: 'Name', value: 'eks-vpc' }] });
  const sdk = await startSdkServer(store, { ...networkHandlers, ...tagHandlers });
  return { store, clock, server: sdk.server, client: sdk.client, vpc, close: () => sdk.close() };
}

/** What a test checks of an SDK error: EC2's code, message and HTTP status. */
export interface SdkFailure {
  readonly name: string;
  readonly message: string;
  readonly status: number | undefined;
}

/** Awaits a call that must fail and returns its code, message and status (fails the test if it succeeds). */
export async function sdkFailure(call: Promise<unknown>): Promise<SdkFailure> {
  try {
    await call;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail, but it succeeded');
}
