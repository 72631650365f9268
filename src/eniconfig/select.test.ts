// [behaviour §4.3] selection order, table-driven: external label > annotation > label > "default"; custom keys; empty
// keys and empty values fall back.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { describeChoice, selectEniConfigName, type EniConfigChoice, type EniConfigKeys } from './select.js';
import { eniConfigNameFor } from './eni-config-source.js';

const EXTERNAL = 'vpc.amazonaws.com/externalEniConfig';
const DEFAULT_KEY = 'k8s.amazonaws.com/eniConfig';
const ZONE = 'topology.kubernetes.io/zone';

interface Case {
  readonly name: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly keys?: EniConfigKeys;
  readonly want: EniConfigChoice;
}

const CASES: readonly Case[] = [
  { name: 'nothing set → default', want: { name: 'default', source: 'default' } },
  {
    name: 'default annotation key',
    annotations: { [DEFAULT_KEY]: 'a' },
    want: { name: 'a', source: 'annotation', key: DEFAULT_KEY },
  },
  { name: 'default label key', labels: { [DEFAULT_KEY]: 'l' }, want: { name: 'l', source: 'label', key: DEFAULT_KEY } },
  {
    name: 'annotation beats label',
    labels: { [DEFAULT_KEY]: 'l' },
    annotations: { [DEFAULT_KEY]: 'a' },
    want: { name: 'a', source: 'annotation', key: DEFAULT_KEY },
  },
  {
    name: 'external label beats everything',
    labels: { [EXTERNAL]: 'x', [DEFAULT_KEY]: 'l' },
    annotations: { [DEFAULT_KEY]: 'a' },
    want: { name: 'x', source: 'external-label', key: EXTERNAL },
  },
  {
    name: 'custom label key (zone)',
    labels: { [ZONE]: 'us-west-2a', [DEFAULT_KEY]: 'ignored' },
    keys: { labelKey: ZONE },
    want: { name: 'us-west-2a', source: 'label', key: ZONE },
  },
  {
    name: 'custom annotation key; the default key is then not read',
    annotations: { [DEFAULT_KEY]: 'ignored', 'example.com/eni': 'custom' },
    keys: { annotationKey: 'example.com/eni' },
    want: { name: 'custom', source: 'annotation', key: 'example.com/eni' },
  },
  {
    name: 'custom annotation key absent → label of the custom label key',
    labels: { [ZONE]: 'us-west-2b' },
    annotations: { [DEFAULT_KEY]: 'not-this' },
    keys: { annotationKey: 'example.com/eni', labelKey: ZONE },
    want: { name: 'us-west-2b', source: 'label', key: ZONE },
  },
  {
    name: 'empty keys fall back to the defaults',
    labels: { [DEFAULT_KEY]: 'l' },
    keys: { annotationKey: '', labelKey: '' },
    want: { name: 'l', source: 'label', key: DEFAULT_KEY },
  },
  {
    name: 'empty external label value is ignored',
    labels: { [EXTERNAL]: '' },
    annotations: { [DEFAULT_KEY]: 'a' },
    want: { name: 'a', source: 'annotation', key: DEFAULT_KEY },
  },
  {
    name: 'empty annotation value falls through to the label',
    labels: { [DEFAULT_KEY]: 'l' },
    annotations: { [DEFAULT_KEY]: '' },
    want: { name: 'l', source: 'label', key: DEFAULT_KEY },
  },
  {
    name: 'empty label value → default',
    labels: { [ZONE]: '' },
    keys: { labelKey: ZONE },
    want: { name: 'default', source: 'default' },
  },
  {
    name: 'inherited object keys are not labels',
    labels: {},
    keys: { labelKey: 'constructor' },
    want: { name: 'default', source: 'default' },
  },
];

describe('selectEniConfigName [behaviour §4.3]', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const node = { labels: c.labels ?? {}, annotations: c.annotations ?? {} };
      assert.deepEqual(selectEniConfigName(node, c.keys ?? {}), c.want);
      assert.equal(eniConfigNameFor(node, c.keys ?? {}), c.want.name);
    });
  }

  it('describes why a name was chosen', () => {
    assert.equal(describeChoice({ name: 'a', source: 'label', key: ZONE }), `ENIConfig 'a' (node label ${ZONE})`);
    assert.match(
      describeChoice({ name: 'a', source: 'annotation', key: DEFAULT_KEY }),
      /node annotation k8s\.amazonaws\.com\/eniConfig/,
    );
    assert.match(describeChoice({ name: 'default', source: 'default' }), /no ENIConfig label or annotation/);
  });
});
