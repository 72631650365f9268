/** Argument helpers shared by the CLI commands (node:util parseArgs underneath). */
import { type CliCommand, type CliIo } from './io.js';
import { CliError } from './errors.js';

export type OutputFormat = 'text' | 'json';

/** Runs a node:util parseArgs call, turning its errors (unknown flag, missing value, ...) into CLI_USAGE errors. */
export function withUsageErrors<R>(parse: () => R): R {
  try {
    return parse();
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (error instanceof TypeError && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      // parseArgs appends advice about '--' that does not help here.
      throw new CliError('CLI_USAGE', error.message.replace(/\. To specify a positional argument.*$/s, ''));
    }
    throw error;
  }
}

/** Adapts a synchronous command body to {@link CliCommand.run}: a throw becomes a rejected promise. */
export function asyncRun(body: (args: readonly string[], io: CliIo) => number): CliCommand['run'] {
  return (args, io) => new Promise((resolve) => resolve(body(args, io)));
}

/** Validates `--output`; text unless json is asked for. */
export function outputFormat(value: string | undefined): OutputFormat {
  if (value === undefined || value === 'text' || value === 'json') return value ?? 'text';
  throw new CliError('CLI_USAGE', `--output must be text or json, not '${value}'`);
}

/** Parses `--name N` as an integer in [min, max]; a CLI_USAGE error naming the flag otherwise. */
export function intFlag(
  name: string,
  value: string | undefined,
  range: { min: number; max: number },
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^-?\d+$/.test(value) || n < range.min || n > range.max) {
    throw new CliError('CLI_USAGE', `--${name} must be an integer from ${range.min} to ${range.max}, not '${value}'`);
  }
  return n;
}
