import { Buffer } from 'node:buffer';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { FormatError } from '@btfkit/wire';
import type { RandomAccessSource } from '../source.js';

/** A {@link RandomAccessSource} over an open file that can be closed. */
export interface FileSource extends RandomAccessSource, Disposable {
  /** Closes the file; reads fail afterwards. */
  close(): void;
}

/**
 * Opens a file for random access with `fs.readSync`: only the ranges asked for are read,
 * so a large kernel image is never loaded whole. Close it (or use `using`) when done.
 * @throws Error from `fs` when the file cannot be opened
 */
export function fileSource(path: string): FileSource {
  const fd = openSync(path, 'r');
  let size: number;
  try {
    size = fstatSync(fd).size;
  } catch (err) {
    closeSync(fd);
    throw err;
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
      if (!open) throw new Error(`elf: ${path}: read after close`);
      if (offset < 0 || length < 0 || offset + length > size) {
        throw new FormatError(
          `elf: offset ${offset}: reading ${length} bytes runs past the end of the ${size}-byte file ${path}`,
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
            `elf: offset ${offset + done}: file ${path} ended early (it shrank while open?)`,
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
