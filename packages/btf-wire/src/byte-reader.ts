import { FormatError } from './errors.js';

/**
 * A cursor over an exact byte range, in one byte order. Every read is bounds-checked and a
 * failure names the absolute offset (relative to `base`, the position of this range in the
 * file or blob the caller reports offsets against).
 */
export class ByteReader {
  /** The bytes this reader covers. */
  readonly bytes: Uint8Array;
  /** A view over exactly {@link bytes}. */
  readonly view: DataView;
  /** Whether multi-byte values are little-endian. */
  readonly littleEndian: boolean;
  /** Offset of `bytes[0]` in whatever the caller reports offsets against. */
  readonly base: number;
  /** The current position, relative to `bytes[0]`. */
  pos = 0;
  private readonly subject: string;

  /**
   * @param bytes - the range to read
   * @param littleEndian - byte order of multi-byte values
   * @param base - absolute offset of `bytes[0]`, for error messages
   * @param subject - the prefix of error messages (`btf`, `btf.ext`, `elf`)
   */
  constructor(bytes: Uint8Array, littleEndian: boolean, base = 0, subject = 'btf') {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.littleEndian = littleEndian;
    this.base = base;
    this.subject = subject;
  }

  /** Bytes left after {@link pos}. */
  get remaining(): number {
    return this.bytes.byteLength - this.pos;
  }

  /**
   * Throws a {@link FormatError} unless `size` bytes exist at `pos`.
   * @param what - what was being read, for the message
   */
  need(size: number, what: string, pos = this.pos): void {
    if (pos < 0 || size < 0 || pos + size > this.bytes.byteLength) {
      throw new FormatError(
        `${this.subject}: offset ${this.base + pos}: ${what} needs ${size} bytes, ${Math.max(0, this.bytes.byteLength - pos)} left`,
        { offset: this.base + pos },
      );
    }
  }

  /** Reads an unsigned byte. */
  u8(what = 'u8'): number {
    this.need(1, what);
    return this.view.getUint8(this.pos++);
  }

  /** Reads an unsigned 16-bit value. */
  u16(what = 'u16'): number {
    this.need(2, what);
    const v = this.view.getUint16(this.pos, this.littleEndian);
    this.pos += 2;
    return v;
  }

  /** Reads an unsigned 32-bit value. */
  u32(what = 'u32'): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos, this.littleEndian);
    this.pos += 4;
    return v;
  }

  /** Reads a signed 32-bit value. */
  i32(what = 'i32'): number {
    this.need(4, what);
    const v = this.view.getInt32(this.pos, this.littleEndian);
    this.pos += 4;
    return v;
  }

  /** Reads an unsigned 64-bit value. */
  u64(what = 'u64'): bigint {
    this.need(8, what);
    const v = this.view.getBigUint64(this.pos, this.littleEndian);
    this.pos += 8;
    return v;
  }

  /** Returns the next `size` bytes without copying and advances past them. */
  take(size: number, what = 'bytes'): Uint8Array {
    this.need(size, what);
    const out = this.bytes.subarray(this.pos, this.pos + size);
    this.pos += size;
    return out;
  }
}
