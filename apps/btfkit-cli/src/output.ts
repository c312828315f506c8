import {
  closeSync,
  fchmodSync,
  fstatSync,
  fsyncSync,
  openSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from './cli-error.js';

let stream: NodeJS.WriteStream | undefined;

/**
 * `process.stdout`, made on first use: Node builds the stream (and loads the modules for a
 * pipe, file or terminal) only when the property is first read, which costs a dump that
 * writes straight to fd 1 several milliseconds for nothing. A closed pipe
 * (`btfkit dump | head`) ends the process quietly with status 0, as a well-behaved Unix
 * filter does.
 */
function stdout(): NodeJS.WriteStream {
  if (stream) return stream;
  stream = process.stdout;
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  return stream;
}

/** Writes to stdout with back-pressure. */
export async function write(chunk: string | Uint8Array): Promise<void> {
  const out = stdout();
  if (!out.write(chunk)) {
    await new Promise<void>((resolve) => out.once('drain', resolve));
  }
}

/**
 * Writes every chunk of an iterator. Byte chunks go straight to fd 1 with write(2): a dump is
 * a few large chunks, and the stream machinery around each write costs more than the write
 * in a process this short. A non-blocking stdout that is full (EAGAIN) hands the rest to the
 * stream, which waits for it to drain.
 */
export async function writeAll(chunks: Iterable<string | Uint8Array>): Promise<void> {
  // Straight to fd 1 while nothing waits in the stream, which would otherwise come out after.
  let direct = stream === undefined || stream.writableLength === 0;
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

/** Checks that exactly the expected number of positional arguments were given. */
export function positionals(args: string[], max: number, usage: string): string[] {
  if (args.length > max)
    throw new UsageError(`too many arguments: ${args.slice(max).join(' ')}\nusage: ${usage}`);
  return args;
}

let tempCount = 0;

/**
 * Writes a file atomically, the one way every command writes `-o OUT`: into a temporary file
 * beside `path` (same directory, so the rename never crosses filesystems), flushed to disk,
 * then renamed over `path`. A failure at any point (an error thrown while the chunks are
 * produced, a full disk, a kill) leaves `path` as it was; only a kill can leave the
 * temporary file (`.OUT.PID.N.tmp`) behind. An existing `path` keeps its permission bits.
 * Chunks are taken one at a time, so a generator that finds bad input half-way stops the
 * write before anything is renamed.
 * @returns the number of bytes written
 * @throws whatever producing the chunks throws; Error from `node:fs` when writing fails
 */
export function writeFileAtomic(
  path: string,
  chunks: Uint8Array | string | Iterable<Uint8Array | string>,
): number {
  let mode: number | undefined;
  try {
    mode = statSync(path).mode & 0o7777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  tempCount += 1;
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${tempCount}.tmp`);
  const fd = openSync(temp, 'wx', 0o666);
  let written = 0;
  try {
    try {
      if (mode !== undefined && (fstatSync(fd).mode & 0o7777) !== mode) fchmodSync(fd, mode);
      const all = typeof chunks === 'string' || chunks instanceof Uint8Array ? [chunks] : chunks;
      for (const chunk of all) {
        const b = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
        let done = 0;
        while (done < b.byteLength) done += writeSync(fd, b, done);
        written += done;
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (err) {
    try {
      unlinkSync(temp);
    } catch {
      // Already gone; the first error is the one to report.
    }
    throw err;
  }
  return written;
}
