/**
 * Fixtures for the introspection and metrics tests: a hand-written datastore snapshot (so the expected JSON is
 * known byte for byte), a pool report and a source over them.
 *
 * @example
 * const source = fixtureSource({ pool: poolReport() });
 * introspectionRoutes(source).get('/v1/enis')?.().body === ENIS_GOLDEN; // true
 */
import { loadConfig, type Config } from '../../config/index.js';
import type { CidrView, DatastoreSnapshot, EniView } from '../../ipam/types.js';
import type { IntrospectionSource, PoolReport } from './introspect.js';

export const T0 = Date.UTC(2024, 4, 1, 11, 0, 0, 5);
export const T1 = Date.UTC(2024, 4, 1, 12, 0, 0, 0);
export const T2 = Date.UTC(2024, 4, 1, 12, 0, 1, 120);
export const T3 = Date.UTC(2024, 4, 1, 12, 0, 2, 500);

export const CONTAINER_1 = '0b7b3d2485d7fc13746b6fbd95dc2781683dc6ef0102eab5ab966f550455b711';
export const CONTAINER_2 = 'f00dfeedbeef0123456789abcdef0123456789abcdef0123456789abcdef0123';

const primaryPrefix: CidrView = {
  cidr: '10.0.1.16/28',
  isPrefix: true,
  size: 16,
  assignedCount: 2,
  cooldownCount: 1,
  addresses: [
    {
      address: '10.0.1.17',
      ipamKey: { networkName: 'aws-cni', containerID: CONTAINER_1, ifName: 'eth0' },
      ipamMetadata: { k8sPodNamespace: 'default', k8sPodName: 'web-1', interfacesCount: 1 },
      assignedTime: T1,
    },
    {
      address: '10.0.1.18',
      ipamKey: { networkName: 'aws-cni', containerID: CONTAINER_2, ifName: 'eth0' },
      ipamMetadata: { k8sPodNamespace: 'default', k8sPodName: 'web-2' },
      assignedTime: T2,
    },
    { address: '10.0.1.19', assignedTime: T0, unassignedTime: T3 },
  ],
};

/** A /32 left over from secondary-IP mode: listed and counted in TotalIPs, not used for pods. */
const leftoverIp: CidrView = {
  cidr: '10.0.1.5/32',
  isPrefix: false,
  size: 1,
  assignedCount: 0,
  cooldownCount: 0,
  addresses: [],
};

const secondaryPrefix: CidrView = {
  cidr: '10.0.4.16/28',
  isPrefix: true,
  size: 16,
  assignedCount: 0,
  cooldownCount: 0,
  addresses: [],
};

export const PRIMARY_ENI: EniView = {
  id: 'eni-0a',
  deviceNumber: 0,
  isPrimary: true,
  isTrunk: false,
  isEFA: false,
  subnetId: 'subnet-0a',
  routeTableId: 254,
  isExcludedForPodIPs: false,
  createTime: T0,
  cidrs: [leftoverIp, primaryPrefix],
};

export const SECONDARY_ENI: EniView = {
  id: 'eni-0b',
  deviceNumber: 1,
  isPrimary: false,
  isTrunk: false,
  isEFA: false,
  subnetId: 'subnet-0b',
  routeTableId: 2,
  isExcludedForPodIPs: true,
  createTime: T1,
  cidrs: [secondaryPrefix],
};

export function snapshotOf(enis: readonly EniView[], networkCard = 0): DatastoreSnapshot {
  return {
    takenAt: T3,
    prefixDelegation: true,
    ipCooldownMs: 30_000,
    networkCard,
    enis,
    stats: { totalIPs: 16, assignedIPs: 2, cooldownIPs: 1, availableIPs: 14, totalPrefixes: 2, freePrefixes: 1 },
  };
}

export const SNAPSHOT = snapshotOf([PRIMARY_ENI, SECONDARY_ENI]);

const ADDR_17 =
  '"10.0.1.17":{"Address":"10.0.1.17","IPAMKey":{"networkName":"aws-cni","containerID":"","ifName":""},' +
  '"IPAMMetadata":{"k8sPodNamespace":"default","k8sPodName":"web-1","interfacesCount":1},' +
  '"AssignedTime":"2024-05-01T12:00:00Z","UnassignedTime":"0001-01-01T00:00:00Z"}';
const ADDR_18 =
  '"10.0.1.18":{"Address":"10.0.1.18","IPAMKey":{"networkName":"aws-cni","containerID":"","ifName":""},' +
  '"IPAMMetadata":{"k8sPodNamespace":"default","k8sPodName":"web-2"},' +
  '"AssignedTime":"2024-05-01T12:00:01.12Z","UnassignedTime":"0001-01-01T00:00:00Z"}';
const ADDR_19 =
  '"10.0.1.19":{"Address":"10.0.1.19","IPAMKey":{"networkName":"","containerID":"","ifName":""},' +
  '"IPAMMetadata":{},"AssignedTime":"2024-05-01T11:00:00.005Z","UnassignedTime":"2024-05-01T12:00:02.5Z"}';

/** `/v1/enis` for {@link SNAPSHOT} on card 0, written out by hand in Go's encoding. */
export const ENIS_GOLDEN =
  '{"0":{"TotalIPs":33,"AssignedIPs":2,"ENIs":{' +
  '"eni-0a":{"ID":"eni-0a","IsPrimary":true,"IsTrunk":false,"IsEFA":false,"DeviceNumber":0,"AvailableIPv4Cidrs":{' +
  `"10.0.1.16/28":{"Cidr":{"IP":"10.0.1.16","Mask":"////8A=="},"IPAddresses":{${ADDR_17},${ADDR_18},${ADDR_19}},"IsPrefix":true,"AddressFamily":""},` +
  '"10.0.1.5/32":{"Cidr":{"IP":"10.0.1.5","Mask":"/////w=="},"IPAddresses":{},"IsPrefix":false,"AddressFamily":""}},' +
  '"IPv6Cidrs":{},"IsExcludedForPodIPs":false,"RouteTableID":254,"SubnetID":"subnet-0a"},' +
  '"eni-0b":{"ID":"eni-0b","IsPrimary":false,"IsTrunk":false,"IsEFA":false,"DeviceNumber":1,"AvailableIPv4Cidrs":{' +
  '"10.0.4.16/28":{"Cidr":{"IP":"10.0.4.16","Mask":"////8A=="},"IPAddresses":{},"IsPrefix":true,"AddressFamily":""}},' +
  '"IPv6Cidrs":{},"IsExcludedForPodIPs":true,"RouteTableID":2,"SubnetID":"subnet-0b"}}}}';

export function poolReport(): PoolReport {
  const targets = { warmEniTarget: 0, warmIpTarget: 5, minimumIpTarget: 0, warmPrefixTarget: 0 };
  return {
    generatedAt: T3,
    mode: { prefixDelegation: true, customNetworking: false },
    targets,
    cards: [
      {
        networkCard: 0,
        plannedAt: T3,
        plan: {
          resize: {
            kind: 'assign',
            unit: 'prefix',
            wanted: 1,
            candidates: [{ eniId: 'eni-0a', deviceNumber: 0, count: 1 }],
            eniFallback: null,
            reason: 'short 5 IPs for WARM_IP_TARGET=5',
          },
          freeEni: { kind: 'keep', reason: 'no ENI is free' },
          state: {
            targets,
            target: { ipTargetsDefined: true, short: 5, over: 0, shortPrefixes: 1, overPrefixes: 0 },
            tooLow: { result: true, reason: 'available 0 < 5' },
            tooHigh: { result: false, reason: 'not over' },
            removeExtraEnis: { result: false, reason: 'IP targets defined' },
          },
        },
        stats: SNAPSHOT.stats,
        limits: { maxEnis: 3, maxIpsPerEni: 9, maxPods: 110 },
        unmanagedEnis: 0,
        trunkReserve: 0,
        lastInsufficientAt: T1,
      },
    ],
    recentActions: [
      {
        at: T2,
        action: 'AssignPrivateIpAddresses',
        networkCard: 0,
        eniId: 'eni-0a',
        detail: 'assign 1 prefix',
        outcome: 'error',
        errorCode: 'InsufficientCidrBlocks',
        durationMs: 210,
      },
    ],
    recentErrors: [
      {
        at: T2,
        code: 'InsufficientCidrBlocks',
        message: 'The specified subnet does not have enough free cidr blocks',
        action: 'AssignPrivateIpAddresses',
        hint: 'add a subnet with free /28 blocks',
      },
    ],
  };
}

export const DEFAULT_CONFIG: Config = loadConfig({}).config;

export function fixtureSource(overrides: Partial<IntrospectionSource> = {}): IntrospectionSource {
  return {
    snapshots: () => new Map([[0, SNAPSHOT]]),
    eniConfigName: () => undefined,
    config: DEFAULT_CONFIG,
    pool: () => undefined,
    ...overrides,
  };
}
