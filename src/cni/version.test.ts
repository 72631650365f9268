import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { isCniError } from './errors.js';
import { buildPodResult, type CniResult } from './result.js';
import {
  formatResult,
  isSupportedVersion,
  SUPPORTED_VERSIONS,
  versionAtLeast,
  versionReply,
  type CniVersion,
} from './version.js';

const RESULT: CniResult = buildPodResult({
  attachments: [
    {
      hostVethName: 'eni0d7763386da',
      hostVethMac: '02:00:00:aa:bb:cc',
      containerIfName: 'eth0',
      netnsPath: '/var/run/netns/x',
      podIp: '10.0.1.23',
      routeTableId: 3,
    },
  ],
  dummyName: 'dummy0d7763386da',
  deviceNumber: 2,
});

describe('versions', () => {
  it('VERSION lists every spec version and answers in the latest', () => {
    assert.deepEqual(versionReply(), {
      cniVersion: '1.1.0',
      supportedVersions: ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'],
    });
  });

  const order: readonly [string, string, boolean][] = [
    ['0.4.0', '0.4.0', true],
    ['1.0.0', '0.4.0', true],
    ['0.3.1', '0.4.0', false],
    ['0.10.0', '0.4.0', true],
    ['1.0.0', '1.1.0', false],
    ['2.0.0', '1.1.0', true],
  ];
  for (const [a, b, expected] of order) {
    it(`${a} ≥ ${b} is ${expected}`, () => assert.equal(versionAtLeast(a, b), expected));
  }

  it('a malformed version is a decode failure (6), as libcni', () => {
    assert.throws(
      () => versionAtLeast('1.0', '0.4.0'),
      (e: unknown) => isCniError(e, 'CNI_DECODE_FAILED') && e.cniCode === 6,
    );
  });

  it('knows which versions it speaks', () => {
    assert.ok(SUPPORTED_VERSIONS.every(isSupportedVersion));
    assert.ok(!isSupportedVersion('0.5.0') && !isSupportedVersion('1.2.0') && !isSupportedVersion(''));
  });
});

describe('formatResult', () => {
  const interfaces = [
    { name: 'eni0d7763386da', mac: '02:00:00:aa:bb:cc' },
    { name: 'eth0', mac: '3', sandbox: '/var/run/netns/x' },
    { name: 'dummy0d7763386da', mac: '0', sandbox: '2' },
  ];
  const modern: readonly CniVersion[] = ['1.0.0', '1.1.0'];
  for (const version of modern) {
    it(`${version}: ips have no version, no routes key, empty dns`, () => {
      assert.deepEqual(formatResult(RESULT, version), {
        cniVersion: version,
        interfaces,
        ips: [{ interface: 1, address: '10.0.1.23/32' }],
        dns: {},
      });
    });
  }
  const middle: readonly CniVersion[] = ['0.3.0', '0.3.1', '0.4.0'];
  for (const version of middle) {
    it(`${version}: ips carry version "4"`, () => {
      const out = formatResult(RESULT, version);
      assert.deepEqual(out, {
        cniVersion: version,
        interfaces,
        ips: [{ version: '4', interface: 1, address: '10.0.1.23/32' }],
        dns: {},
      });
      assert.deepEqual(Object.keys((out['ips'] as object[])[0] ?? {}), ['version', 'interface', 'address']);
    });
  }
  const legacy: readonly CniVersion[] = ['0.1.0', '0.2.0'];
  for (const version of legacy) {
    it(`${version}: ip4 only, no interfaces`, () => {
      assert.deepEqual(formatResult(RESULT, version), { cniVersion: version, ip4: { ip: '10.0.1.23/32' }, dns: {} });
    });
  }

  it('IPv6 addresses get version "6" and become ip6 in 0.2.0', () => {
    const v6: CniResult = {
      ...RESULT,
      ips: [{ interface: 1, address: '2600:1f14::5/128', gateway: 'fe80::1' }],
      routes: [{ dst: '::/0', gw: 'fe80::1' }],
    };
    assert.deepEqual((formatResult(v6, '0.4.0')['ips'] as unknown[])[0], {
      version: '6',
      interface: 1,
      address: '2600:1f14::5/128',
      gateway: 'fe80::1',
    });
    assert.deepEqual(formatResult(v6, '1.0.0')['routes'], [{ dst: '::/0', gw: 'fe80::1' }]);
    assert.deepEqual(formatResult(v6, '0.2.0'), {
      cniVersion: '0.2.0',
      ip6: { ip: '2600:1f14::5/128', gateway: 'fe80::1', routes: [{ dst: '::/0', gw: 'fe80::1' }] },
      dns: {},
    });
  });

  it('a result without addresses cannot be written as 0.2.0', () => {
    assert.throws(
      () => formatResult({ ...RESULT, ips: [] }, '0.2.0'),
      (e: unknown) => isCniError(e, 'CNI_INTERNAL'),
    );
  });
});
