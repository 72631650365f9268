// The error catalogues are written once, as the tables of docs/errors.md, and generated into
// src/error-codes.generated.ts (scripts/gen-errors.ts): the generated module is the document's, every documented code
// is raised by shipped code, every layer's error class is made from a generated catalogue (none is written by hand
// in src/), codes are unique, and the generator refuses a malformed document, naming the line.
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseErrorDoc, renderCatalogues } from '../scripts/error-docs.js';
import * as GENERATED from './error-codes.generated.js';
import { VpcCniError, catalogueError, errorGuard, isVpcCniError, type ErrorCatalogue } from './errors.js';
import { IPAM_ERRORS, IpamError } from './ipam/errors.js';
import { NetlinkError } from './netlink/errors.js';

/** The repository (this file runs from build/spec/src/) and the compiled tree beside this file. */
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const COMPILED = fileURLToPath(new URL('./', import.meta.url));

/** Shipped sources (no tests, nothing generated). */
function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (name.endsWith('.ts') && !/\.(test|test-util|generated)\.ts$/.test(name)) out.push(path);
  }
  return out;
}

interface LayerClass {
  /** `src/ipam/errors.ts IpamError` */
  readonly where: string;
  readonly catalogue: unknown;
  /** The module's exports, to check that it re-exports its catalogue. */
  readonly module: Record<string, unknown>;
}

/** Every class made by catalogueError in the shipped tree, found by its declaration (so that none is left out). */
async function findLayerClasses(): Promise<LayerClass[]> {
  const classes: LayerClass[] = [];
  const src = join(REPO, 'src');
  for (const file of sourceFiles(src)) {
    if (file === join(src, 'errors.ts') || !/extends catalogueError\b/.test(readFileSync(file, 'utf8'))) continue;
    const compiled = join(COMPILED, relative(src, file)).replace(/\.ts$/, '.js');
    const module = (await import(compiled)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(module)) {
      if (typeof value === 'function' && (value as { prototype: unknown }).prototype instanceof VpcCniError) {
        const catalogue: unknown = Reflect.get(value, 'catalogue');
        classes.push({ where: `src/${relative(src, file)} ${name}`, catalogue, module });
      }
    }
  }
  return classes;
}

const DOC = readFileSync(join(REPO, 'docs/errors.md'), 'utf8');
const documented = parseErrorDoc(DOC);
const generated: Readonly<Record<string, ErrorCatalogue>> = GENERATED;
const layerClasses = await findLayerClasses();

/** Shipped code without the generated catalogues, where the codes are raised. */
const SHIPPED = sourceFiles(join(REPO, 'src'))
  .map((file) => readFileSync(file, 'utf8'))
  .join('\n');

describe('error catalogues (docs/errors.md → src/error-codes.generated.ts)', () => {
  // A documented code that nothing raises is a promise the program does not keep: remove the row or raise it.
  for (const { name, codes } of documented) {
    for (const { code, cniCode, line } of codes) {
      it(`${code} (docs/errors.md:${line}, ${name}, CNI code ${cniCode}) is raised by shipped code`, () => {
        assert.match(SHIPPED, new RegExp(`['"\`]${code}['"\`]`), `nothing in src/ raises ${code}`);
      });
    }
  }

  it('the generated module is what the generator makes of docs/errors.md now (npm run gen)', () => {
    assert.equal(readFileSync(join(REPO, 'src/error-codes.generated.ts'), 'utf8'), renderCatalogues(documented));
  });

  it('the generated module has exactly the documented catalogues and codes', () => {
    const expected = Object.fromEntries(documented.map((c) => [c.name, c.codes.map((row) => row.code)]));
    const actual = Object.fromEntries(Object.entries(generated).map(([name, c]) => [name, Object.keys(c)]));
    assert.deepEqual(actual, expected);
  });

  it('codes are unique across catalogues', () => {
    const all = Object.values(generated).flatMap((c) => Object.keys(c));
    assert.deepEqual(
      all.filter((code, index) => all.indexOf(code) !== index),
      [],
    );
  });

  it('finds the error class of every layer', () => {
    for (const layer of ['ipam', 'config', 'netlink', 'sim', 'rpc', 'cni', 'ipamd', 'demo', 'cli', 'cloud', 'k8s']) {
      assert.ok(
        layerClasses.some(({ where }) => where.startsWith(`src/${layer}/`)),
        `no error class found under src/${layer}/`,
      );
    }
  });

  it("every layer's class is made from a generated catalogue, which its module exports under the same name", () => {
    for (const { where, catalogue, module } of layerClasses) {
      const name = Object.keys(generated).find((key) => generated[key] === catalogue);
      assert.ok(name !== undefined, `${where} is not made from a catalogue of src/error-codes.generated.ts`);
      assert.equal(module[name], catalogue, `${where}: its module should export ${name}`);
    }
  });

  it('every documented catalogue backs a layer class', () => {
    const used = new Set(layerClasses.map(({ catalogue }) => catalogue));
    assert.deepEqual(
      Object.keys(generated).filter((name) => !used.has(generated[name])),
      [],
    );
  });

  it('no catalogue is written by hand in src/ (docs/errors.md is the only source)', () => {
    const handWritten = sourceFiles(join(REPO, 'src')).filter((file) =>
      /satisfies ErrorCatalogue|cniCode:\s*\d/.test(readFileSync(file, 'utf8')),
    );
    assert.deepEqual(handWritten, []);
  });
});

describe('the error document parser (scripts/error-docs.ts)', () => {
  const doc = (...rows: string[]): string =>
    [
      '# Errors',
      '',
      '## One (src/one)',
      '<!-- catalogue: ONE_ERRORS -->',
      '',
      '| code | CNI code | meaning |',
      '|---|---|---|',
      ...rows,
      '',
    ].join('\n');

  it('reads each section into the catalogue its marker names, rows in order, `\\|` unescaped', () => {
    const text =
      doc('| `ONE_FAILED` | 11 | It failed; a \\| b. |', '| `ONE_GONE` | 999 | Gone. |') +
      '\n## Two (src/two)\n<!-- catalogue: TWO_ERRORS -->\n\n| `TWO_BAD` | 7 | Bad. |\n';
    assert.deepEqual(parseErrorDoc(text), [
      {
        name: 'ONE_ERRORS',
        heading: 'One (src/one)',
        line: 4,
        codes: [
          { code: 'ONE_FAILED', cniCode: 11, summary: 'It failed; a | b.', line: 8 },
          { code: 'ONE_GONE', cniCode: 999, summary: 'Gone.', line: 9 },
        ],
      },
      {
        name: 'TWO_ERRORS',
        heading: 'Two (src/two)',
        line: 12,
        codes: [{ code: 'TWO_BAD', cniCode: 7, summary: 'Bad.', line: 14 }],
      },
    ]);
    assert.match(
      renderCatalogues(parseErrorDoc(text)),
      /export const TWO_ERRORS = \{\n {2}TWO_BAD: \{ cniCode: 7, summary: "Bad\." \},\n\} as const satisfies ErrorCatalogue;/,
    );
  });

  const refused: [string, string, RegExp][] = [
    ['a row with a missing cell', doc('| `ONE_FAILED` | 11 |'), /docs\/errors\.md:8: malformed row/],
    ['a row with an extra cell', doc('| `ONE_FAILED` | 11 | It failed. | more |'), /docs\/errors\.md:8: malformed row/],
    ['a code not in backticks', doc('| ONE_FAILED | 11 | It failed. |'), /docs\/errors\.md:8: malformed code cell/],
    [
      'a CNI code the spec does not define',
      doc('| `ONE_FAILED` | 12 | It failed. |'),
      /docs\/errors\.md:8: CNI code "12"/,
    ],
    ['a row without meaning', doc('| `ONE_FAILED` | 11 |  |'), /docs\/errors\.md:8: ONE_FAILED has no meaning/],
    [
      'a code documented twice',
      doc('| `ONE_FAILED` | 11 | It failed. |', '| `ONE_FAILED` | 999 | Again. |'),
      /docs\/errors\.md:9: ONE_FAILED is already documented on line 8/,
    ],
    [
      'a row in a section without catalogue marker',
      doc('| `ONE_FAILED` | 11 | It failed. |') + '\n## Other\n\n| `OTHER_FAILED` | 999 | It failed. |\n',
      /docs\/errors\.md:12: OTHER_FAILED is in a section without catalogue marker/,
    ],
    [
      'a catalogue declared twice',
      doc('| `ONE_FAILED` | 11 | It failed. |') + '\n## Again\n<!-- catalogue: ONE_ERRORS -->\n',
      /docs\/errors\.md:11: catalogue ONE_ERRORS is already declared on line 4/,
    ],
    ['a catalogue without rows', doc(), /docs\/errors\.md:4: catalogue ONE_ERRORS has no code rows/],
    [
      'a malformed marker',
      doc('| `ONE_FAILED` | 11 | It failed. |').replace('ONE_ERRORS', 'one'),
      /docs\/errors\.md:4: bad catalogue marker/,
    ],
  ];
  for (const [what, text, message] of refused) {
    it(`refuses ${what}, naming the line`, () => {
      assert.throws(() => parseErrorDoc(text), message);
    });
  }
});

describe('error classes', () => {
  it('an error keeps code, CNI code, details and cause; a code outside the catalogue is internal (999)', () => {
    class SomeError extends catalogueError({ SOME_CODE: { cniCode: 11, summary: 'x' } } as const) {}
    const cause = new Error('root');
    const error = new SomeError('SOME_CODE', 'message', { a: 1 }, cause);
    assert.ok(isVpcCniError(error));
    assert.equal(error.name, 'SomeError');
    assert.equal(error.cniCode, 11);
    assert.deepEqual(error.details, { a: 1 });
    assert.equal(error.cause, cause);
    assert.equal(new SomeError('OTHER' as 'SOME_CODE', 'y').cniCode, 999);
    assert.deepEqual(new SomeError('SOME_CODE', 'y').details, {});
  });

  it('errorGuard narrows to a layer and, when given, to its codes', () => {
    const isIpamError = errorGuard(IpamError);
    const error = new IpamError('UNKNOWN_INSTANCE_TYPE', 'no such type');
    assert.ok(isIpamError(error));
    assert.ok(isIpamError(error, 'INVALID_CIDR', 'UNKNOWN_INSTANCE_TYPE'));
    assert.ok(!isIpamError(error, 'INVALID_CIDR'));
    assert.ok(!isIpamError(new NetlinkError('NETLINK_EXISTS', 'exists')));
    assert.ok(!isIpamError(new Error('plain')));
  });

  it('a layer class from catalogueError keeps its own name and takes its CNI code from the catalogue', () => {
    const cause = new Error('root');
    const error = new IpamError('UNKNOWN_INSTANCE_TYPE', 'no such type', { instanceType: 'x' }, cause);
    assert.ok(error instanceof IpamError && error instanceof VpcCniError);
    assert.ok(!(error instanceof NetlinkError));
    assert.equal(error.name, 'IpamError');
    assert.equal(error.cniCode, IPAM_ERRORS.UNKNOWN_INSTANCE_TYPE.cniCode);
    assert.deepEqual(error.details, { instanceType: 'x' });
    assert.equal(error.cause, cause);
    assert.deepEqual(new NetlinkError('NETLINK_EXISTS', 'exists').details, {});
    class Custom extends catalogueError({ ONLY: { cniCode: 11, summary: 'one' } }) {}
    assert.equal(new Custom('ONLY', 'm').cniCode, 11);
  });
});
