// Every `§` in the repository's code, tests, scripts, deployment files and docs is a citation of the reference
// documents in docs/reference/ (`[behaviour §3.7]`, `[ec2-imds §5.4; pain-points §13]`, `[behaviour §3.2–3.7]`), and
// every cited section exists there: a citation that points outside the repository or at nothing fails here.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/** The repository (this file runs from build/spec/src/). */
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const REFERENCE = join(REPO, 'docs', 'reference');
const SCANNED = ['src', 'test', 'bench', 'scripts', 'deploy', 'docs', 'README.md'];
const TEXT = /\.(ts|js|md|ya?ml|sh|css)$|Dockerfile$/;
/** This test names `§` on purpose, and the tree it checks starts from its source. */
const SELF = join(REPO, 'src', 'reference-citations.test.ts');

const CITATION = /\[((?:[a-z0-9-]+ §[0-9.–]+)(?:; [a-z0-9-]+ §[0-9.–]+)*)\]/g;

function files(path: string, out: string[] = []): string[] {
  if (statSync(path).isDirectory()) {
    if (path === REFERENCE || path.endsWith('/fixtures')) return out;
    for (const name of readdirSync(path)) files(join(path, name), out);
  } else if (TEXT.test(path) && path !== SELF) out.push(path);
  return out;
}

/** The section numbers of each reference document: the leading number of every heading. */
function sections(): Map<string, Set<string>> {
  const docs = new Map<string, Set<string>>();
  for (const name of readdirSync(REFERENCE).filter((n) => n.endsWith('.md') && n !== 'README.md')) {
    const numbers = new Set<string>();
    for (const match of readFileSync(join(REFERENCE, name), 'utf8').matchAll(/^#{2,4} (\d+(?:\.\d+)*)\.? /gm)) {
      numbers.add(match[1] ?? '');
    }
    docs.set(name.replace(/\.md$/, ''), numbers);
  }
  return docs;
}

/** Problems with the citations of one text: a `§` outside a citation, an unknown document or section. */
function problems(text: string, docs: Map<string, Set<string>>): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(CITATION)) {
    for (const cite of (match[1] ?? '').split('; ')) {
      const [doc = '', range = ''] = cite.split(' §');
      const known = docs.get(doc);
      if (known === undefined) found.push(`${cite}: no docs/reference/${doc}.md`);
      else for (const section of range.split('–')) if (!known.has(section)) found.push(`${cite}: no §${section}`);
    }
  }
  const stray = text.replace(CITATION, '').match(/.{0,30}§.{0,20}/g) ?? [];
  return [...found, ...stray.map((s) => `§ outside a citation: ${s.trim()}`)];
}

describe('reference citations', () => {
  const docs = sections();

  it('the reference documents are there, with numbered sections', () => {
    for (const doc of ['behaviour', 'ec2-imds', 'pain-points', 'max-pods', 'network-policy']) {
      assert.ok((docs.get(doc)?.size ?? 0) > 5, `docs/reference/${doc}.md with numbered headings`);
    }
  });

  it('every § in the repository is a citation that resolves to a section of docs/reference/', () => {
    const bad: string[] = [];
    for (const top of SCANNED) {
      for (const file of files(join(REPO, top))) {
        for (const problem of problems(readFileSync(file, 'utf8'), docs))
          bad.push(`${relative(REPO, file)}: ${problem}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it('catches a stray §, an unknown document and a missing section', () => {
    assert.deepEqual(problems('see [behaviour §3.7] and [ec2-imds §5.4; pain-points §13]', docs), []);
    assert.equal(problems('as the reference §3.7 says', docs).length, 1);
    assert.equal(problems('[spec §3.7]', docs).length, 1);
    assert.equal(problems('[behaviour §99.9]', docs).length, 1);
    assert.equal(problems('[behaviour §3.2–3.99]', docs).length, 1);
  });
});
