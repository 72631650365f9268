import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatBindAddress,
  formatConnmark,
  formatLogDestination,
  parseBindAddress,
  parseConnmark,
  parseEniTags,
  parseLogDestination,
} from './formats.js';
import { parseBase10Int, parseChoice, parseGoBool, showValue } from './parsers.js';

describe('parseGoBool (strconv.ParseBool)', () => {
  const cases: readonly (readonly [string, boolean | undefined])[] = [
    ...['1', 't', 'T', 'TRUE', 'true', 'True'].map((s) => [s, true] as const),
    ...['0', 'f', 'F', 'FALSE', 'false', 'False'].map((s) => [s, false] as const),
    ...[
      '',
      'yes',
      'no',
      'on',
      'off',
      'y',
      'n',
      'TrUe',
      'tRUE',
      'fALSE',
      ' true',
      'true ',
      'true\n',
      '2',
      '-1',
      '01',
      'ｔrue',
    ].map((s) => [s, undefined] as const),
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${String(expected)}`, () => assert.equal(parseGoBool(input), expected));
  }
});

describe('parseBase10Int (strconv.Atoi, safe integers)', () => {
  const cases: readonly (readonly [string, number | undefined])[] = [
    ['0', 0],
    ['42', 42],
    ['+42', 42],
    ['-42', -42],
    ['007', 7],
    ['-0', 0],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
    ['9007199254740992', undefined],
    ['', undefined],
    ['+', undefined],
    ['1.0', undefined],
    ['1e3', undefined],
    ['0x10', undefined],
    [' 1', undefined],
    ['1 ', undefined],
    ['1_000', undefined],
    ['١٢', undefined],
    ['Infinity', undefined],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${String(expected)}`, () => assert.equal(parseBase10Int(input), expected));
  }
  it('never returns negative zero', () => assert.ok(Object.is(parseBase10Int('-0'), 0)));
});

describe('parseChoice', () => {
  it('is exact unless told to ignore case, and returns the canonical spelling', () => {
    assert.deepEqual(parseChoice(['prng', 'none'], 'PRNG'), { ok: false, expected: 'expected one of prng, none' });
    assert.deepEqual(parseChoice(['debug', 'info'], 'INFO', true), { ok: true, value: 'info' });
  });
});

describe('showValue', () => {
  const cases: readonly (readonly [string, string])[] = [
    ['-1', "'-1'"],
    ['', "''"],
    ['a\nb\tc', "'a\\u000ab\\u0009c'"],
    ['zero\u200bwidth', "'zero\\u200bwidth'"],
    ['lone\ud800', "'lone\\ud800'"],
    ['🙂 ok', "'🙂 ok'"],
    ['x'.repeat(81), `'${'x'.repeat(80)}…(81 characters)'`],
    ['🙂'.repeat(100), `'${'🙂'.repeat(80)}…(100 characters)'`],
  ];
  for (const [input, expected] of cases) {
    it(`renders ${JSON.stringify(input.slice(0, 12))}`, () => assert.equal(showValue(input), expected));
  }
  it('keeps a million-character value short', () => assert.ok(showValue('a'.repeat(1_000_000)).length < 120));
});

describe('formats round-trip through their text form', () => {
  const bind = ['127.0.0.1:61679', ':8080', '[::1]:61679', '[fe80::1]:1', 'node-1.local:443', 'unix:/run/x.sock'];
  for (const text of bind) {
    it(`bind address ${text}`, () => {
      const parsed = parseBindAddress(text);
      assert.ok(parsed.ok);
      assert.equal(formatBindAddress(parsed.value), text);
    });
  }
  for (const text of ['0x80', '0x1', '0xffffffff']) {
    it(`connmark ${text}`, () => {
      const parsed = parseConnmark(text);
      assert.ok(parsed.ok);
      assert.equal(formatConnmark(parsed.value), text);
    });
  }
  for (const text of ['stdout', 'stderr', '/var/log/x.log']) {
    it(`log destination ${text}`, () => {
      const parsed = parseLogDestination(text, true);
      assert.ok(parsed.ok);
      assert.equal(formatLogDestination(parsed.value), text);
    });
  }
});

describe('parseEniTags', () => {
  it('keeps __proto__ and constructor as plain own keys without touching any prototype', () => {
    const parsed = parseEniTags('{"__proto__":"p","constructor":"c","toString":"t"}');
    assert.ok(parsed.ok);
    const { tags } = parsed.value;
    assert.equal(Object.getPrototypeOf(tags), Object.prototype);
    assert.deepEqual(Object.keys(tags), ['__proto__', 'constructor', 'toString']);
    assert.equal(Object.getOwnPropertyDescriptor(tags, '__proto__')?.value, 'p');
    assert.equal(({} as Record<string, unknown>)['p'], undefined);
  });
  it('rejects a nested __proto__ object instead of merging it', () => {
    assert.equal(parseEniTags('{"__proto__":{"polluted":"yes"}}').ok, false);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });
  it('drops keys containing k8s.amazonaws.com (case-sensitive, as the reference)', () => {
    const parsed = parseEniTags('{"node.k8s.amazonaws.com/x":"1","K8S.AMAZONAWS.COM":"2","team":"a"}');
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.value, {
      tags: { 'K8S.AMAZONAWS.COM': '2', team: 'a' },
      dropped: ['node.k8s.amazonaws.com/x'],
    });
  });
  const limits: readonly (readonly [string, boolean])[] = [
    [JSON.stringify({ ['k'.repeat(128)]: 'v'.repeat(256) }), true],
    [JSON.stringify({ ['k'.repeat(129)]: 'v' }), false],
    [JSON.stringify({ k: 'v'.repeat(257) }), false],
    [JSON.stringify({ '': 'v' }), false],
    [JSON.stringify({ 'AWS:team': 'v' }), false],
  ];
  for (const [input, accepted] of limits) {
    it(`${accepted ? 'accepts' : 'rejects'} ${input.slice(0, 30)}…`, () =>
      assert.equal(parseEniTags(input).ok, accepted));
  }
});
