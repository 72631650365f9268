// Fuzz: ENIConfig documents (src/eniconfig/). Mutated YAML and JSON — multi-document files, Lists, fields dropped
// or retyped, hostile names, anchors and aliases, broken syntax — must yield, per document, either a valid
// ENIConfig or problems naming the field at fault (never a throw); the catalogue must then select nothing partial:
// a name whose definition is invalid or duplicated throws EniConfigError on lookup, a valid one returns exactly its
// checked config. Node files (labels/annotations for selection) give NodeInfo or NODE_INFO_INVALID.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { collectEniConfigs, parseEniConfigText } from '../../src/eniconfig/documents.js';
import { EniConfigError } from '../../src/eniconfig/errors.js';
import { parseNodeInfoText } from '../../src/eniconfig/node-file.js';
import { selectEniConfigName } from '../../src/eniconfig/select.js';
import type { CheckedEniConfig } from '../../src/eniconfig/validate-object.js';
import { mutateJson, mutateText, randomString, type Json } from './mutate.js';
import { fuzzCases, runCases, type Rng } from './prng.js';

const ENICONFIG = (name: string, subnet: string, groups?: string[]): Json => ({
  apiVersion: 'crd.k8s.amazonaws.com/v1alpha1',
  kind: 'ENIConfig',
  metadata: { name },
  spec: { subnet, ...(groups === undefined ? {} : { securityGroups: groups }) },
});

const DOCS: readonly Json[] = [
  ENICONFIG('us-west-2a', 'subnet-0a1b2c3d', ['sg-0123456789abcdef0']),
  ENICONFIG('us-west-2b', 'subnet-0123456789abcdef0'),
  ENICONFIG('group1-pod-netconfig', 'subnet-0b2c3d4e', ['sg-01234567', 'sg-89abcdef']),
  {
    apiVersion: 'v1',
    kind: 'List',
    items: [ENICONFIG('us-west-2c', 'subnet-0c3d4e5f'), ENICONFIG('default', 'subnet-0d4e5f60')],
  },
];

/** YAML-only hazards spliced into the text: anchors, aliases, tags, merge keys, odd scalars. */
const YAML_SPLICES = [
  '&a ',
  '*a',
  '*nope',
  '!!binary ',
  '!!js/function ',
  '<<: *a\n',
  '? ',
  '|\n',
  '>-\n',
  '%YAML 1.1\n',
  '---\n',
  '...\n',
  '{',
  '[',
  ': ',
  '- ',
  '\t',
  '0x1F',
  '.inf',
  '~',
];

/** A whole file: documents (mutated), joined as YAML or JSON, then maybe damaged as text. */
function fileText(rng: Rng): { text: string; source: string } {
  const json = rng.chance(0.3);
  const docs = Array.from({ length: rng.range(1, 3) }, () => {
    const doc = rng.pick(DOCS);
    return rng.chance(0.8) ? mutateJson(rng, doc, 3) : doc;
  });
  let text = json
    ? JSON.stringify(docs.length === 1 ? docs[0] : { kind: 'List', items: docs })
    : docs.map((d) => stringify(d)).join('---\n');
  if (!json && rng.chance(0.3)) {
    const at = rng.int(text.length + 1);
    text = text.slice(0, at) + rng.pick(YAML_SPLICES) + text.slice(at);
  }
  if (!json && rng.chance(0.05))
    text = `a: &a [${'x,'.repeat(20)}]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n---\n${text}`;
  if (rng.chance(0.3)) text = mutateText(rng, text);
  return { text, source: json ? `fuzz-${rng.int(9)}.json` : `fuzz-${rng.int(9)}.${rng.pick(['yaml', 'yml', 'YAML'])}` };
}

const FIELD = /apiVersion|kind|metadata|spec|not valid (YAML|JSON)|an ENIConfig document must be a mapping/;

function checkDocument(doc: CheckedEniConfig): void {
  if (doc.problems.length === 0) {
    assert.ok(doc.config !== undefined, 'a document without problems has a config');
    assert.match(doc.config.metadata.name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/);
    assert.match(doc.config.spec.subnet, /^subnet-[0-9a-f]{8,17}$/);
    for (const group of doc.config.spec.securityGroups ?? []) assert.match(group, /^sg-[0-9a-f]{8,17}$/);
  } else {
    assert.equal(doc.config, undefined, 'a document with problems has no config');
    for (const problem of doc.problems) assert.match(problem, FIELD, 'each problem names the field at fault');
  }
}

describe('fuzz: ENIConfig documents', () => {
  it('mutated YAML/JSON files → per document a config or problems naming the field; lookups never select a partial config', async () => {
    const seen = { valid: 0, invalid: 0, duplicate: 0 };
    await runCases('eniconfig/documents', fuzzCases(700), (rng, note) => {
      const files = Array.from({ length: rng.range(1, 2) }, () => fileText(rng));
      note('files', files);
      const docs = files.flatMap(({ text, source }) => parseEniConfigText(text, source));
      docs.forEach(checkDocument);
      const catalogue = collectEniConfigs(docs);
      for (const error of catalogue.errors) assert.ok(error instanceof EniConfigError);
      const names = new Set([
        ...docs.flatMap((d) => (d.name === undefined ? [] : [d.name])),
        ...Array.from({ length: 3 }, () => randomString(rng)),
        'default',
      ]);
      for (const name of names) {
        const definitions = docs.filter((d) => d.name === name);
        let found;
        try {
          found = catalogue.lookup(name);
        } catch (error) {
          assert.ok(
            error instanceof EniConfigError,
            `lookup(${JSON.stringify(name)}) threw an untyped ${String(error)}`,
          );
          assert.ok(['ENICONFIG_INVALID_DOCUMENT', 'ENICONFIG_DUPLICATE_NAME'].includes(error.code), error.code);
          assert.ok(
            definitions.length > 1 || definitions.some((d) => d.problems.length > 0),
            `lookup(${name}) refused a sound definition`,
          );
          assert.equal(catalogue.configs.has(name), false, 'a refused name is not in the catalogue');
          seen[error.code === 'ENICONFIG_DUPLICATE_NAME' ? 'duplicate' : 'invalid'] += 1;
          continue;
        }
        if (found === undefined) {
          assert.ok(definitions.length === 0, `lookup(${name}) missed its definition`);
          continue;
        }
        assert.equal(definitions.length, 1, 'a selected name has exactly one definition');
        assert.deepEqual(found, definitions[0]?.config, 'the selected config is the checked document, whole');
        seen.valid += 1;
      }
    });
    if (fuzzCases(700) >= 500)
      for (const [what, n] of Object.entries(seen))
        assert.ok(n > 0, `no lookup ended ${what}: ${JSON.stringify(seen)}`);
  });

  it('mutated node files → NodeInfo or NODE_INFO_INVALID; the selected ENIConfig name is always a non-empty string', async () => {
    const node: Json = {
      nodes: [
        {
          name: 'node-1',
          labels: { 'topology.kubernetes.io/zone': 'us-west-2a' },
          annotations: { 'k8s.amazonaws.com/eniConfig': 'group1' },
          capacityPods: 110,
        },
      ],
    };
    const kube: Json = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'node-2', labels: { 'vpc.amazonaws.com/externalEniConfig': 'ext' } },
      status: { capacity: { pods: '58' } },
    };
    await runCases('eniconfig/node-file', fuzzCases(1000), (rng, note) => {
      const json = rng.chance(0.3);
      const value = mutateJson(rng, rng.pick([node, kube]), 3);
      let text = json ? JSON.stringify(value) : stringify(value);
      if (rng.chance(0.3)) text = mutateText(rng, text);
      note('text', text);
      let nodes;
      try {
        nodes = parseNodeInfoText(text, json ? 'nodes.json' : 'nodes.yaml');
      } catch (error) {
        assert.ok(error instanceof EniConfigError && error.code === 'NODE_INFO_INVALID', `untyped ${String(error)}`);
        return;
      }
      for (const info of nodes) {
        assert.equal(typeof info.name, 'string');
        for (const map of [info.labels, info.annotations])
          for (const v of Object.values(map)) assert.equal(typeof v, 'string');
        const choice = selectEniConfigName(info, {
          labelKey: rng.pick(['', 'topology.kubernetes.io/zone', randomString(rng)]),
        });
        assert.ok(typeof choice.name === 'string' && choice.name !== '');
      }
    });
  });
});
