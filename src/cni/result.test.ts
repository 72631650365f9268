import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { isCniError } from './errors.js';
import { buildPodResult, podFromResult, readPrevResult, routeTableOf } from './result.js';

const NETNS = '/var/run/netns/cni-1';

describe('buildPodResult', () => {
  it('has the reference shape: host veth, container interface with the table in mac, dummy with the device', () => {
    const result = buildPodResult({
      attachments: [
        {
          hostVethName: 'eni0d7763386da',
          containerIfName: 'eth0',
          netnsPath: NETNS,
          podIp: '10.0.1.23',
          routeTableId: 254,
        },
      ],
      dummyName: 'dummy0d7763386da',
      deviceNumber: 0,
    });
    assert.deepEqual(result, {
      interfaces: [
        { name: 'eni0d7763386da' },
        { name: 'eth0', mac: '254', sandbox: NETNS },
        { name: 'dummy0d7763386da', mac: '0', sandbox: '0' },
      ],
      ips: [{ interface: 1, address: '10.0.1.23/32' }],
      routes: [],
      dns: {},
    });
  });
});

describe('routeTableOf', () => {
  const cases: readonly [number, number, number][] = [
    [254, 0, 254],
    [3, 2, 3],
    [0, 0, 254], // ipamd before v1.20 sent no table: computed from the device
    [0, 2, 3],
    [1, 0, 254], // table 1 means main (reference, backward compatibility)
    [10002, 0, 10002],
  ];
  for (const [table, device, expected] of cases) {
    it(`routeTableId ${table}, device ${device} → ${expected}`, () =>
      assert.equal(routeTableOf(table, device), expected));
  }
});

describe('reading prevResult', () => {
  const reference040 = {
    cniVersion: '0.4.0',
    interfaces: [
      { name: 'eni0d7763386da' },
      { name: 'eth0', mac: '3', sandbox: NETNS },
      { name: 'dummy0d7763386da', mac: '0', sandbox: '2' },
    ],
    ips: [{ version: '4', interface: 1, address: '10.0.1.23/32' }],
    dns: {},
  };

  it('reads a reference 0.4.0 result', () => {
    assert.deepEqual(podFromResult(readPrevResult(reference040), 'dummy0d7763386da'), {
      attachments: [
        {
          hostVethName: 'eni0d7763386da',
          containerIfName: 'eth0',
          netnsPath: NETNS,
          podIp: '10.0.1.23',
          routeTableId: 3,
        },
      ],
      deviceNumber: 2,
      vlanId: 0,
    });
  });

  it('before v1.20 the container mac was a real MAC: the table comes from the device number', () => {
    const old = {
      ...reference040,
      interfaces: [
        { name: 'eni0d7763386da' },
        { name: 'eth0', mac: '0a:58:0a:00:01:17', sandbox: NETNS },
        { name: 'dummy0d7763386da', mac: '0', sandbox: '2' },
      ],
    };
    assert.equal(podFromResult(readPrevResult(old)).attachments[0]?.routeTableId, 3);
  });

  it('survives interfaces egress-cni appended and finds the dummy by prefix without pod names', () => {
    const chained = {
      ...reference040,
      interfaces: [...reference040.interfaces, { name: 'v4if0' }, { name: 'egress-v4', sandbox: NETNS }],
    };
    assert.equal(podFromResult(readPrevResult(chained)).attachments.length, 1);
  });

  it('a dummy with a VLAN id marks a branch-ENI pod', () => {
    const branch = {
      ...reference040,
      interfaces: [
        { name: 'vlan0d7763386da' },
        { name: 'eth0', sandbox: NETNS },
        { name: 'dummy0d7763386da', mac: '7' },
      ],
    };
    assert.equal(podFromResult(readPrevResult(branch)).vlanId, 7);
  });

  it('reads 0.2.0 results (no interfaces) but they describe no pod', () => {
    const legacy = readPrevResult({ cniVersion: '0.2.0', ip4: { ip: '10.0.1.23/32' } });
    assert.deepEqual(legacy.ips, [{ address: '10.0.1.23/32' }]);
    assert.throws(
      () => podFromResult(legacy),
      (e: unknown) => isCniError(e, 'CNI_INVALID_CONFIG'),
    );
  });

  const malformed: readonly [string, unknown, RegExp][] = [
    ['not an object', 'x', /not a JSON object/],
    ['interfaces not a list', { interfaces: {} }, /interfaces is not a list/],
    ['interface without name', { interfaces: [{}] }, /interfaces\[0\] has no name/],
    ['ip without address', { interfaces: [], ips: [{}] }, /ips\[0\] has no address/],
    [
      'fractional interface index',
      { interfaces: [], ips: [{ address: '1.2.3.4/32', interface: 1.5 }] },
      /not an integer/,
    ],
    ['mac not a string', { interfaces: [{ name: 'a', mac: 5 }] }, /mac is not a string/],
  ];
  for (const [what, raw, message] of malformed) {
    it(`refuses a prevResult with ${what}`, () => {
      assert.throws(
        () => readPrevResult(raw),
        (e: unknown) => isCniError(e, 'CNI_INVALID_CONFIG') && message.test(e.message),
      );
    });
  }

  const unusable: readonly [string, unknown][] = [
    [
      'no dummy',
      {
        interfaces: [{ name: 'eni1' }, { name: 'eth0', sandbox: NETNS }],
        ips: [{ interface: 1, address: '10.0.1.23/32' }],
      },
    ],
    [
      'a dummy without device',
      {
        interfaces: [
          { name: 'eth0', sandbox: NETNS },
          { name: 'dummyx', mac: '0' },
        ],
        ips: [{ interface: 0, address: '1.2.3.4/32' }],
      },
    ],
    [
      'an ip pointing nowhere',
      { interfaces: [{ name: 'dummyx', mac: '0', sandbox: '0' }], ips: [{ interface: 4, address: '1.2.3.4/32' }] },
    ],
  ];
  for (const [what, raw] of unusable) {
    it(`a prevResult with ${what} describes no pod`, () => {
      assert.throws(
        () => podFromResult(readPrevResult(raw)),
        (e: unknown) => isCniError(e, 'CNI_INVALID_CONFIG'),
      );
    });
  }
});
