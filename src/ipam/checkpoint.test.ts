import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  msToNs,
  nsToMs,
  parseCheckpoint,
  serializeCheckpoint,
  type CheckpointData,
  type CheckpointEntry,
} from './checkpoint.js';
import { assertIpamError } from './datastore-fixtures.test-util.js';
import type { IpamErrorCode } from './errors.js';

const entry = (containerID: string, ipv4: string, extra: Partial<CheckpointEntry> = {}): CheckpointEntry => ({
  networkName: 'aws-cni',
  containerID,
  ifName: 'eth0',
  ipv4,
  allocationTimestamp: 1714560000123456789n,
  ...extra,
});

/** Rows as the reference (Go encoding/json) writes them: Go struct field order, nanosecond timestamps. */
const REFERENCE_ROWS = [
  '{"networkName":"aws-cni","containerID":"3f2a9c","ifName":"eth0","ipv4":"10.0.97.30",' +
    '"allocationTimestamp":1714560000123456789,"metadata":{"k8sPodNamespace":"default","k8sPodName":"web-1","interfacesCount":1}}',
  '{"networkName":"_migrated-from-cri","containerID":"0d1e2f","ifName":"unknown","ipv4":"10.0.97.2",' +
    '"allocationTimestamp":1600000000000000000,"metadata":{}}',
  '{"networkName":"aws-cni","containerID":"77aa","ifName":"eth0","ipv6":"2600:1f14:abcd:1200::5",' +
    '"allocationTimestamp":1714560000999999999,"metadata":{"k8sPodNamespace":"kube-system","k8sPodName":"coredns-0"}}',
];
const referenceFile = (rows: readonly string[]) => `{"version":"vpc-cni-ipam/1","allocations":[${rows.join(',')}]}\n`;
const REFERENCE_FILE = referenceFile(REFERENCE_ROWS);

describe('serializeCheckpoint ([behaviour §8] format)', () => {
  it('[behaviour §8] writes the reference format exactly: one line, Go field order, addresses in order, metadata always present', () => {
    const data: CheckpointData = {
      version: 'vpc-cni-ipam/1',
      allocations: [
        entry('c2', '10.0.0.10', { metadata: { k8sPodNamespace: 'default', k8sPodName: 'web-2', interfacesCount: 2 } }),
        entry('c1', '10.0.0.9', { allocationTimestamp: 0n }),
        entry('c3', '', { ipv6: '2600::1', metadata: { k8sPodNamespace: '', k8sPodName: 'p', interfacesCount: 0 } }),
      ],
    };
    assert.equal(
      serializeCheckpoint(data),
      '{"version":"vpc-cni-ipam/1","allocations":[' +
        '{"networkName":"aws-cni","containerID":"c1","ifName":"eth0","ipv4":"10.0.0.9","allocationTimestamp":0,"metadata":{}},' +
        '{"networkName":"aws-cni","containerID":"c2","ifName":"eth0","ipv4":"10.0.0.10","allocationTimestamp":1714560000123456789,' +
        '"metadata":{"k8sPodNamespace":"default","k8sPodName":"web-2","interfacesCount":2}},' +
        '{"networkName":"aws-cni","containerID":"c3","ifName":"eth0","ipv6":"2600::1","allocationTimestamp":1714560000123456789,' +
        '"metadata":{"k8sPodName":"p"}}]}\n',
    );
  });

  it('[behaviour §8] an empty checkpoint has allocations [] (never null)', () => {
    assert.equal(
      serializeCheckpoint({ version: 'vpc-cni-ipam/1', allocations: [] }),
      '{"version":"vpc-cni-ipam/1","allocations":[]}\n',
    );
  });

  it('[behaviour §8] escapes strings as Go does (<, >, & as \\u escapes)', () => {
    const text = serializeCheckpoint({ version: 'vpc-cni-ipam/1', allocations: [entry('a<b>&"c', '10.0.0.1')] });
    assert.match(text, /"containerID":"a\\u003cb\\u003e\\u0026\\"c"/);
    assert.equal(parseCheckpoint(text).allocations[0]?.containerID, 'a<b>&"c');
  });

  it('[behaviour §8] re-serializing a reference file reproduces it byte for byte, rows ordered by address', () => {
    const [web, migrated, ipv6] = REFERENCE_ROWS;
    assert.equal(
      serializeCheckpoint(parseCheckpoint(REFERENCE_FILE)),
      referenceFile([migrated ?? '', web ?? '', ipv6 ?? '']),
    );
  });
});

describe('parseCheckpoint ([behaviour §8] restore step 1)', () => {
  it('[behaviour §8] reads a reference file with nanosecond timestamps, CRI-migrated keys and an IPv6 entry', () => {
    const data = parseCheckpoint(REFERENCE_FILE);
    assert.equal(data.version, 'vpc-cni-ipam/1');
    assert.deepEqual(data.allocations, [
      {
        networkName: 'aws-cni',
        containerID: '3f2a9c',
        ifName: 'eth0',
        ipv4: '10.0.97.30',
        allocationTimestamp: 1714560000123456789n,
        metadata: { k8sPodNamespace: 'default', k8sPodName: 'web-1', interfacesCount: 1 },
      },
      {
        networkName: '_migrated-from-cri',
        containerID: '0d1e2f',
        ifName: 'unknown',
        ipv4: '10.0.97.2',
        allocationTimestamp: 1600000000000000000n,
        metadata: {},
      },
      {
        networkName: 'aws-cni',
        containerID: '77aa',
        ifName: 'eth0',
        ipv6: '2600:1f14:abcd:1200::5',
        allocationTimestamp: 1714560000999999999n,
        metadata: { k8sPodNamespace: 'kube-system', k8sPodName: 'coredns-0' },
      },
    ]);
  });

  it('[behaviour §8] accepts pretty-printed JSON, missing metadata and unknown fields', () => {
    const text = JSON.stringify(
      {
        version: 'vpc-cni-ipam/1',
        extra: 1,
        allocations: [
          { networkName: 'n', containerID: 'c', ifName: 'i', ipv4: '10.0.0.1', allocationTimestamp: 5, future: true },
        ],
      },
      null,
      2,
    );
    assert.deepEqual(parseCheckpoint(text).allocations, [
      { networkName: 'n', containerID: 'c', ifName: 'i', ipv4: '10.0.0.1', allocationTimestamp: 5n },
    ]);
  });

  it('[behaviour §8] nanoseconds convert to milliseconds exactly (rounding down) and back', () => {
    assert.equal(nsToMs(1714560000123456789n), 1714560000123);
    assert.equal(nsToMs(1714560000123999999n), 1714560000123);
    assert.equal(msToNs(1714560000123), 1714560000123000000n);
    assert.equal(msToNs(1714560000123.75), 1714560000123000000n);
  });

  const file = (allocations: string) => `{"version":"vpc-cni-ipam/1","allocations":${allocations}}`;
  const row = (fields: string) => `{"networkName":"aws-cni","containerID":"c","ifName":"eth0",${fields}}`;
  const good = row('"ipv4":"10.0.0.1","allocationTimestamp":1');
  const bad: { name: string; text: string; code: IpamErrorCode; message: RegExp }[] = [
    { name: 'empty file', text: '', code: 'CHECKPOINT_INVALID', message: /the file is empty/ },
    { name: 'blank file', text: ' \n', code: 'CHECKPOINT_INVALID', message: /the file is empty/ },
    { name: 'malformed JSON', text: '{"version":"vpc-cni-ipam/1",', code: 'CHECKPOINT_INVALID', message: /not JSON/ },
    { name: 'a JSON array', text: '[]', code: 'CHECKPOINT_INVALID', message: /expected a JSON object, got an array/ },
    {
      name: 'wrong version',
      text: '{"version":"vpc-cni-ipam/2","allocations":[]}',
      code: 'CHECKPOINT_VERSION',
      message: /'vpc-cni-ipam\/2' is not supported/,
    },
    { name: 'missing version', text: '{"allocations":[]}', code: 'CHECKPOINT_INVALID', message: /version: missing/ },
    {
      name: 'allocations null',
      text: file('null'),
      code: 'CHECKPOINT_INVALID',
      message: /^invalid checkpoint: allocations: expected an array, got null$/,
    },
    {
      name: 'allocations missing',
      text: '{"version":"vpc-cni-ipam/1"}',
      code: 'CHECKPOINT_INVALID',
      message: /allocations: missing/,
    },
    {
      name: 'missing containerID (index named)',
      text: file(
        `[${good},${good},${good},{"networkName":"aws-cni","ifName":"eth0","ipv4":"10.0.0.4","allocationTimestamp":1}]`,
      ),
      code: 'CHECKPOINT_INVALID',
      message: /^invalid checkpoint: allocations\[3\]\.containerID: missing$/,
    },
    {
      name: 'empty ifName',
      text: file(`[{"networkName":"aws-cni","containerID":"c","ifName":"","ipv4":"10.0.0.1","allocationTimestamp":1}]`),
      code: 'CHECKPOINT_INVALID',
      message: /allocations\[0\]\.ifName: must not be empty/,
    },
    {
      name: 'ipv4 not an IP',
      text: file(`[${row('"ipv4":"10.0.0.x","allocationTimestamp":1')}]`),
      code: 'CHECKPOINT_INVALID',
      message: /allocations\[0\]\.ipv4: '10\.0\.0\.x' is not an IPv4 address/,
    },
    {
      name: 'ipv6 not an IP',
      text: file(`[${row('"ipv6":"2600::1::2","allocationTimestamp":1')}]`),
      code: 'CHECKPOINT_INVALID',
      message: /allocations\[0\]\.ipv6: '2600::1::2' is not an IPv6 address/,
    },
    {
      name: 'no address at all',
      text: file(`[${row('"allocationTimestamp":1')}]`),
      code: 'CHECKPOINT_INVALID',
      message: /allocations\[0\]: has neither ipv4 nor ipv6/,
    },
    {
      name: 'negative timestamp',
      text: file(`[${row('"ipv4":"10.0.0.1","allocationTimestamp":-5')}]`),
      code: 'CHECKPOINT_INVALID',
      message: /allocationTimestamp: '-5' is not a non-negative integer/,
    },
    {
      name: 'fractional timestamp',
      text: file(`[${row('"ipv4":"10.0.0.1","allocationTimestamp":1.5')}]`),
      code: 'CHECKPOINT_INVALID',
      message: /allocationTimestamp: '1\.5' is not/,
    },
    {
      name: 'exponent timestamp',
      text: file(`[${row('"ipv4":"10.0.0.1","allocationTimestamp":1e18')}]`),
      code: 'CHECKPOINT_INVALID',
      message: /allocationTimestamp: '1e18' is not/,
    },
    {
      name: 'string timestamp',
      text: file(`[${row('"ipv4":"10.0.0.1","allocationTimestamp":"17"')}]`),
      code: 'CHECKPOINT_INVALID',
      message: /allocationTimestamp: expected .*got the string '17'/,
    },
    {
      name: 'missing timestamp',
      text: file(`[${row('"ipv4":"10.0.0.1"')}]`),
      code: 'CHECKPOINT_INVALID',
      message: /allocations\[0\]\.allocationTimestamp: missing/,
    },
    {
      name: 'negative interfacesCount',
      text: file(`[${row('"ipv4":"10.0.0.1","allocationTimestamp":1,"metadata":{"interfacesCount":-1}')}]`),
      code: 'CHECKPOINT_INVALID',
      message: /metadata\.interfacesCount: must not be negative/,
    },
    {
      name: 'metadata not an object',
      text: file(`[${row('"ipv4":"10.0.0.1","allocationTimestamp":1,"metadata":"x"')}]`),
      code: 'CHECKPOINT_INVALID',
      message: /allocations\[0\]\.metadata: expected an object, got the string 'x'/,
    },
  ];
  for (const { name, text, code, message } of bad) {
    it(`[behaviour §8] rejects ${name} with ${code}`, () => {
      assertIpamError(() => parseCheckpoint(text), code, message);
    });
  }

  it('[behaviour §8] a field name inside a string value is not mistaken for a timestamp', () => {
    const text = file(
      `[${row('"ipv4":"10.0.0.1","allocationTimestamp":7,"metadata":{"k8sPodName":"\\"allocationTimestamp\\":12"}')}]`,
    );
    const [only] = parseCheckpoint(text).allocations;
    assert.equal(only?.allocationTimestamp, 7n);
    assert.equal(only?.metadata?.k8sPodName, '"allocationTimestamp":12');
  });
});
