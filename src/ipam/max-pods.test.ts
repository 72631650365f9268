import { test, describe } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  DEFAULT_CNI_VERSION,
  calculateMaxPods,
  cniSupportsPrefixDelegation,
  eniMaxPods,
  parseCniVersion,
  type MaxPodsInput,
  type MaxPodsLimits,
} from './max-pods.js';
import { IpamError } from './errors.js';
import { listInstanceTypes, requireInstanceLimits } from '../limits/index.js';

type Flags = Omit<MaxPodsInput, 'limits'>;
const CN: Flags = { customNetworking: true };
const PD: Flags = { prefixDelegation: true };
const PD_CN: Flags = { prefixDelegation: true, customNetworking: true };

/** Every worked example of [max-pods §6]: [type, flags, raw (--show-max-allowed), capped output]. */
const WORKED: [string, Flags, number, number][] = [
  ['t3.nano', {}, 4, 4],
  ['t3.nano', CN, 3, 3],
  ['t3.nano', PD, 34, 34],
  ['t3.nano', PD_CN, 18, 18],
  ['t2.micro', {}, 4, 4],
  ['t2.micro', CN, 3, 3],
  ['t2.micro', PD, 4, 4],
  ['t3.medium', {}, 17, 17],
  ['t3.medium', CN, 12, 12],
  ['t3.medium', PD, 242, 110],
  ['t3.medium', PD_CN, 162, 110],
  ['m5.large', {}, 29, 29],
  ['m5.large', CN, 20, 20],
  ['m5.large', PD, 434, 110],
  ['m5.large', PD_CN, 290, 110],
  ['m5.xlarge', {}, 58, 58],
  ['m5.xlarge', CN, 44, 44],
  ['m5.xlarge', PD, 898, 110],
  ['m5.xlarge', { ...PD, maxEni: 1 }, 226, 110],
  ['m5.xlarge', { ...CN, maxEni: 1 }, 2, 2],
  ['m5.4xlarge', {}, 234, 110],
  ['m5.4xlarge', CN, 205, 110],
  ['m5.4xlarge', PD, 3714, 110],
  ['c5.9xlarge', {}, 234, 234],
  ['c5.9xlarge', CN, 205, 205],
  ['c5.9xlarge', PD, 3714, 250],
  ['c5.9xlarge', PD_CN, 3250, 250],
  ['m5.24xlarge', {}, 737, 250],
  ['m5.24xlarge', CN, 688, 250],
  ['m5.24xlarge', PD, 11762, 250],
  ['m5.24xlarge', { maxEni: 2 }, 100, 100],
  ['m5.24xlarge', { ...CN, maxEni: 2 }, 51, 51],
  ['m5.metal', {}, 737, 250],
  ['m5.metal', PD, 737, 250],
  ['c6in.32xlarge', {}, 394, 250],
  ['c6in.32xlarge', CN, 345, 250],
  ['p5.48xlarge', {}, 100, 100],
  ['p5.48xlarge', CN, 51, 51],
  ['p5.48xlarge', PD, 1570, 250],
  ['p5.48xlarge', PD_CN, 786, 250],
];

describe('calculateMaxPods: the worked examples of max-pods.md', () => {
  for (const [type, flags, raw, capped] of WORKED) {
    test(`${type} ${JSON.stringify(flags)} → ${raw} → ${capped}`, () => {
      const limits = requireInstanceLimits(type);
      const recommended = calculateMaxPods({ limits, ...flags });
      assert.equal(recommended.raw, raw);
      assert.equal(recommended.maxPods, capped);
      assert.equal(recommended.cap, limits.vcpus !== null && limits.vcpus > 30 ? 250 : 110);
      const allowed = calculateMaxPods({ limits, ...flags, showMaxAllowed: true });
      assert.equal(allowed.maxPods, raw);
      assert.equal(allowed.cap, null);
      assert.match(allowed.formula, new RegExp(` = ${raw}$`));
    });
  }
});

describe('calculateMaxPods: breakdown', () => {
  const cases: { name: string; type: string; flags: Flags; expect: Record<string, unknown> }[] = [
    {
      name: 'default formula',
      type: 'm5.large',
      flags: {},
      expect: {
        enis: 3,
        ipsPerEni: 10,
        podsPerEni: 9,
        prefixDelegationApplied: false,
        formula: '3 × (10 − 1) + 2 = 29',
      },
    },
    {
      name: 'prefix delegation',
      type: 'm5.large',
      flags: PD,
      expect: {
        podsPerEni: 144,
        prefixDelegationApplied: true,
        formula: '3 × ((10 − 1) × 16) + 2 = 434',
        capReason: '2 vCPUs ≤ 30: cap 110',
      },
    },
    {
      name: 'max ENI then custom networking, reaching 0 ENIs',
      type: 'm5.xlarge',
      flags: { ...CN, maxEni: 1 },
      expect: { enis: 0, formula: '(min(1, 4) − 1) × (15 − 1) + 2 = 2' },
    },
    { name: 'max ENI above the limit', type: 'm5.large', flags: { maxEni: 9 }, expect: { enis: 3, raw: 29 } },
    {
      name: 'PD on xen is ignored',
      type: 't2.micro',
      flags: PD,
      expect: { prefixDelegationApplied: false, prefixDelegationIgnoredReason: 'not-nitro' },
    },
    {
      name: 'PD on bare metal is ignored',
      type: 'm5.metal',
      flags: PD,
      expect: { prefixDelegationIgnoredReason: 'not-nitro', raw: 737 },
    },
    { name: 'PD on nitro bare metal applies', type: 'c7g.metal', flags: PD, expect: { prefixDelegationApplied: true } },
    {
      name: 'PD with CNI 1.8 is ignored',
      type: 'm5.large',
      flags: { ...PD, cniVersion: '1.8.4' },
      expect: { raw: 29, prefixDelegationIgnoredReason: 'cni-too-old' },
    },
    {
      name: 'PD with CNI 1.9 applies',
      type: 'm5.large',
      flags: { ...PD, cniVersion: '1.9.0' },
      expect: { raw: 434, prefixDelegationApplied: true },
    },
    { name: 'PD with CNI 2.0 applies', type: 'm5.large', flags: { ...PD, cniVersion: '2.0.0' }, expect: { raw: 434 } },
    {
      name: 'PD with CNI 0.9 is ignored',
      type: 'm5.large',
      flags: { ...PD, cniVersion: '0.9.0' },
      expect: { prefixDelegationIgnoredReason: 'cni-too-old' },
    },
    { name: 'CNI 1.8 without PD is plain', type: 'm5.large', flags: { cniVersion: '1.8.0' }, expect: { raw: 29 } },
    { name: '1 vCPU', type: 't2.micro', flags: {}, expect: { cap: 110, capReason: '1 vCPU ≤ 30: cap 110' } },
    { name: '250 cap', type: 'c5.9xlarge', flags: {}, expect: { cap: 250, capReason: '36 vCPUs > 30: cap 250' } },
    {
      name: 'unknown vCPUs: 110 with a note',
      type: 'bmn-sf1.metal',
      flags: {},
      expect: { raw: 737, maxPods: 110, cap: 110, capReason: 'vCPU count unknown: cap 110' },
    },
  ];
  for (const { name, type, flags, expect } of cases) {
    test(name, () => {
      const result = calculateMaxPods({ limits: requireInstanceLimits(type), ...flags });
      for (const [key, value] of Object.entries(expect))
        assert.deepEqual(result[key as keyof typeof result], value, key);
      if (!('prefixDelegationIgnoredReason' in expect)) assert.equal('prefixDelegationIgnoredReason' in result, false);
    });
  }

  test('a note only when the vCPU count is unknown', () => {
    assert.match(calculateMaxPods({ limits: requireInstanceLimits('bmn-sf1.metal') }).note ?? '', /no vCPU count/);
    assert.equal(calculateMaxPods({ limits: requireInstanceLimits('m5.large') }).note, undefined);
  });

  const synthetic = (vcpus: number | null): MaxPodsLimits => ({
    instanceType: 'x.test',
    maxEnis: 8,
    ipv4PerEni: 30,
    hypervisor: 'nitro',
    vcpus,
  });
  for (const [vcpus, cap] of [
    [24, 110],
    [30, 110],
    [31, 250],
    [32, 250],
    [null, 110],
  ] as const) {
    test(`cap threshold: ${vcpus} vCPUs → ${cap}`, () => {
      assert.equal(calculateMaxPods({ limits: synthetic(vcpus) }).maxPods, cap === 110 ? 110 : 234);
    });
  }
});

describe('calculateMaxPods: invalid input', () => {
  const limits = requireInstanceLimits('m5.large');
  const cases: { name: string; input: MaxPodsInput; message: RegExp }[] = [
    { name: 'banana version', input: { limits, cniVersion: 'banana' }, message: /invalid CNI version 'banana'/ },
    { name: 'major only', input: { limits, cniVersion: '1' }, message: /invalid CNI version/ },
    { name: 'empty version', input: { limits, cniVersion: '' }, message: /invalid CNI version/ },
    { name: 'max ENI 0', input: { limits, maxEni: 0 }, message: /max ENI must be a positive integer, not 0/ },
    { name: 'max ENI negative', input: { limits, maxEni: -2 }, message: /not -2/ },
    { name: 'max ENI fraction', input: { limits, maxEni: 1.5 }, message: /not 1.5/ },
    { name: 'max ENI NaN', input: { limits, maxEni: Number.NaN }, message: /not NaN/ },
    {
      name: 'limits without ENIs',
      input: { limits: { ...limits, maxEnis: 0 } },
      message: /maxEnis must be a positive integer/,
    },
    {
      name: 'limits without IPs',
      input: { limits: { ...limits, ipv4PerEni: 0 } },
      message: /ipv4PerEni must be a positive integer/,
    },
  ];
  for (const { name, input, message } of cases) {
    test(name, () => {
      assert.throws(
        () => calculateMaxPods(input),
        (error: unknown) => {
          assert.ok(error instanceof IpamError);
          assert.equal(error.code, 'INVALID_MAX_PODS_INPUT');
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }
});

describe('parseCniVersion', () => {
  const good: [string, number, number][] = [
    [DEFAULT_CNI_VERSION, 1, 23],
    ['1.9', 1, 9],
    ['v1.12.6', 1, 12],
    ['1.12.6-eksbuild.2', 1, 12],
    [' 1.10.0 ', 1, 10],
  ];
  for (const [text, major, minor] of good)
    test(`'${text}'`, () => assert.deepEqual(parseCniVersion(text), { major, minor }));
  for (const text of ['banana', '1', '1.', '1.x.0', '01.9.0', '1.9.0.1', 'v', '-1.9.0']) {
    test(`rejects '${text}'`, () => assert.throws(() => parseCniVersion(text), /invalid CNI version/));
  }
  const support: [string, boolean][] = [
    ['1.8.9', false],
    ['1.9.0', true],
    ['0.99.0', false],
    ['2.0.0', true],
  ];
  for (const [text, expected] of support) {
    test(`prefix delegation with ${text}: ${expected}`, () =>
      assert.equal(cniSupportsPrefixDelegation(parseCniVersion(text)), expected));
  }
});

describe('eniMaxPods', () => {
  test('matches the eni-max-pods.txt values of max-pods.md', () => {
    const txt: [string, number][] = [
      ['t3.nano', 4],
      ['t2.micro', 4],
      ['t3.medium', 17],
      ['t3.small', 11],
      ['m5.large', 29],
      ['m5.xlarge', 58],
      ['m4.4xlarge', 234],
      ['m5.4xlarge', 234],
      ['c5.9xlarge', 234],
      ['m5.24xlarge', 737],
      ['m5.metal', 737],
      ['c6in.32xlarge', 394],
      ['p5.48xlarge', 100],
    ];
    for (const [type, expected] of txt) assert.equal(eniMaxPods(requireInstanceLimits(type)), expected, type);
  });

  test('equals the calculator with --show-max-allowed and no flags, for every type', () => {
    for (const type of listInstanceTypes()) {
      const limits = requireInstanceLimits(type);
      assert.equal(eniMaxPods(limits), calculateMaxPods({ limits, showMaxAllowed: true }).maxPods, type);
    }
  });
});
