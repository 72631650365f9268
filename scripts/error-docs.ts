/**
 * Reads the error catalogues out of docs/errors.md, their one source, and renders them as a TypeScript module
 * (scripts/gen-errors.ts writes it to src/error-codes.generated.ts). Each `## ` section of the document names its
 * catalogue with a marker line under its heading, and its table has one row per code:
 *
 *     ## IPAM core (src/ipam)
 *     <!-- catalogue: IPAM_ERRORS -->
 *
 *     | code | CNI code | meaning |
 *     |---|---|---|
 *     | `INVALID_CIDR` | 7 | An IPv4 address or CIDR block is malformed. |
 *
 * The parser refuses, naming the line, anything a catalogue could silently lose or mistype: a malformed row, a row
 * outside a catalogue section, a code or catalogue given twice, a CNI code the CNI spec does not define, an empty
 * catalogue.
 *
 * @example
 * const catalogues = parseErrorDoc(readFileSync('docs/errors.md', 'utf8'));
 * catalogues[0]; // { name: 'IPAM_ERRORS', heading: 'IPAM core (src/ipam)', line: 10, codes: [...] }
 * writeFileSync('src/error-codes.generated.ts', renderCatalogues(catalogues));
 */
import { CNI_CODES, type CniCode } from '../src/errors.js';

/** One documented code: a row of a catalogue's table. */
export interface DocumentedCode {
  readonly code: string;
  readonly cniCode: CniCode;
  /** The row's meaning, as written (Markdown), with `\|` unescaped. */
  readonly summary: string;
  /** 1-based line of the row. */
  readonly line: number;
}

/** One catalogue: a section of the document with its marker and table. */
export interface DocumentedCatalogue {
  /** The exported name, e.g. `IPAM_ERRORS`. */
  readonly name: string;
  /** The section's heading, e.g. `IPAM core (src/ipam)`. */
  readonly heading: string;
  /** 1-based line of the marker. */
  readonly line: number;
  readonly codes: readonly DocumentedCode[];
}

const MARKER = /^<!--\s*catalogue:\s*(\S*)\s*-->$/;
const CATALOGUE_NAME = /^[A-Z][A-Z0-9_]*_ERRORS$/;
const CODE_CELL = /^`([A-Z][A-Z0-9_]*)`$/;
const HEADER_ROW = /^\|\s*code\s*\|\s*CNI code\s*\|\s*meaning\s*\|$/;
const SEPARATOR_ROW = /^\|(\s*:?-+:?\s*\|){3}$/;

/** The cells of a table row, split on pipes that are not escaped (`\|` stays inside its cell). */
function cells(row: string): string[] {
  return row
    .slice(1, row.endsWith('|') ? -1 : undefined)
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());
}

/**
 * The catalogues of an error document, in document order.
 *
 * @throws Error `FILE:LINE: what is wrong`, for the first malformed or contradictory line.
 * @example
 * parseErrorDoc('## X (src/x)\n<!-- catalogue: X_ERRORS -->\n| `X_FAILED` | 999 | It failed. |\n')[0]?.codes[0];
 * // { code: 'X_FAILED', cniCode: 999, summary: 'It failed.', line: 3 }
 */
export function parseErrorDoc(text: string, file = 'docs/errors.md'): DocumentedCatalogue[] {
  const catalogues: { name: string; heading: string; line: number; codes: DocumentedCode[] }[] = [];
  const codeLines = new Map<string, number>();
  let heading: string | undefined;
  let current: (typeof catalogues)[number] | undefined;
  function fail(line: number, problem: string): never {
    throw new Error(`${file}:${line}: ${problem}`);
  }

  for (const [index, raw] of text.split('\n').entries()) {
    const line = index + 1;
    const trimmed = raw.trim();
    if (/^#{1,2} /.test(trimmed)) {
      // A new section ends the catalogue of the previous one: a table under a heading without marker is an error.
      heading = trimmed.replace(/^#+ /, '');
      current = undefined;
      continue;
    }
    if (trimmed.startsWith('<!--') && /catalogue/i.test(trimmed)) {
      const name = MARKER.exec(trimmed)?.[1] ?? '';
      if (!CATALOGUE_NAME.test(name)) fail(line, `bad catalogue marker, expected <!-- catalogue: NAME_ERRORS -->`);
      if (heading === undefined) fail(line, `catalogue ${name} has no ## heading above it`);
      const earlier = catalogues.find((c) => c.name === name);
      if (earlier !== undefined) fail(line, `catalogue ${name} is already declared on line ${earlier.line}`);
      current = { name, heading, line, codes: [] };
      catalogues.push(current);
      continue;
    }
    if (!trimmed.startsWith('|') || HEADER_ROW.test(trimmed) || SEPARATOR_ROW.test(trimmed)) continue;

    const row = cells(trimmed);
    if (!trimmed.endsWith('|') || row.length !== 3) {
      fail(line, `malformed row, expected | \`CODE\` | CNI code | meaning | (got ${row.length} cells)`);
    }
    const [codeCell = '', cniCell = '', meaning = ''] = row;
    const code = CODE_CELL.exec(codeCell)?.[1];
    if (code === undefined) fail(line, `malformed code cell ${JSON.stringify(codeCell)}, expected \`UPPER_CASE\``);
    const cniCode = Number(cniCell);
    if (!/^\d+$/.test(cniCell) || !(CNI_CODES as readonly number[]).includes(cniCode)) {
      fail(line, `CNI code ${JSON.stringify(cniCell)} of ${code} is not one of ${CNI_CODES.join(' ')}`);
    }
    if (meaning === '') fail(line, `${code} has no meaning`);
    if (current === undefined) {
      fail(
        line,
        `${code} is in a section without catalogue marker (<!-- catalogue: NAME_ERRORS --> under its heading)`,
      );
    }
    const earlier = codeLines.get(code);
    if (earlier !== undefined) fail(line, `${code} is already documented on line ${earlier}`);
    codeLines.set(code, line);
    current.codes.push({ code, cniCode: cniCode as CniCode, summary: meaning.replace(/\\\|/g, '|'), line });
  }

  const empty = catalogues.find((c) => c.codes.length === 0);
  if (empty !== undefined) fail(empty.line, `catalogue ${empty.name} has no code rows`);
  if (catalogues.length === 0) fail(1, 'no catalogue (<!-- catalogue: NAME_ERRORS --> under a ## heading)');
  return catalogues;
}

/**
 * The TypeScript module of the catalogues: one `export const NAME = { CODE: { cniCode, summary } } as const` per
 * catalogue, typed by ErrorCatalogue (src/errors.ts) so that a wrong shape fails the type-check of the generated file.
 *
 * @example
 * renderCatalogues(parseErrorDoc(text)); // "// Generated by ...\nexport const IPAM_ERRORS = {\n  INVALID_CIDR: ..."
 */
export function renderCatalogues(catalogues: readonly DocumentedCatalogue[], file = 'docs/errors.md'): string {
  const blocks = catalogues.map((catalogue) => {
    const rows = catalogue.codes.map(
      (c) => `  ${c.code}: { cniCode: ${c.cniCode}, summary: ${JSON.stringify(c.summary)} },`,
    );
    const title = catalogue.heading.replace(/\*\//g, '*\\/');
    return [
      `/** ${title}: ${file} line ${catalogue.line}. */`,
      `export const ${catalogue.name} = {`,
      ...rows,
      `} as const satisfies ErrorCatalogue;`,
    ].join('\n');
  });
  return [
    `// Generated by scripts/gen-errors.ts from ${file}; edit that document, not this file.`,
    `import type { ErrorCatalogue } from './errors.js';`,
    '',
    blocks.join('\n\n'),
    '',
  ].join('\n');
}
