import { CliError } from '../errors.js';
/** The `-o/--output` choice shared by `vpc-cni status` and `vpc-cni get`. */

export type StatusOutput = 'table' | 'wide' | 'json';

/** `table` (default; `text` is accepted too), `wide` or `json`. */
export function statusOutput(value: string | undefined): StatusOutput {
  if (value === undefined || value === 'table' || value === 'text') return 'table';
  if (value === 'wide' || value === 'json') return value;
  throw new CliError('CLI_USAGE', `-o/--output must be table, wide or json, not '${value}'`);
}

/** JSON as `python -m json.tool` prints it (four spaces), which the seed pipes every document through. */
export function prettyJson(doc: unknown): string {
  return `${JSON.stringify(doc, null, 4)}\n`;
}
