/**
 * Entry point of `vpc-cni`: finds the command, runs it, maps errors to exit codes. Each command parses its own
 * flags (node:util parseArgs) and returns an exit code.
 */
import { COMMANDS } from './commands/index.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CliIo } from './io.js';
import { isVpcCniError } from '../errors.js';
import { silenceSdkNodeVersionWarning } from '../obs/warnings.js';

import { VERSION } from '../version.js';
import { isCliError } from './errors.js';

function topUsage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, entry]) => `  ${name.padEnd(width)}  ${entry.summary}`);
  return [
    'Usage: vpc-cni <command> [options]',
    '',
    'Amazon VPC CNI for Kubernetes, in TypeScript.',
    '',
    'Commands:',
    ...lines,
    '',
    "Run 'vpc-cni <command> --help' for a command's options.",
    '',
  ].join('\n');
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  silenceSdkNodeVersionWarning();
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(topUsage());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`vpc-cni ${VERSION}\n`);
    return EXIT_OK;
  }
  const entry = COMMANDS[name];
  if (entry === undefined) {
    io.stderr.write(`vpc-cni: unknown command '${name}'\n\n${topUsage()}`);
    return EXIT_USAGE;
  }
  const command = await entry.load();
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (isCliError(error, 'CLI_USAGE')) {
      io.stderr.write(`vpc-cni ${name}: ${error.message}\n\n${command.usage}`);
      return EXIT_USAGE;
    }
    if (isVpcCniError(error)) {
      io.stderr.write(`vpc-cni ${name}: ${error.message} [${error.code}]\n`);
      return EXIT_FAILURE;
    }
    throw error;
  }
}
