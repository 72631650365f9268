import { test, describe } from 'node:test';
import * as assert from 'node:assert/strict';
import { editDistance, sizeRank, suggestInstanceTypes } from './suggest.js';

describe('editDistance', () => {
  const cases: [string, string, number][] = [
    ['', '', 0],
    ['', 'abc', 3],
    ['abc', '', 3],
    ['m5.large', 'm5.large', 0],
    ['m5.larg', 'm5.large', 1],
    ['m5.lrage', 'm5.large', 2],
    ['m5.large', 'm6.large', 1],
    ['kitten', 'sitting', 3],
  ];
  for (const [a, b, expected] of cases) {
    test(`'${a}' → '${b}' = ${expected}`, () => {
      assert.equal(editDistance(a, b), expected);
      assert.equal(editDistance(b, a), expected);
    });
  }
});

describe('sizeRank', () => {
  test('orders sizes from nano to metal', () => {
    const ordered = [
      't3.nano',
      't3.micro',
      't3.small',
      't3.medium',
      't3.large',
      't3.xlarge',
      't3.2xlarge',
      'm5.24xlarge',
      'u-6tb1.112xlarge',
      'm5.metal',
      'c7i.metal-24xl',
      'c7i.metal-48xl',
      'x.odd',
    ];
    const ranks = ordered.map(sizeRank);
    assert.deepEqual(
      ranks,
      [...ranks].sort((a, b) => a - b),
    );
    assert.equal(new Set(ranks).size, ranks.length);
  });
});

describe('suggestInstanceTypes', () => {
  const known = [
    'm5.large',
    'm5.xlarge',
    'm5.2xlarge',
    'm5.metal',
    'm5a.large',
    'm5d.large',
    'm6i.large',
    't3.nano',
    't3.micro',
    'c6in.32xlarge',
    'c6in.large',
  ];
  const cases: { input: string; expected: string[] }[] = [
    { input: 'm5.larg', expected: ['m5.large', 'm5a.large', 'm5d.large', 'm5.xlarge'] },
    { input: 'M5.Large', expected: ['m5.large', 'm5a.large', 'm5d.large', 'm5.xlarge', 'm6i.large', 'm5.2xlarge'] },
    { input: 'm5.huge', expected: ['m5.large', 'm5.xlarge', 'm5.2xlarge', 'm5.metal'] },
    { input: 'm5', expected: ['m5.large', 'm5.xlarge', 'm5.2xlarge', 'm5.metal'] },
    { input: 'c6in.32', expected: ['c6in.32xlarge'] },
    { input: 't3.nan', expected: ['t3.nano'] },
    { input: 'zz9.enormous', expected: [] },
    { input: '   ', expected: [] },
  ];
  for (const { input, expected } of cases) {
    test(`'${input}'`, () => assert.deepEqual(suggestInstanceTypes(input, known), expected));
  }

  test('returns at most 10 names', () => {
    const many = Array.from({ length: 30 }, (_, i) => `r9.${i + 1}xlarge`);
    assert.equal(suggestInstanceTypes('r9.huge', many).length, 10);
    assert.equal(suggestInstanceTypes('r9.huge', many)[0], 'r9.1xlarge');
  });
});
