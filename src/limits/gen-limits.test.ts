// Tests of scripts/gen-limits.ts, which turns the shared TSV into instance-limits.json. The script lives outside
// src/ and is compiled beside the tests into build/spec/scripts/.
import { test, describe } from 'node:test';
import * as assert from 'node:assert/strict';
import * as gen from '../../scripts/gen-limits.js';

const HEADER = gen.COLUMNS.join('\t');
const GOOD = [
  'm5.large\t3\t10\t\tnitro\tfalse\t0\t0:3\t9\t2',
  'c6in.32xlarge\t8\t50\t\tnitro\tfalse\t0\t0:8;1:8\t106\t128',
];
const tsv = (...rows: string[]): string => `${[HEADER, ...rows].join('\n')}\n`;

describe('parseLimitsTsv', () => {
  test('parses rows, sorts them by type and maps empty cells to null', () => {
    const rows = gen.parseLimitsTsv(tsv(...GOOD, 'bmn-sf1.metal\t15\t50\t\tunknown\ttrue\t0\t0:15\t\t'));
    assert.deepEqual(
      rows.map(([type]) => type),
      ['bmn-sf1.metal', 'c6in.32xlarge', 'm5.large'],
    );
    assert.deepEqual(rows[0]?.[1], {
      maxEnis: 15,
      ipv4PerEni: 50,
      ipv6PerEni: null,
      hypervisor: 'unknown',
      bareMetal: true,
      defaultNetworkCardIndex: 0,
      networkCards: [[0, 15]],
      branchInterfaces: null,
      vcpus: null,
    });
    assert.deepEqual(rows[1]?.[1]['networkCards'], [
      [0, 8],
      [1, 8],
    ]);
  });

  const bad: { name: string; text: string; message: RegExp }[] = [
    { name: 'renamed column', text: `${HEADER.replace('vcpus', 'cpus')}\n${GOOD[0]}\n`, message: /bad header/ },
    { name: 'no rows', text: `${HEADER}\n`, message: /no rows/ },
    {
      name: 'missing cell',
      text: tsv('m5.large\t3\t10\t\tnitro\tfalse\t0\t0:3\t9'),
      message: /expected 10 cells, got 9/,
    },
    {
      name: 'upper-case type',
      text: tsv('M5.large\t3\t10\t\tnitro\tfalse\t0\t0:3\t9\t2'),
      message: /not an EC2 type name/,
    },
    { name: 'duplicate type', text: tsv(GOOD[0] ?? '', GOOD[0] ?? ''), message: /duplicate instance_type 'm5.large'/ },
    { name: 'leading zero', text: tsv('m5.large\t03\t10\t\tnitro\tfalse\t0\t0:3\t9\t2'), message: /max_enis '03'/ },
    {
      name: 'zero ENIs',
      text: tsv('m5.large\t0\t10\t\tnitro\tfalse\t0\t0:0\t9\t2'),
      message: /max_enis '0' is not an integer >= 1/,
    },
    { name: 'decimal', text: tsv('m5.large\t3\t10.5\t\tnitro\tfalse\t0\t0:3\t9\t2'), message: /ipv4_per_eni '10.5'/ },
    { name: 'empty required', text: tsv('m5.large\t3\t\t\tnitro\tfalse\t0\t0:3\t9\t2'), message: /ipv4_per_eni ''/ },
    { name: 'hypervisor', text: tsv('m5.large\t3\t10\t\tkvm\tfalse\t0\t0:3\t9\t2'), message: /hypervisor 'kvm'/ },
    { name: 'bare_metal', text: tsv('m5.large\t3\t10\t\tnitro\tyes\t0\t0:3\t9\t2'), message: /bare_metal 'yes'/ },
    { name: 'card syntax', text: tsv('m5.large\t3\t10\t\tnitro\tfalse\t0\t0=3\t9\t2'), message: /network_cards '0=3'/ },
    {
      name: 'card order',
      text: tsv('m5.large\t3\t10\t\tnitro\tfalse\t0\t1:3;0:3\t9\t2'),
      message: /increasing index order/,
    },
    {
      name: 'no default card',
      text: tsv('m5.large\t3\t10\t\tnitro\tfalse\t2\t0:3\t9\t2'),
      message: /default network card 2/,
    },
    {
      name: 'card disagrees',
      text: tsv('m5.large\t3\t10\t\tnitro\tfalse\t0\t0:4\t9\t2'),
      message: /differs from the default card's 4/,
    },
    { name: 'zero vcpus', text: tsv('m5.large\t3\t10\t\tnitro\tfalse\t0\t0:3\t9\t0'), message: /vcpus '0'/ },
    { name: 'CRLF', text: tsv('m5.large\t3\t10\t\tnitro\tfalse\t0\t0:3\t9\t2\r'), message: /vcpus '2\r'/ },
  ];
  for (const { name, text, message } of bad) {
    test(`rejects: ${name}`, () => assert.throws(() => gen.parseLimitsTsv(text), message));
  }

  test('reports every bad row with its line number', () => {
    const text = tsv(
      GOOD[0] ?? '',
      'a.b\tx\t10\t\tnitro\tfalse\t0\t0:3\t9\t2',
      'c.d\t3\t10\t\tnitro\tno\t0\t0:3\t9\t2',
    );
    assert.throws(
      () => gen.parseLimitsTsv(text),
      /2 invalid row\(s\):\n {2}line 3: max_enis 'x'.*\n {2}line 4: bare_metal 'no'/s,
    );
  });
});

describe('renderLimitsJson', () => {
  test('is deterministic, one type per line, and valid JSON with a source header', () => {
    const a = gen.renderLimitsJson(gen.parseLimitsTsv(tsv(...GOOD)));
    const b = gen.renderLimitsJson(gen.parseLimitsTsv(tsv(...[...GOOD].reverse())));
    assert.equal(a, b);
    assert.ok(a.endsWith('}\n'));
    assert.match(a, /\n {4}"c6in.32xlarge": \{"maxEnis":8,[^\n]*\},\n {4}"m5.large": \{[^\n]*\}\n/);
    const parsed = JSON.parse(a) as { count: number; source: { origins: unknown[] }; types: Record<string, unknown> };
    assert.equal(parsed.count, 2);
    assert.equal(parsed.source.origins.length, 3);
    assert.deepEqual(Object.keys(parsed.types), ['c6in.32xlarge', 'm5.large']);
    assert.doesNotMatch(a, /20\d\d-\d\d-\d\dT/);
  });
});

describe('diffSummary', () => {
  test('names added, removed and changed types', () => {
    const committed = gen.renderLimitsJson(
      gen.parseLimitsTsv(tsv(GOOD[0] ?? '', 't2.micro\t2\t2\t\txen\tfalse\t0\t0:2\t0\t1')),
    );
    const expected = gen.renderLimitsJson(
      gen.parseLimitsTsv(tsv(GOOD[0]?.replace('\t9\t2', '\t10\t2') ?? '', GOOD[1] ?? '')),
    );
    const summary = gen.diffSummary(committed, expected);
    assert.match(summary, /missing from the JSON \(1\): c6in.32xlarge/);
    assert.match(summary, /not in the TSV \(1\): t2.micro/);
    assert.match(summary, /changed \(1\): m5.large/);
  });

  test('says when only the formatting differs', () => {
    const json = gen.renderLimitsJson(gen.parseLimitsTsv(tsv(...GOOD)));
    assert.match(gen.diffSummary(json.replace('"count"', '"count" '), json), /formatting differs/);
  });
});
