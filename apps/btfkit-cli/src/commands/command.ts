import type { ParseArgsConfig } from 'node:util';

/** What a command receives: parsed options and positional arguments. */
export interface CommandArgs {
  readonly values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  readonly positionals: string[];
}

/** One `btfkit` subcommand. */
export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** The synopsis. */
  readonly usage: string;
  /** What `--help` prints after the synopsis. */
  readonly help: string;
  /** Options in `node:util` parseArgs form. */
  readonly options: NonNullable<ParseArgsConfig['options']>;
  /** Runs the command; the exit status when not 0 (`diff` exits 1 when files differ). */
  run(args: CommandArgs): Promise<number | undefined> | Promise<void>;
}
