/**
 * The documents of a file's text, read the same way for ENIConfig files and node files: a `.json` source is one
 * strict-JSON document, anything else multi-document YAML 1.2 (`---`). A document that cannot be read carries its
 * problems instead of a value, so each caller decides whether to collect them or to stop at the first.
 *
 * @example
 * readTextDocuments('a: 1\n---\n---\n[', 'x.yaml');
 * // [{ index: 0, value: { a: 1 } }, { index: 1, empty: true }, { index: 2, problems: ['not valid YAML: ...'] }]
 * readTextDocuments('{"a":1}', 'x.json'); // [{ value: { a: 1 } }]
 */
import { parseAllDocuments } from 'yaml';

/** One document: its value, why it cannot be read, or an empty YAML document (which callers skip). */
export type TextDocument =
  | { readonly index?: number; readonly value: unknown }
  | { readonly index?: number; readonly problems: readonly string[] }
  | { readonly index: number; readonly empty: true };

/**
 * Every document of `text` in order, empty YAML documents included (they still count: a caller may name a document
 * by its place in the file); `index` (0-based) only for YAML. A JSON `null` is a value, not an empty document.
 */
export function readTextDocuments(text: string, source: string): TextDocument[] {
  if (source.toLowerCase().endsWith('.json')) {
    try {
      return [{ value: JSON.parse(text) as unknown }];
    } catch (error) {
      return [{ problems: [`not valid JSON: ${(error as Error).message}`] }];
    }
  }
  return parseAllDocuments(text).map((doc, index): TextDocument => {
    if (doc.errors.length > 0) {
      const messages = doc.errors.map((e) => (e.message.split('\n')[0] ?? e.code).trim());
      return { index, problems: messages.map((m) => `not valid YAML: ${m}`) };
    }
    let value: unknown;
    try {
      value = doc.toJS();
    } catch (error) {
      // yaml refuses alias bombs ("Excessive alias count") only here, with a ReferenceError.
      return { index, problems: [`not valid YAML: ${(error as Error).message}`] };
    }
    return value === null || value === undefined ? { index, empty: true } : { index, value };
  });
}
