/**
 * A growable output buffer in one byte order: the one byte writer of btfkit, used by the
 * record encoder as by `Spec.marshal`. Capacity doubles as needed, so writing n bytes costs
 * O(n) in all.
 */
export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  /** `buf.byteLength` in a field: cheaper to read than a typed array's length in V8. */
  private cap: number;
  /** Whether multi-byte values are written little-endian. */
  readonly littleEndian: boolean;
  /** Bytes written so far. */
  length = 0;

  /**
   * @param littleEndian - byte order of multi-byte values
   * @param initialCapacity - starting capacity in bytes
   */
  constructor(littleEndian: boolean, initialCapacity = 1024) {
    this.littleEndian = littleEndian;
    this.cap = Math.max(16, initialCapacity);
    this.buf = new Uint8Array(this.cap);
    this.view = new DataView(this.buf.buffer);
  }

  /** Grows the buffer so that `size` more bytes fit. */
  private reserve(size: number): void {
    const need = this.length + size;
    let cap = this.cap * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
    this.cap = cap;
  }

  /** Appends an unsigned byte. */
  u8(v: number): void {
    if (this.length + 1 > this.cap) this.reserve(1);
    this.view.setUint8(this.length, v);
    this.length += 1;
  }

  /** Appends an unsigned 16-bit value. */
  u16(v: number): void {
    if (this.length + 2 > this.cap) this.reserve(2);
    this.view.setUint16(this.length, v, this.littleEndian);
    this.length += 2;
  }

  /** Appends a 32-bit value (the low 32 bits of `v`, signed or not). */
  u32(v: number): void {
    if (this.length + 4 > this.cap) this.reserve(4);
    this.view.setUint32(this.length, v >>> 0, this.littleEndian);
    this.length += 4;
  }

  /**
   * Appends three 32-bit values with one capacity check: the 12-byte common part of a type
   * record (name offset, info word, size or type) is the commonest write of an encoder.
   */
  u32x3(a: number, b: number, c: number): void {
    if (this.length + 12 > this.cap) this.reserve(12);
    const v = this.view;
    const p = this.length;
    const le = this.littleEndian;
    v.setUint32(p, a >>> 0, le);
    v.setUint32(p + 4, b >>> 0, le);
    v.setUint32(p + 8, c >>> 0, le);
    this.length = p + 12;
  }

  /** Appends an unsigned 64-bit value. */
  u64(v: bigint): void {
    if (this.length + 8 > this.cap) this.reserve(8);
    this.view.setBigUint64(this.length, BigInt.asUintN(64, v), this.littleEndian);
    this.length += 8;
  }

  /** Appends bytes. */
  bytes(b: Uint8Array): void {
    if (this.length + b.byteLength > this.cap) this.reserve(b.byteLength);
    this.buf.set(b, this.length);
    this.length += b.byteLength;
  }

  /** Appends `n` zero bytes. */
  zeros(n: number): void {
    if (this.length + n > this.cap) this.reserve(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
  }

  /** Overwrites a 32-bit value at `offset`, which must already be written. */
  patchU32(offset: number, v: number): void {
    this.view.setUint32(offset, v >>> 0, this.littleEndian);
  }

  /** The bytes written, as a view into the buffer (no copy). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}
