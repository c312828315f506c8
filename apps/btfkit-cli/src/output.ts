import { UsageError } from './cli-error.js';

/**
 * Writes to stdout with back-pressure. A closed pipe (`btfkit dump | head`) ends the
 * process quietly with status 0, as a well-behaved Unix filter does.
 */
export async function write(chunk: string | Uint8Array): Promise<void> {
  if (!process.stdout.write(chunk)) {
    await new Promise<void>((resolve) => process.stdout.once('drain', resolve));
  }
}

/** Writes every chunk of an iterator. */
export async function writeAll(chunks: Iterable<string | Uint8Array>): Promise<void> {
  for (const c of chunks) await write(c);
}

/** Makes EPIPE on stdout end the process quietly. */
export function quietOnClosedPipe(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

/** Checks that exactly the expected number of positional arguments were given. */
export function positionals(args: string[], max: number, usage: string): string[] {
  if (args.length > max)
    throw new UsageError(`too many arguments: ${args.slice(max).join(' ')}\nusage: ${usage}`);
  return args;
}
