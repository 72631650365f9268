import { test, describe } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  CidrError,
  PREFIX_LENGTH,
  PREFIX_SIZE,
  alignDown,
  blockSize,
  cidrContains,
  cidrSize,
  cidrsOverlap,
  compareCidrs,
  formatCidr,
  formatIpv4,
  isAligned,
  isIpv4,
  lastAddress,
  parseCidr,
  parseIpv4,
  splitCidr,
  subnetGateway,
  subnetReservedAddresses,
  subnetUsableCount,
  type Cidr,
} from './cidr.js';

const cidr = (text: string): Cidr => parseCidr(text);
const ips = (values: readonly number[]): string[] => values.map(formatIpv4);

describe('parseIpv4 / formatIpv4', () => {
  const good: [string, number][] = [
    ['0.0.0.0', 0],
    ['0.0.0.1', 1],
    ['10.0.96.5', 0x0a006005],
    ['169.254.1.1', 0xa9fe0101],
    ['255.255.255.255', 0xffffffff],
  ];
  for (const [text, value] of good) {
    test(`'${text}' ⇄ ${value}`, () => {
      assert.equal(parseIpv4(text), value);
      assert.equal(formatIpv4(value), text);
      assert.equal(isIpv4(text), true);
    });
  }

  const bad: [string, RegExp][] = [
    ['', /expected a\.b\.c\.d/],
    ['10.0.0', /expected a\.b\.c\.d/],
    ['10.0.0.0.0', /expected a\.b\.c\.d/],
    ['10.0.0.', /bad octet ''/],
    ['10..0.1', /bad octet ''/],
    ['010.0.0.1', /bad octet '010'/],
    ['10.0.0.256', /octet 256 > 255/],
    ['10.0.0.1000', /bad octet '1000'/],
    ['10.0.0.-1', /bad octet '-1'/],
    [' 10.0.0.1', /bad octet ' 10'/],
    ['10.0.0.1/32', /bad octet '1\/32'/],
    ['0x0a.0.0.1', /bad octet '0x0a'/],
    ['::1', /expected a\.b\.c\.d/],
  ];
  for (const [text, message] of bad) {
    test(`rejects '${text}'`, () => {
      assert.throws(
        () => parseIpv4(text),
        (error: unknown) => {
          assert.ok(error instanceof CidrError);
          assert.equal(error.code, 'INVALID_CIDR');
          assert.equal(error.cniCode, 7);
          assert.deepEqual(error.details, { input: text });
          assert.match(error.message, message);
          return true;
        },
      );
      assert.equal(isIpv4(text), false);
    });
  }

  for (const value of [-1, 0x100000000, 1.5, Number.NaN]) {
    test(`formatIpv4 rejects ${value}`, () => assert.throws(() => formatIpv4(value), RangeError));
  }
});

describe('parseCidr / formatCidr', () => {
  const good: [string, number, number][] = [
    ['0.0.0.0/0', 0, 0],
    ['10.0.0.0/8', 0x0a000000, 8],
    ['10.0.96.0/19', 0x0a006000, 19],
    ['100.64.0.0/16', 0x64400000, 16],
    ['10.0.0.16/28', 0x0a000010, 28],
    ['10.0.0.5/32', 0x0a000005, 32],
  ];
  for (const [text, network, prefixLength] of good) {
    test(`'${text}'`, () => {
      assert.deepEqual(parseCidr(text), { network, prefixLength });
      assert.equal(formatCidr(parseCidr(text)), text);
    });
  }

  const bad: [string, RegExp][] = [
    ['10.0.0.0', /not a CIDR block/],
    ['10.0.0.0/', /invalid prefix length ''/],
    ['10.0.0.0/33', /invalid prefix length '33'/],
    ['10.0.0.0/08', /invalid prefix length '08'/],
    ['10.0.0.0/-1', /invalid prefix length '-1'/],
    ['10.0.0.0/8/8', /invalid prefix length '8\/8'/],
    ['10.0.0.0/ 8', /invalid prefix length ' 8'/],
    ['10.0.0/8', /not an IPv4 address/],
    ['10.0.0.5/24', /host bits set; the network is 10\.0\.0\.0\/24/],
    ['10.0.0.8/28', /host bits set; the network is 10\.0\.0\.0\/28/],
  ];
  for (const [text, message] of bad) {
    test(`rejects '${text}'`, () =>
      assert.throws(
        () => parseCidr(text),
        (e: unknown) => e instanceof CidrError && message.test(e.message),
      ));
  }

  test('allowHostBits masks the host bits off', () => {
    assert.equal(formatCidr(parseCidr('10.0.0.5/24', { allowHostBits: true })), '10.0.0.0/24');
    assert.equal(formatCidr(parseCidr('10.1.2.3/0', { allowHostBits: true })), '0.0.0.0/0');
    assert.equal(formatCidr(parseCidr('10.0.0.31/28', { allowHostBits: true })), '10.0.0.16/28');
  });
});

describe('sizes and alignment', () => {
  const sizes: [number, number][] = [
    [0, 2 ** 32],
    [16, 65536],
    [19, 8192],
    [28, 16],
    [32, 1],
  ];
  for (const [length, size] of sizes)
    test(`blockSize(/${length}) = ${size}`, () => assert.equal(blockSize(length), size));

  test('the /28 prefix constants agree', () => assert.equal(blockSize(PREFIX_LENGTH), PREFIX_SIZE));

  const align: [string, number, string, boolean][] = [
    ['10.0.0.37', 28, '10.0.0.32', false],
    ['10.0.0.32', 28, '10.0.0.32', true],
    ['10.0.127.255', 19, '10.0.96.0', false],
    ['255.255.255.255', 0, '0.0.0.0', false],
    ['0.0.0.0', 0, '0.0.0.0', true],
    ['10.0.0.7', 32, '10.0.0.7', true],
  ];
  for (const [address, length, down, aligned] of align) {
    test(`${address} on /${length}`, () => {
      assert.equal(formatIpv4(alignDown(parseIpv4(address), length)), down);
      assert.equal(isAligned(parseIpv4(address), length), aligned);
    });
  }

  test('cidrSize and lastAddress', () => {
    assert.equal(cidrSize(cidr('10.0.96.0/19')), 8192);
    assert.equal(formatIpv4(lastAddress(cidr('10.0.96.0/19'))), '10.0.127.255');
    assert.equal(formatIpv4(lastAddress(cidr('0.0.0.0/0'))), '255.255.255.255');
    assert.equal(formatIpv4(lastAddress(cidr('10.0.0.5/32'))), '10.0.0.5');
  });
});

describe('containment and overlap', () => {
  const contains: [string, string, boolean][] = [
    ['10.0.96.0/19', '10.0.127.255', true],
    ['10.0.96.0/19', '10.0.96.0', true],
    ['10.0.96.0/19', '10.0.128.0', false],
    ['10.0.96.0/19', '10.0.95.255', false],
    ['10.0.96.0/19', '10.0.100.0/24', true],
    ['10.0.96.0/19', '10.0.96.0/19', true],
    ['10.0.96.0/19', '10.0.64.0/18', false],
    ['10.0.96.0/19', '10.0.127.240/28', true],
    ['0.0.0.0/0', '255.255.255.255', true],
  ];
  for (const [outer, inner, expected] of contains) {
    test(`${outer} ⊇ ${inner}: ${expected}`, () => {
      const target = inner.includes('/') ? cidr(inner) : parseIpv4(inner);
      assert.equal(cidrContains(cidr(outer), target), expected);
    });
  }

  const overlap: [string, string, boolean][] = [
    ['10.0.0.0/16', '10.0.255.0/24', true],
    ['10.0.0.0/24', '10.0.1.0/24', false],
    ['10.0.0.0/28', '10.0.0.15/32', true],
    ['10.0.0.0/28', '10.0.0.16/28', false],
    ['0.0.0.0/0', '192.168.0.0/16', true],
  ];
  for (const [a, b, expected] of overlap) {
    test(`${a} ∩ ${b}: ${expected}`, () => {
      assert.equal(cidrsOverlap(cidr(a), cidr(b)), expected);
      assert.equal(cidrsOverlap(cidr(b), cidr(a)), expected);
    });
  }
});

describe('AWS subnet addresses', () => {
  const cases: [string, string[], string, number][] = [
    ['10.0.96.0/19', ['10.0.96.0', '10.0.96.1', '10.0.96.2', '10.0.96.3', '10.0.127.255'], '10.0.96.1', 8187],
    ['10.0.0.16/28', ['10.0.0.16', '10.0.0.17', '10.0.0.18', '10.0.0.19', '10.0.0.31'], '10.0.0.17', 11],
    ['172.31.0.0/16', ['172.31.0.0', '172.31.0.1', '172.31.0.2', '172.31.0.3', '172.31.255.255'], '172.31.0.1', 65531],
  ];
  for (const [subnet, reserved, gateway, usable] of cases) {
    test(subnet, () => {
      assert.deepEqual(ips(subnetReservedAddresses(cidr(subnet))), reserved);
      assert.equal(formatIpv4(subnetGateway(cidr(subnet))), gateway);
      assert.equal(subnetUsableCount(cidr(subnet)), usable);
    });
  }
  for (const small of ['10.0.0.0/29', '10.0.0.0/32']) {
    test(`rejects ${small} as a subnet`, () => assert.throws(() => subnetReservedAddresses(cidr(small)), CidrError));
  }
});

describe('splitCidr', () => {
  test('100.64.0.0/16 into /19 blocks', () => {
    assert.deepEqual(splitCidr(cidr('100.64.0.0/16'), 19).map(formatCidr), [
      '100.64.0.0/19',
      '100.64.32.0/19',
      '100.64.64.0/19',
      '100.64.96.0/19',
      '100.64.128.0/19',
      '100.64.160.0/19',
      '100.64.192.0/19',
      '100.64.224.0/19',
    ]);
  });
  test('a /26 into /28 prefixes, and into itself', () => {
    assert.deepEqual(splitCidr(cidr('10.0.0.64/26'), 28).map(formatCidr), [
      '10.0.0.64/28',
      '10.0.0.80/28',
      '10.0.0.96/28',
      '10.0.0.112/28',
    ]);
    assert.deepEqual(splitCidr(cidr('10.0.0.64/26'), 26).map(formatCidr), ['10.0.0.64/26']);
  });
  test('the top of the address space', () => {
    assert.deepEqual(splitCidr(cidr('255.255.255.252/30'), 32).map(formatCidr).at(-1), '255.255.255.255/32');
  });
  test('up to 65536 blocks', () => assert.equal(splitCidr(cidr('10.0.0.0/8'), 24).length, 65536));

  const bad: [string, number, RegExp][] = [
    ['10.0.0.0/24', 23, /cannot split 10\.0\.0\.0\/24 into \/23/],
    ['10.0.0.0/24', 33, /cannot split/],
    ['10.0.0.0/24', 25.5, /cannot split/],
    ['10.0.0.0/8', 25, /gives 131072 blocks \(limit 65536\)/],
  ];
  for (const [block, length, message] of bad) {
    test(`rejects ${block} into /${length}`, () => assert.throws(() => splitCidr(cidr(block), length), message));
  }
});

test('compareCidrs orders by network, then larger blocks first', () => {
  const sorted = ['10.0.1.0/24', '10.0.0.0/28', '10.0.0.0/16', '9.255.255.255/32', '10.0.0.0/24']
    .map(cidr)
    .sort(compareCidrs);
  assert.deepEqual(sorted.map(formatCidr), [
    '9.255.255.255/32',
    '10.0.0.0/16',
    '10.0.0.0/24',
    '10.0.0.0/28',
    '10.0.1.0/24',
  ]);
});
