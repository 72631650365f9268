// Writes src/error-codes.generated.ts from docs/errors.md, the one place the error codes, their CNI codes and
// summaries are written (scripts/error-docs.ts parses it). package.json runs this before every compile, type-check
// and lint (`npm run gen:errors`); the output is not committed. A malformed document stops the build, naming the line:
//
//   npx tsx scripts/gen-errors.ts   # gen-errors: docs/errors.md:57: CNI code "12" of NETNS_NOT_FOUND is not one of ...
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { messageOf } from '../src/errors.js';
import { parseErrorDoc, renderCatalogues } from './error-docs.js';
import { writeIfChanged } from './write-if-changed.js';

const doc = fileURLToPath(new URL('../docs/errors.md', import.meta.url));
const out = fileURLToPath(new URL('../src/error-codes.generated.ts', import.meta.url));

let generated: string;
try {
  generated = renderCatalogues(parseErrorDoc(readFileSync(doc, 'utf8')));
} catch (error) {
  process.stderr.write(`gen-errors: ${messageOf(error)}\n`);
  process.exit(1);
}
writeIfChanged(out, generated);
