// The shape of the source tree, checked on every run: no import cycle between modules (type-only imports included),
// no shipped file over 400 lines, and no test machinery in the build (dist/). ESLint checks the direction of imports
// (src/lint-boundaries.test.ts); this checks what a linter sees only file by file.
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/** The repository (this file runs from build/spec/src/). */
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const SRC = join(REPO, 'src');
const MAX_SHIPPED_LINES = 400;

const isShipped = (file: string): boolean => !/\.test(-util)?\.ts$/.test(file);

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) tsFiles(path, out);
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** `import`/`export … from` specifiers and `import()` calls, type-only ones included. */
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

/** Each module's relative imports, resolved to files. */
function importGraph(files: readonly string[], read: (file: string) => string): Map<string, string[]> {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets: string[] = [];
    for (const match of read(file).matchAll(IMPORT)) {
      const target = resolve(dirname(file), (match[1] ?? match[2] ?? '').replace(/\.js$/, '.ts'));
      if (known.has(target)) targets.push(target);
    }
    graph.set(file, targets);
  }
  return graph;
}

/** The strongly connected components with more than one module (Tarjan): each is an import cycle. */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(target) ?? 0));
      } else if (onStack.has(target)) low.set(node, Math.min(low.get(node) ?? 0, index.get(target) ?? 0));
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
      onStack.delete(member);
      component.push(member);
      if (member === node) break;
    }
    if (component.length > 1) found.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

describe('architecture', () => {
  const files = tsFiles(SRC);

  it('has no import cycle, type-only imports included', () => {
    const graph = importGraph(files, (file) => readFileSync(file, 'utf8'));
    assert.deepEqual(
      cycles(graph).map((cycle) => cycle.map((file) => relative(SRC, file)).join(' → ')),
      [],
    );
  });

  it('finds a cycle when there is one (the check bites)', () => {
    const texts: Record<string, string> = {
      '/x/a.ts': "import type { B } from './b.js';",
      '/x/b.ts': "export { c } from './c.js';",
      '/x/c.ts': "const a = await import('./a.js');",
      '/x/d.ts': "import { a } from './a.js';",
    };
    const graph = importGraph(Object.keys(texts), (file) => texts[file] ?? '');
    assert.deepEqual(cycles(graph), [['/x/a.ts', '/x/b.ts', '/x/c.ts']]);
  });

  it(`keeps every shipped file at ${MAX_SHIPPED_LINES} lines or fewer`, () => {
    const long = files
      .filter(isShipped)
      .map((file) => ({ file: relative(REPO, file), lines: readFileSync(file, 'utf8').split('\n').length - 1 }))
      .filter(({ lines }) => lines > MAX_SHIPPED_LINES);
    assert.deepEqual(long, []);
  });

  it('ships no test machinery: no virtual-time, fake or stand-in module in dist/', (t) => {
    const dist = join(REPO, 'dist');
    if (!existsSync(dist)) return t.skip('dist/ is built by npm run build');
    const offending: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (/virtual|standin|fakes/.test(readFileSync(path, 'utf8'))) offending.push(relative(REPO, path));
      }
    };
    walk(dist);
    assert.deepEqual(offending, []);
  });
});
