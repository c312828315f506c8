/**
 * A growable output buffer in one byte order. Capacity doubles as needed, so writing n
 * bytes costs O(n) in all.
 */
export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
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
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
    this.view = new DataView(this.buf.buffer);
  }

  private reserve(size: number): void {
    const need = this.length + size;
    if (need <= this.buf.byteLength) return;
    let cap = this.buf.byteLength * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Appends an unsigned byte. */
  u8(v: number): void {
    this.reserve(1);
    this.view.setUint8(this.length, v);
    this.length += 1;
  }

  /** Appends an unsigned 16-bit value. */
  u16(v: number): void {
    this.reserve(2);
    this.view.setUint16(this.length, v, this.littleEndian);
    this.length += 2;
  }

  /** Appends a 32-bit value (the low 32 bits of `v`, signed or not). */
  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v >>> 0, this.littleEndian);
    this.length += 4;
  }

  /** Appends an unsigned 64-bit value. */
  u64(v: bigint): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, BigInt.asUintN(64, v), this.littleEndian);
    this.length += 8;
  }

  /** Appends bytes. */
  bytes(b: Uint8Array): void {
    this.reserve(b.byteLength);
    this.buf.set(b, this.length);
    this.length += b.byteLength;
  }

  /** Appends `n` zero bytes. */
  zeros(n: number): void {
    this.reserve(n);
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
