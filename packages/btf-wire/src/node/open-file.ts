import { Buffer } from 'node:buffer';
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { FormatError } from '../errors.js';
import { bytesSource, type RandomAccessSource } from '../random-access-source.js';

/** A {@link RandomAccessSource} over an open file that can be closed. */
export interface FileSource extends RandomAccessSource, Disposable {
  /** Closes the file; reads fail afterwards. */
  close(): void;
}

/** The largest file a gzipped input may unpack to: far above any vmlinux BTF (a few MiB). */
export const MAX_GUNZIPPED_SIZE = 1 << 30;

/**
 * Opens a file for random access with `fs.readSync`: only the ranges asked for are read,
 * so a large kernel image is never loaded whole. A gzipped file (a BTFHub archive, a
 * `.btf.gz`) is unpacked whole into memory instead, up to {@link MAX_GUNZIPPED_SIZE}. This
 * is the one place btfkit reads files in Node. Close it (or use `using`) when done.
 * @throws FormatError for a gzipped file that is corrupt or unpacks past the limit
 * @throws Error from `fs` when the file cannot be opened or read
 */
export function openFile(path: string): FileSource {
  const fd = openSync(path, 'r');
  let size: number;
  let gz: Uint8Array | undefined;
  try {
    size = fstatSync(fd).size;
    const head = new Uint8Array(2);
    if (readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b) {
      gz = readFileSync(fd);
    }
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  if (gz) {
    closeSync(fd);
    return gunzipped(path, gz);
  }
  let open = true;
  const close = () => {
    if (open) {
      open = false;
      closeSync(fd);
    }
  };
  return {
    size,
    read(offset: number, length: number): Uint8Array {
      if (!open) throw new Error(`btf: file ${path}: read after close`);
      if (offset < 0 || length < 0 || offset + length > size) {
        throw new FormatError(
          `btf: file ${path}: offset ${offset}: reading ${length} bytes runs past its end at ${size}`,
          { offset },
        );
      }
      // Every byte is read into it (or the read fails), so it need not be zeroed first, which
      // costs a tenth of a 5 MiB read from sysfs. Unpooled, and a plain Uint8Array over it:
      // `slice` copies, `buffer` holds these bytes only.
      const b = Buffer.allocUnsafeSlow(length);
      const out = new Uint8Array(b.buffer, b.byteOffset, length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, out, done, length - done, offset + done);
        if (n === 0) {
          throw new FormatError(
            `btf: file ${path}: offset ${offset + done}: the file ended early (it shrank while open?)`,
            {
              offset: offset + done,
            },
          );
        }
        done += n;
      }
      return out;
    },
    close,
    [Symbol.dispose]: close,
  };
}

/**
 * `node:zlib`, loaded on first use: loading it costs a short-lived process (a CLI dump) about
 * as much as the rest of the wire layer, and only gzipped files need it.
 */
function zlib(): typeof import('node:zlib') {
  return createRequire(import.meta.url)('node:zlib') as typeof import('node:zlib');
}

function gunzipped(path: string, gz: Uint8Array): FileSource {
  let b: Uint8Array;
  try {
    b = zlib().gunzipSync(gz, { maxOutputLength: MAX_GUNZIPPED_SIZE });
  } catch (err) {
    throw new FormatError(
      `btf: file ${path}: offset 0: gzip: ${err instanceof Error ? err.message : String(err)}`,
      { offset: 0 },
      { cause: err },
    );
  }
  const src = bytesSource(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
  const close = () => {};
  return { size: src.size, read: (o, n) => src.read(o, n), close, [Symbol.dispose]: close };
}
