// The Go-template subset behind chart-sync.test.ts renders what Go's text/template and Helm render, and refuses what
// it does not implement.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { renderChart } from './helm-render.js';

const render = (template: string, values: Record<string, unknown> = {}, helpers = ''): string =>
  renderChart({ 'x.yaml': template, '_helpers.tpl': helpers }, { Values: values })['x.yaml'] ?? '';

describe('helm-render', () => {
  const cases: [string, string, Record<string, unknown>, string][] = [
    ['{{- and -}} trim all white space on their side', 'a\n  {{- "b" -}}\n  c', {}, 'abc'],
    ['map ranges go in key order', '{{ range $k, $v := .Values.m }}{{ $k }}={{ $v }};{{ end }}', { m: { b: 2, a: 1 } }, 'a=1;b=2;'],
    ['a non-empty string is true, even "false"', '{{ if .Values.x }}y{{ else }}n{{ end }}', { x: 'false' }, 'y'],
    ['an empty map is false', '{{ if .Values.x }}y{{ else }}n{{ end }}', { x: {} }, 'n'],
    ['a missing key is false', '{{ if .Values.x.y }}y{{ else }}n{{ end }}', { x: {} }, 'n'],
    ['pipelines pass the value last', '{{ .Values.a | default "d" | quote }}', { a: '' }, '"d"'],
    ['printf %s, trunc, trimSuffix', '{{ printf "%s-%s" "ab" "c" | trunc 3 | trimSuffix "-" }}', {}, 'ab'],
    ['with moves the dot, $ stays the root', '{{ with .Values.m }}{{ .k }}{{ $.Values.r }}{{ end }}', { m: { k: 1 }, r: 2 }, '12'],
    ['or, ne and a parenthesised call', '{{ if or .Values.f (ne "a" "b") }}y{{ end }}', { f: false }, 'y'],
  ];
  for (const [name, template, values, expected] of cases) it(name, () => assert.equal(render(template, values), expected));

  it('include, toYaml and nindent give the same YAML as helm', () => {
    const helpers = '{{- define "t" -}}\nk:\n  {{- toYaml .m | nindent 2 }}\n{{- end -}}';
    const text = render('{{ include "t" .Values }}', { m: { list: [1, 2], s: 'x' } }, helpers);
    assert.deepEqual(parse(text), { k: { list: [1, 2], s: 'x' } });
  });

  const refused: [string, string][] = [
    ['an unknown function', '{{ lower "A" }}'],
    ['else if', '{{ if .a }}{{ else if .b }}{{ end }}'],
    ['printf verbs other than %s and %v', '{{ printf "%d" 1 }}'],
    ['an unbalanced end', '{{ if .a }}'],
    ['a missing required value', '{{ required "need it" .Values.x }}'],
    ['an unknown variable', '{{ $nope }}'],
  ];
  for (const [name, template] of refused) it(`refuses ${name}`, () => assert.throws(() => render(template)));
});
