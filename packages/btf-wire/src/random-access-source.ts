import { FormatError } from './errors.js';

/**
 * Random access to the bytes of a file or blob: the ELF reader asks only for the ranges it
 * needs (the header, the section table, the sections it is asked for), so a large kernel
 * image is never read whole.
 */
export interface RandomAccessSource {
  /** Total size in bytes. */
  readonly size: number;
  /**
   * Returns exactly `length` bytes starting at `offset`. The reader only asks for ranges
   * inside `[0, size)`. The result must stay valid and unchanged: the reader keeps it
   * (a view into a buffer the source never reuses is fine).
   */
  read(offset: number, length: number): Uint8Array;
}

/**
 * A {@link RandomAccessSource} over bytes already in memory; reads are zero-copy views.
 * Works in every JavaScript runtime.
 */
export function bytesSource(bytes: Uint8Array): RandomAccessSource {
  return {
    size: bytes.byteLength,
    read(offset: number, length: number): Uint8Array {
      if (offset < 0 || length < 0 || offset + length > bytes.byteLength) {
        throw new FormatError(
          `btf: offset ${offset}: reading ${length} bytes runs past the end of the ${bytes.byteLength}-byte input`,
          { offset },
        );
      }
      return bytes.subarray(offset, offset + length);
    },
  };
}
