import { test, describe } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  getInstanceLimits,
  isNitroOrBareMetal,
  listInstanceTypes,
  requireInstanceLimits,
  LIMITS_SOURCE,
  type InstanceLimits,
} from './index.js';
import { IpamError } from '../ipam/errors.js';
import { parseLimitsTsv, renderLimitsJson } from '../../scripts/gen-limits.js';

/** The directory holding package.json, found by walking up from this compiled file (build/spec/src/limits/). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above the test file');
    dir = parent;
  }
  return dir;
}

const ROOT = repoRoot();
const TSV = join(ROOT, '..', 'shared', 'data', 'instance-network-limits.tsv');
const JSON_FILE = join(ROOT, 'src', 'limits', 'instance-limits.json');

describe('instance-limits.json against the shared TSV', () => {
  test('is exactly what scripts/gen-limits.ts makes of the TSV', (t) => {
    if (!existsSync(TSV)) return t.skip(`${TSV} is absent`);
    const expected = renderLimitsJson(parseLimitsTsv(readFileSync(TSV, 'utf8')));
    assert.ok(readFileSync(JSON_FILE, 'utf8') === expected, 'instance-limits.json is stale: run npm run gen:limits');
  });

  test('every TSV row reads back identically through the lookup API', (t) => {
    if (!existsSync(TSV)) return t.skip(`${TSV} is absent`);
    const [, ...lines] = readFileSync(TSV, 'utf8').trimEnd().split('\n');
    const opt = (cell: string | undefined): number | null => (cell === '' || cell === undefined ? null : Number(cell));
    for (const line of lines) {
      const [type = '', enis, ipv4, ipv6, hypervisor, bare, card, cards = '', branch, vcpus] = line.split('\t');
      const expected: InstanceLimits = {
        instanceType: type,
        maxEnis: Number(enis),
        ipv4PerEni: Number(ipv4),
        ipv6PerEni: opt(ipv6),
        hypervisor: hypervisor as InstanceLimits['hypervisor'],
        bareMetal: bare === 'true',
        defaultNetworkCardIndex: Number(card),
        networkCards: cards
          .split(';')
          .map((pair) => ({ index: Number(pair.split(':')[0]), maxEnis: Number(pair.split(':')[1]) })),
        branchInterfaces: opt(branch),
        vcpus: opt(vcpus),
      };
      assert.deepEqual(getInstanceLimits(type), expected, type);
    }
    assert.equal(listInstanceTypes().length, lines.length);
  });
});

describe('getInstanceLimits', () => {
  const cases: { type: string; expect: Partial<InstanceLimits> }[] = [
    {
      type: 'm5.large',
      expect: { maxEnis: 3, ipv4PerEni: 10, hypervisor: 'nitro', bareMetal: false, vcpus: 2, branchInterfaces: 9 },
    },
    {
      type: 'c6in.32xlarge',
      expect: {
        maxEnis: 8,
        ipv4PerEni: 50,
        networkCards: [
          { index: 0, maxEnis: 8 },
          { index: 1, maxEnis: 8 },
        ],
        vcpus: 128,
      },
    },
    { type: 't2.micro', expect: { maxEnis: 2, ipv4PerEni: 2, hypervisor: 'xen', vcpus: 1, branchInterfaces: 0 } },
    { type: 'm5.metal', expect: { maxEnis: 15, ipv4PerEni: 50, hypervisor: 'unknown', bareMetal: true, vcpus: 96 } },
    { type: 'c7g.metal', expect: { hypervisor: 'nitro', bareMetal: true } },
    { type: 'bmn-sf1.metal', expect: { vcpus: null, branchInterfaces: null, ipv6PerEni: null } },
  ];
  for (const { type, expect } of cases) {
    test(type, () => {
      const limits = getInstanceLimits(type);
      assert.ok(limits !== undefined);
      assert.equal(limits.instanceType, type);
      for (const [key, value] of Object.entries(expect))
        assert.deepEqual(limits[key as keyof InstanceLimits], value, key);
    });
  }

  test('p5.48xlarge has 32 cards of 2 ENIs and counts card 0 only', () => {
    const limits = requireInstanceLimits('p5.48xlarge');
    assert.equal(limits.networkCards.length, 32);
    assert.ok(limits.networkCards.every((card, i) => card.index === i && card.maxEnis === 2));
    assert.equal(limits.maxEnis, 2);
  });

  test('names are exact: other cases and blanks are unknown', () => {
    for (const name of ['M5.LARGE', ' m5.large', 'm5.large ', '', 'm5'])
      assert.equal(getInstanceLimits(name), undefined, name);
  });

  test('returns frozen objects', () => {
    const limits = requireInstanceLimits('m5.large');
    assert.ok(Object.isFrozen(limits) && Object.isFrozen(limits.networkCards));
  });
});

describe('listInstanceTypes', () => {
  test('is sorted, unique and holds every type of the table', () => {
    const types = listInstanceTypes();
    assert.equal(types.length, 1391);
    assert.deepEqual([...types], [...new Set(types)].sort());
    assert.equal(types[0], 'a1.2xlarge');
  });

  test('every type satisfies the invariants the formulas rely on', () => {
    for (const type of listInstanceTypes()) {
      const l = requireInstanceLimits(type);
      const card = l.networkCards.find((c) => c.index === l.defaultNetworkCardIndex);
      assert.ok(l.maxEnis >= 1 && l.ipv4PerEni >= 1, type);
      assert.equal(card?.maxEnis, l.maxEnis, type);
    }
  });
});

describe('requireInstanceLimits', () => {
  const cases: { input: string; first?: string; includes?: string[]; none?: true }[] = [
    { input: 'm5.larg', first: 'm5.large' },
    { input: 'M5.LARGE', first: 'm5.large' },
    { input: 'm5.lrage', first: 'm5.large' },
    { input: 'c6in.32', first: 'c6in.32xlarge' },
    { input: 'm5.huge', first: 'm5.large', includes: ['m5.xlarge', 'm5.24xlarge'] },
    { input: 'm5', first: 'm5.large', includes: ['m5.metal'] },
    { input: 'qqqqqqqqqq.zzzzzz', none: true },
  ];
  for (const { input, first, includes, none } of cases) {
    test(`'${input}'`, () => {
      assert.throws(
        () => requireInstanceLimits(input),
        (error: unknown) => {
          assert.ok(error instanceof IpamError);
          assert.equal(error.code, 'UNKNOWN_INSTANCE_TYPE');
          const suggestions = error.details['suggestions'] as string[];
          assert.ok(error.message.includes(`'${input}'`));
          if (none === true) assert.deepEqual(suggestions, []);
          if (first !== undefined) {
            assert.equal(suggestions[0], first);
            assert.ok(error.message.includes(`did you mean ${first}`), error.message);
          }
          for (const name of includes ?? [])
            assert.ok(suggestions.includes(name), `${name} in ${suggestions.join(',')}`);
          return true;
        },
      );
    });
  }
});

describe('isNitroOrBareMetal', () => {
  const cases = [
    { type: 'm5.large', expected: true },
    { type: 'm5.metal', expected: true },
    { type: 'c7g.metal', expected: true },
    { type: 't2.micro', expected: false },
    { type: 'cr1.8xlarge', expected: false },
  ];
  for (const { type, expected } of cases) {
    test(type, () => assert.equal(isNitroOrBareMetal(requireInstanceLimits(type)), expected));
  }
});

test('LIMITS_SOURCE names the three upstream sources', () => {
  assert.deepEqual(
    LIMITS_SOURCE.origins.map((origin) => origin.repository),
    ['aws/amazon-vpc-cni-k8s', 'aws/amazon-vpc-resource-controller-k8s', 'kubernetes/autoscaler'],
  );
});
