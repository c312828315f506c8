/**
 * An ASCII/byte output buffer for formatters that print a lot of text (raw dumps of
 * vmlinux run to tens of MB). Numbers are written as digits directly and names are copied
 * byte for byte from the string table, so no intermediate JS strings are made.
 */
export class TextSink {
  private buf: Uint8Array;
  /** Bytes written so far. */
  length = 0;

  /** @param capacity - starting capacity in bytes */
  constructor(capacity = 1 << 16) {
    this.buf = new Uint8Array(capacity);
  }

  private reserve(n: number): void {
    const need = this.length + n;
    if (need <= this.buf.byteLength) return;
    let cap = this.buf.byteLength * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  /** Appends an ASCII string. */
  text(s: string): void {
    const n = s.length;
    this.reserve(n);
    const buf = this.buf;
    let p = this.length;
    for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
    this.length = p;
  }

  /** Appends pre-encoded bytes. */
  bytes(b: Uint8Array): void {
    this.reserve(b.byteLength);
    this.buf.set(b, this.length);
    this.length += b.byteLength;
  }

  /** Appends one byte. */
  byte(c: number): void {
    this.reserve(1);
    this.buf[this.length++] = c;
  }

  /** Appends the bytes of `src` from `start` up to (not including) the next NUL. */
  cstring(src: Uint8Array, start: number): void {
    let end = start;
    while (end < src.byteLength && src[end] !== 0) end++;
    const n = end - start;
    this.reserve(n);
    if (n < 32) {
      const buf = this.buf;
      let p = this.length;
      for (let i = start; i < end; i++) buf[p++] = src[i]!;
      this.length = p;
    } else {
      this.buf.set(src.subarray(start, end), this.length);
      this.length += n;
    }
  }

  /** Appends an unsigned 32-bit integer in decimal. */
  u32(v: number): void {
    this.reserve(10);
    const buf = this.buf;
    if (v < 10) {
      buf[this.length++] = 48 + v;
      return;
    }
    let digits = 1;
    for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
    let p = this.length + digits;
    this.length = p;
    let t = v;
    while (t >= 10) {
      const q = Math.floor(t / 10);
      buf[--p] = 48 + (t - q * 10);
      t = q;
    }
    buf[--p] = 48 + t;
  }

  /** Appends a signed integer in decimal. */
  i32(v: number): void {
    if (v < 0) {
      this.byte(45);
      this.u32(-v);
    } else {
      this.u32(v);
    }
  }

  /** The bytes written so far (a view, no copy). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  /** Forgets what was written, keeping the buffer. */
  reset(): void {
    this.length = 0;
  }
}
