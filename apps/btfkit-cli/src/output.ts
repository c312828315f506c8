import { writeSync } from 'node:fs';
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

/**
 * Writes every chunk of an iterator. Byte chunks go straight to fd 1 with write(2): a dump is
 * a few large chunks, and the stream machinery around each write costs more than the write
 * in a process this short. A non-blocking stdout that is full (EAGAIN) hands the rest to the
 * stream, which waits for it to drain.
 */
export async function writeAll(chunks: Iterable<string | Uint8Array>): Promise<void> {
  let direct = process.stdout.writableLength === 0;
  for (const c of chunks) {
    if (direct && typeof c !== 'string') {
      const done = writeDirect(c);
      if (done === c.byteLength) continue;
      direct = false;
      await write(c.subarray(done));
      continue;
    }
    await write(c);
  }
}

/** Writes `b` to fd 1 until done or EAGAIN; returns how many bytes were written. */
function writeDirect(b: Uint8Array): number {
  let done = 0;
  while (done < b.byteLength) {
    try {
      done += writeSync(1, b, done);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') return done;
      if (code === 'EPIPE') process.exit(0);
      throw e;
    }
  }
  return done;
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
