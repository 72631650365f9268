import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCidr } from './cidr.js';
import { addressRange, cidrAssociationRefusal, type CidrRuleSet } from './vpc-cidr-rules.js';

/** [primary, other blocks already in the VPC, candidate, allowed?] — the [behaviour §3.2] association table, row by row. */
const STRICT: readonly (readonly [string, readonly string[], string, boolean])[] = [
  // primary in 10.0.0.0/8
  ['10.0.0.0/16', [], '10.1.0.0/16', true],
  ['10.0.0.0/16', [], '100.64.0.0/16', true],
  ['10.0.0.0/16', [], '100.127.0.0/16', true],
  ['10.0.0.0/16', [], '54.10.0.0/16', true],
  ['10.0.0.0/16', [], '172.16.0.0/16', false],
  ['10.0.0.0/16', [], '172.31.0.0/16', false],
  ['10.0.0.0/16', [], '192.168.0.0/16', false],
  ['10.0.0.0/16', [], '198.19.0.0/16', false],
  ['10.0.0.0/16', [], '169.254.0.0/16', false],
  // "if any block is in 10.0.0.0/15, 10.0.0.0/16 cannot be added"
  ['10.1.0.0/16', [], '10.0.0.0/16', false],
  ['10.1.0.0/16', [], '10.0.64.0/18', false],
  ['10.2.0.0/16', [], '10.0.0.0/16', true],
  ['10.2.0.0/16', ['10.1.0.0/16'], '10.0.0.0/16', false],
  // primary in 172.16.0.0/12
  ['172.16.0.0/16', [], '172.20.0.0/16', true],
  ['172.16.0.0/16', [], '172.31.0.0/16', false],
  ['172.16.0.0/16', [], '172.31.8.0/24', false],
  ['172.16.0.0/16', [], '100.64.0.0/16', true],
  ['172.16.0.0/16', [], '3.5.0.0/16', true],
  ['172.16.0.0/16', [], '10.0.0.0/16', false],
  ['172.16.0.0/16', [], '192.168.0.0/16', false],
  ['172.16.0.0/16', [], '198.19.0.0/16', false],
  // primary in 192.168.0.0/16 (the EKS tutorial's 192.168.0.0/24 + 192.168.1.0/24)
  ['192.168.0.0/24', [], '192.168.1.0/24', true],
  ['192.168.0.0/24', [], '100.64.0.0/16', true],
  ['192.168.0.0/24', [], '10.0.0.0/16', false],
  ['192.168.0.0/24', [], '172.16.0.0/16', false],
  ['192.168.0.0/24', [], '198.19.0.0/16', false],
  // primary in 198.19.0.0/16
  ['198.19.0.0/24', [], '54.0.0.0/16', true],
  ['198.19.0.0/24', [], '100.64.0.0/16', true],
  ['198.19.0.0/24', [], '198.19.1.0/24', false],
  ['198.19.0.0/24', [], '10.0.0.0/16', false],
  // primary in 100.64.0.0/10 or publicly routable
  ['100.64.0.0/16', [], '100.65.0.0/16', true],
  ['100.64.0.0/16', [], '54.0.0.0/16', true],
  ['100.64.0.0/16', [], '10.0.0.0/16', false],
  ['100.64.0.0/16', [], '192.168.0.0/16', false],
  ['100.64.0.0/16', [], '198.19.0.0/16', false],
  ['54.0.0.0/16', [], '100.64.0.0/16', true],
  ['54.0.0.0/16', [], '172.16.0.0/16', false],
  // never: link-local, loopback, multicast, class E, "this network"
  ['54.0.0.0/16', [], '169.254.0.0/16', false],
  ['54.0.0.0/16', [], '127.0.0.0/16', false],
  ['54.0.0.0/16', [], '224.0.0.0/16', false],
  ['54.0.0.0/16', [], '240.0.0.0/16', false],
  ['54.0.0.0/16', [], '0.0.0.0/16', false],
];

function allowed(primary: string, others: readonly string[], candidate: string, rules: CidrRuleSet): boolean {
  const p = parseCidr(primary);
  return cidrAssociationRefusal(p, [p, ...others.map((c) => parseCidr(c))], parseCidr(candidate), rules) === undefined;
}

describe('cidrAssociationRefusal (strict, the documented table)', () => {
  for (const [primary, others, candidate, expected] of STRICT) {
    it(`${primary}${others.length > 0 ? ` + ${others.join(',')}` : ''} ${expected ? 'accepts' : 'refuses'} ${candidate}`, () => {
      assert.equal(allowed(primary, others, candidate, 'strict'), expected);
    });
  }

  it('says why, naming both ranges', () => {
    const reason = cidrAssociationRefusal(parseCidr('10.0.0.0/16'), [], parseCidr('192.168.0.0/16'), 'strict');
    assert.match(reason ?? '', /10\/8.*192\.168\/16/);
  });
});

describe('cidrAssociationRefusal (relaxed)', () => {
  it('lets the RFC 1918 ranges mix', () => {
    assert.equal(allowed('10.0.0.0/16', [], '192.168.0.0/16', 'relaxed'), true);
    assert.equal(allowed('172.16.0.0/16', [], '172.31.0.0/16', 'relaxed'), true);
  });

  it('still refuses the never-allowed ranges', () => {
    assert.equal(allowed('10.0.0.0/16', [], '169.254.0.0/16', 'relaxed'), false);
    assert.equal(allowed('10.0.0.0/16', [], '127.0.0.0/16', 'relaxed'), false);
  });
});

describe('addressRange', () => {
  it('classifies by the block network address', () => {
    const cases: [string, string][] = [
      ['10.255.0.0/16', '10/8'],
      ['172.15.0.0/16', 'public'],
      ['172.16.0.0/16', '172.16/12'],
      ['172.32.0.0/16', 'public'],
      ['100.63.0.0/16', 'public'],
      ['100.64.0.0/16', '100.64/10'],
      ['100.128.0.0/16', 'public'],
      ['198.18.0.0/16', 'public'],
      ['198.19.0.0/16', '198.19/16'],
    ];
    for (const [cidr, range] of cases) assert.equal(addressRange(parseCidr(cidr)), range, cidr);
  });
});
