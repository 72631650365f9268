/**
 * Test fixtures for the ENI operations: a store with a VPC, subnets, security groups and instances built directly
 * as records (the VPC/subnet/instance operations are other modules), plus an in-process EC2 server with an SDK
 * client pointed at it.
 *
 * @example
 * const world = newWorld();
 * const instance = addInstance(world.store, { type: 'm5.large', subnetId: world.subnetId });
 * const { client, close } = await startEniServer(world.store);
 */
import { manualClock, type ManualClock } from '../../ipam/clock.js';
import { parseCidr } from '../../ipam/cidr.js';
import { eniHandlers } from '../ec2/handlers/eni.js';
import { startSdkServer, type SdkServer } from '../ec2/sdk-server.test-util.js';
import type { Instance, InstanceStateName, SecurityGroup, Subnet, Vpc } from './model.js';
import { attachEni, createEni } from './ops-eni.js';
import { VpcStore } from './store.js';

export const REGION = 'us-west-2';

export interface EniWorld {
  readonly store: VpcStore;
  readonly clock: ManualClock;
  readonly vpcId: string;
  /** 10.0.1.0/24 in zone a. */
  readonly subnetId: string;
  /** 10.0.2.0/24 in zone b. */
  readonly subnetBId: string;
  /** The VPC's security group named `default`. */
  readonly defaultSgId: string;
  /** Another security group of the VPC (`nodes`). */
  readonly sgId: string;
}

export function addVpc(store: VpcStore, cidr: string): Vpc {
  const vpc: Vpc = {
    id: store.newId('vpc'),
    cidrAssociations: [{ associationId: store.newId('vpc-cidr-assoc'), cidr, state: 'associated', readyAt: 0 }],
    isDefault: false,
    tags: new Map(),
  };
  store.vpcs.set(vpc.id, vpc);
  return vpc;
}

export function addSubnet(store: VpcStore, vpcId: string, cidr: string, zoneIndex = 0): Subnet {
  parseCidr(cidr);
  const zone = store.availabilityZones[zoneIndex];
  if (zone === undefined) throw new RangeError(`no zone ${zoneIndex}`);
  const subnet: Subnet = {
    id: store.newId('subnet'),
    vpcId,
    cidr,
    availabilityZone: zone.name,
    mapPublicIpOnLaunch: false,
    tags: new Map(),
    used: new Set(),
  };
  store.subnets.set(subnet.id, subnet);
  return subnet;
}

export function addGroup(store: VpcStore, vpcId: string, name: string): SecurityGroup {
  const group: SecurityGroup = { id: store.newId('sg'), name, description: name, vpcId, tags: new Map() };
  store.securityGroups.set(group.id, group);
  return group;
}

export function newWorld(options: { subnetCidr?: string } = {}): EniWorld {
  const clock = manualClock(Date.UTC(2024, 0, 1));
  const store = new VpcStore({ region: REGION, clock });
  const vpc = addVpc(store, '10.0.0.0/16');
  const subnet = addSubnet(store, vpc.id, options.subnetCidr ?? '10.0.1.0/24', 0);
  const subnetB = addSubnet(store, vpc.id, '10.0.2.0/24', 1);
  const defaultSg = addGroup(store, vpc.id, 'default');
  const sg = addGroup(store, vpc.id, 'nodes');
  return {
    store,
    clock,
    vpcId: vpc.id,
    subnetId: subnet.id,
    subnetBId: subnetB.id,
    defaultSgId: defaultSg.id,
    sgId: sg.id,
  };
}

/** An instance with its primary ENI (device 0, card 0) in the subnet; running unless told otherwise. */
export function addInstance(
  store: VpcStore,
  options: { type: string; subnetId: string; state?: InstanceStateName },
): Instance {
  const subnet = store.subnet(options.subnetId);
  const primary = createEni(store, { subnetId: subnet.id, description: 'Primary network interface' });
  const instance: Instance = {
    id: store.newId('i'),
    reservationId: store.newId('r'),
    instanceType: options.type,
    imageId: 'ami-0123456789abcdef0',
    availabilityZone: subnet.availabilityZone,
    subnetId: subnet.id,
    vpcId: subnet.vpcId,
    privateIpAddress: primary.privateIpAddress,
    primaryEniId: primary.id,
    groups: [...primary.groups],
    state: 'running',
    launchTime: store.clock.now(),
    tags: new Map(),
  };
  store.instances.set(instance.id, instance);
  attachEni(store, { eniId: primary.id, instanceId: instance.id, deviceIndex: 0 });
  instance.state = options.state ?? 'running';
  return instance;
}

/** The ENI handlers on 127.0.0.1:<ephemeral>, with an SDK client that never retries (errors surface at once). */
export function startEniServer(store: VpcStore): Promise<SdkServer> {
  return startSdkServer(store, eniHandlers);
}

/** Runs `fn` and returns the EC2 error it raised (SDK exception or Ec2Error), failing when it succeeds. */
export async function errorOf(fn: () => unknown): Promise<{ name: string; message: string }> {
  try {
    await fn();
  } catch (error) {
    const e = error as { name: string; message: string; code?: string };
    return { name: e.code ?? e.name, message: e.message };
  }
  throw new Error('expected an EC2 error, but the call succeeded');
}
