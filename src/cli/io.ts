/** The streams a CLI command writes to; injected so that commands are tested in-process. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/** Exit codes shared by every command: 0 ok, 1 the request failed, 2 the command line was wrong. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A command, loaded when run; its name and one-line summary are in the command table (commands/index.ts). */
export interface CliCommand {
  readonly usage: string;
  run(args: readonly string[], io: CliIo): Promise<number>;
}
