// Runs every compiled test (build/spec/**/*.test.js) with node:test. Node 20's --test takes no globs, so the files
// are listed here. Only *.test.js files are collected: build/spec also holds the compiled bench/ and scripts/, which
// are type-checked there but never run.
//
//   npx tsx scripts/run-tests.ts [FILTER...]   (npm run test:unit; after npm run build:spec)
//
// Pass paths or substrings to run a subset: `npm run test:unit -- datastore`.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const specRoot = join(root, 'build', 'spec');

function collect(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = collect(specRoot, [])
  .filter((file) => filters.length === 0 || filters.some((f) => relative(root, file).includes(f)))
  .sort();
if (files.length === 0) {
  process.stderr.write(
    `no compiled tests under ${specRoot} match ${filters.join(' ') || '(all)'}; run npm run build:spec\n`,
  );
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--enable-source-maps', '--test', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(result.status ?? 1);
