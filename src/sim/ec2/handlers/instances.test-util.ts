/**
 * Test fixtures for instances, instance types, the request gate, IMDS and the admin endpoint: a store with a VPC
 * (10.0.0.0/16 + 100.64.0.0/16), a subnet, security groups, built directly as records; and an in-process EC2
 * server with the instance handlers and an SDK client.
 *
 * @example
 * const world = instanceWorld();
 * const sim = await startInstanceServer(world.store);
 * await sim.client.send(new DescribeInstancesCommand({}));
 */
import { manualClock, type ManualClock } from '../../../ipam/clock.js';
import type { Vpc } from '../../state/model.js';
import { VpcStore } from '../../state/store.js';
import type { RequestGate } from '../handler.js';
import { startSdkServer, type SdkServer } from '../sdk-server.test-util.js';
import { instanceTypeHandlers } from './instance-types.js';
import { instanceHandlers } from './instances.js';

export const REGION = 'us-west-2';

export interface InstanceWorld {
  readonly store: VpcStore;
  readonly clock: ManualClock;
  readonly vpcId: string;
  /** 10.0.1.0/24 in us-west-2a. */
  readonly subnetId: string;
  /** The VPC's `default` group. */
  readonly defaultSgId: string;
  /** A group named `eks-node`. */
  readonly sgId: string;
}

export function instanceWorld(options: { subnetCidr?: string } = {}): InstanceWorld {
  const clock = manualClock(Date.UTC(2024, 0, 1));
  const store = new VpcStore({ region: REGION, clock });
  const vpc: Vpc = {
    id: store.newId('vpc'),
    cidrAssociations: [
      { associationId: store.newId('vpc-cidr-assoc'), cidr: '10.0.0.0/16', state: 'associated', readyAt: 0 },
      { associationId: store.newId('vpc-cidr-assoc'), cidr: '100.64.0.0/16', state: 'associated', readyAt: 0 },
      {
        associationId: store.newId('vpc-cidr-assoc'),
        cidr: '100.65.0.0/16',
        state: 'associating',
        readyAt: clock.now() + 60_000,
      },
    ],
    isDefault: false,
    tags: new Map(),
  };
  store.vpcs.set(vpc.id, vpc);
  const zone = store.availabilityZones[0]?.name ?? `${REGION}a`;
  const subnetId = store.newId('subnet');
  const cidr = options.subnetCidr ?? '10.0.1.0/24';
  store.subnets.set(subnetId, {
    id: subnetId,
    vpcId: vpc.id,
    cidr,
    availabilityZone: zone,
    mapPublicIpOnLaunch: false,
    tags: new Map(),
    used: new Set(),
  });
  const group = (name: string): string => {
    const id = store.newId('sg');
    store.securityGroups.set(id, { id, name, description: name, vpcId: vpc.id, tags: new Map() });
    return id;
  };
  return { store, clock, vpcId: vpc.id, subnetId, defaultSgId: group('default'), sgId: group('eks-node') };
}

export type InstanceServer = SdkServer;

/** Instance and instance-type handlers on 127.0.0.1; the client never retries unless `maxAttempts` says so. */
export function startInstanceServer(
  store: VpcStore,
  options: { gate?: RequestGate; maxAttempts?: number } = {},
): Promise<InstanceServer> {
  return startSdkServer(store, { ...instanceHandlers, ...instanceTypeHandlers }, options);
}

/** The error a call rejects with (name = EC2 code), failing the test when it resolves. */
export async function rejection(
  call: Promise<unknown>,
): Promise<{ name: string; message: string; status: number | undefined; attempts: number | undefined }> {
  try {
    await call;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number; attempts?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode, attempts: e.$metadata?.attempts };
  }
  throw new Error('expected the call to fail, but it succeeded');
}
