/**
 * Argument helpers shared by the CLI commands (node:util parseArgs underneath), and {@link flagCommand}, the
 * skeleton of a command that takes flags.
 *
 * @example
 * export const helloCommand = flagCommand({
 *   usage: 'Usage: vpc-cni hello [--name NAME]\n',
 *   options: { name: { type: 'string' } },
 *   positionals: false,
 *   run: ({ values }, io) => {
 *     io.stdout.write(`hello ${values.name ?? 'world'}\n`);
 *     return EXIT_OK;
 *   },
 * });
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EXIT_OK, type CliCommand, type CliIo } from './io.js';
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

/** Every flag command takes -h/--help; {@link flagCommand} adds it to the command's own options. */
const HELP = { help: { type: 'boolean', short: 'h' } } as const;

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;

type FlagConfig<O extends ParseArgsOptionsConfig, P extends boolean> = {
  args: string[];
  options: O & typeof HELP;
  strict: true;
  allowPositionals: P;
};

/** What parseArgs makes of a command's flags (`values`, and `positionals` when the command takes them). */
export type Flags<O extends ParseArgsOptionsConfig, P extends boolean> = ReturnType<typeof parseArgs<FlagConfig<O, P>>>;

/**
 * A command that takes flags: parses them strictly (a bad flag is a CLI_USAGE error: exit 2, usage on stderr),
 * prints the usage for -h/--help, and otherwise hands the flags to `run`. A throw from a synchronous `run` becomes a
 * rejected promise, as main expects.
 */
export function flagCommand<const O extends ParseArgsOptionsConfig, P extends boolean>(spec: {
  readonly usage: string;
  readonly options: O;
  /** Whether the command takes positional arguments (when it does not, parseArgs rejects them). */
  readonly positionals: P;
  run(flags: Flags<O, P>, io: CliIo): number | Promise<number>;
}): CliCommand {
  return {
    usage: spec.usage,
    run: async (args, io) => {
      const flags = withUsageErrors(() =>
        parseArgs<FlagConfig<O, P>>({
          args: [...args],
          options: { ...spec.options, ...HELP },
          strict: true,
          allowPositionals: spec.positionals,
        }),
      );
      if ((flags.values as { help?: boolean }).help === true) {
        io.stdout.write(spec.usage);
        return EXIT_OK;
      }
      return spec.run(flags, io);
    },
  };
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
