import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isVpcCniError } from '../../errors.js';
import { enisSummary, enisTable, parseEnis, parsePods, podsTable } from './enis.js';

const NOW = Date.parse('2026-11-27T00:40:00Z');
const ZERO = '0001-01-01T00:00:00Z';
const address = (ip: string, pod: [string, string] | undefined, assigned: string, unassigned: string): object => ({
  Address: ip,
  IPAMKey: { networkName: pod === undefined ? '' : 'aws-cni', containerID: '', ifName: '' },
  IPAMMetadata: pod === undefined ? {} : { k8sPodNamespace: pod[0], k8sPodName: pod[1], interfacesCount: 1 },
  AssignedTime: assigned,
  UnassignedTime: unassigned,
});
const slash32 = (ip: string, entry?: object): object => ({
  Cidr: { IP: ip, Mask: '/////w==' },
  IPAddresses: entry === undefined ? {} : { [ip]: entry },
  IsPrefix: false,
  AddressFamily: '',
});

/** /v1/enis as ipamd serves it: a primary ENI with three /32s (assigned, cooling down, free) and a secondary with a /28. */
const ENIS_DOC = {
  '0': {
    TotalIPs: 19,
    AssignedIPs: 1,
    ENIs: {
      'eni-0a': {
        ID: 'eni-0a',
        IsPrimary: true,
        IsTrunk: false,
        IsEFA: false,
        DeviceNumber: 0,
        RouteTableID: 254,
        SubnetID: 'subnet-1',
        IPv6Cidrs: {},
        IsExcludedForPodIPs: false,
        AvailableIPv4Cidrs: {
          '10.11.0.10/32': slash32(
            '10.11.0.10',
            address('10.11.0.10', undefined, '2026-11-27T00:39:00Z', '2026-11-27T00:39:50Z'),
          ),
          '10.11.0.4/32': slash32(
            '10.11.0.4',
            address('10.11.0.4', ['default', 'web-0'], '2026-11-27T00:38:00Z', ZERO),
          ),
          '10.11.0.5/32': slash32(
            '10.11.0.5',
            address('10.11.0.5', undefined, '2026-11-27T00:30:00Z', '2026-11-27T00:31:00Z'),
          ),
        },
      },
      'eni-0b': {
        ID: 'eni-0b',
        IsPrimary: false,
        IsTrunk: false,
        IsEFA: false,
        DeviceNumber: 1,
        RouteTableID: 2,
        SubnetID: 'subnet-1',
        IPv6Cidrs: {},
        IsExcludedForPodIPs: false,
        AvailableIPv4Cidrs: {
          '10.11.1.16/28': {
            Cidr: { IP: '10.11.1.16', Mask: '////8A==' },
            IPAddresses: {},
            IsPrefix: true,
            AddressFamily: '',
          },
        },
      },
    },
  },
};

describe('status enis', () => {
  const rows = parseEnis(ENIS_DOC, 'http://127.0.0.1:61679', NOW);

  it('reads each address as assigned, cooling down (released < 30 s ago) or free, in address order', () => {
    assert.deepEqual(
      rows[0]?.addresses.map((a) => [a.address, a.state, a.pod ?? '']),
      [
        ['10.11.0.4', 'assigned', 'default/web-0'],
        ['10.11.0.5', 'free', ''],
        ['10.11.0.10', 'cooling down', ''],
      ],
    );
    assert.equal(rows[1]?.addresses.length, 16);
    assert.equal(enisSummary(rows), '2 ENIs, 19 addresses: 1 assigned, 1 cooling down, 17 free');
  });

  it('prints one row per ENI, and every address with -o wide', () => {
    assert.equal(
      enisTable(rows, NOW, { wide: false }),
      [
        'DEVICE   ENI      PRIMARY   SUBNET     IPS   PREFIXES   ASSIGNED   COOLING DOWN   FREE',
        '0        eni-0a   yes       subnet-1   3     0          1          1              1',
        '1        eni-0b   no        subnet-1   0     1          0          0              16',
        '',
      ].join('\n'),
    );
    const wide = enisTable(rows, NOW, { wide: true });
    assert.match(wide, /^0 {6}0 {8}eni-0a .* main$/m);
    assert.match(wide, /^10\.11\.0\.4 {4}assigned {7}default\/web-0 {3}2m$/m);
    assert.match(wide, /^10\.11\.0\.10 {3}cooling down {3}- {15}10s$/m);
  });

  it("refuses a document that is not ipamd's", () => {
    assert.throws(
      () => parseEnis({ AvailableCommands: [] }, 'http://x', NOW),
      (e: unknown) => isVpcCniError(e) && e.code === 'STATUS_NOT_IPAMD',
    );
    assert.throws(() => parseEnis('# HELP', 'http://x', NOW), /not ipamd's ENI document/);
  });
});

describe('status pods', () => {
  it('splits the v1.6 keys into pod, namespace and container, and adds ENI and age with -o wide', () => {
    const pods = parsePods({ 'web-0_default_0b7b3d2485d7': { DeviceNumber: 0, IP: '10.11.0.4' } }, 'http://x');
    assert.deepEqual(pods, [
      { namespace: 'default', name: 'web-0', container: '0b7b3d2485d7', ip: '10.11.0.4', device: 0 },
    ]);
    assert.equal(
      podsTable(pods, undefined, NOW),
      'POD     NAMESPACE   IP          DEVICE\nweb-0   default     10.11.0.4   0\n',
    );
    assert.match(
      podsTable(pods, parseEnis(ENIS_DOC, 'http://x', NOW), NOW),
      /^web-0 {3}default {5}10\.11\.0\.4 {3}0 {8}eni-0a {3}0b7b3d2485d7 {3}2m$/m,
    );
  });
});
