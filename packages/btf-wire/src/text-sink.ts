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
    let cap = this.buf.byteLength * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  /** Appends an ASCII string. */
  text(s: string): void {
    const n = s.length;
    if (this.length + n > this.buf.byteLength) this.reserve(n);
    const buf = this.buf;
    let p = this.length;
    for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
    this.length = p;
  }

  /** Appends pre-encoded bytes. */
  bytes(b: Uint8Array): void {
    if (this.length + b.byteLength > this.buf.byteLength) this.reserve(b.byteLength);
    this.buf.set(b, this.length);
    this.length += b.byteLength;
  }

  /** Appends one byte. */
  byte(c: number): void {
    if (this.length + 1 > this.buf.byteLength) this.reserve(1);
    this.buf[this.length++] = c;
  }

  /** Appends the bytes of `src` from `start` up to (not including) the next NUL. */
  cstring(src: Uint8Array, start: number): void {
    let end = start;
    while (end < src.byteLength && src[end] !== 0) end++;
    const n = end - start;
    if (this.length + n > this.buf.byteLength) this.reserve(n);
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
    if (this.length + 10 > this.buf.byteLength) this.reserve(10);
    const buf = this.buf;
    if (v < 10) {
      buf[this.length++] = 48 + v;
      return;
    }
    const digits =
      v < 100
        ? 2
        : v < 1000
          ? 3
          : v < 10000
            ? 4
            : v < 100000
              ? 5
              : v < 1000000
                ? 6
                : v < 1e7
                  ? 7
                  : v < 1e8
                    ? 8
                    : v < 1e9
                      ? 9
                      : 10;
    let p = this.length + digits;
    this.length = p;
    let t = v;
    if (t > 0x7fffffff) {
      const q = Math.floor(t / 10);
      buf[--p] = 48 + (t - q * 10);
      t = q;
    }
    while (t >= 10) {
      const q = (t / 10) | 0;
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
