/**
 * An ASCII/byte output buffer for formatters that print a lot of text (raw dumps of
 * vmlinux run to tens of MB). Numbers are written as digits directly and names are copied
 * byte for byte from the string table, so no intermediate JS strings are made.
 */
export class TextSink {
  /** The buffer; bytes past {@link length} are scratch. Subclasses append through it. */
  protected buf: Uint8Array;
  /**
   * `buf.byteLength`, kept in a field: reading a typed array's length costs more than a
   * field in V8, and every append checks it.
   */
  protected cap: number;
  /** Bytes written so far. */
  length = 0;

  /** @param capacity - starting capacity in bytes */
  constructor(capacity = 1 << 16) {
    this.buf = new Uint8Array(capacity);
    this.cap = capacity;
  }

  /** Grows the buffer so that `n` more bytes fit. */
  protected reserve(n: number): void {
    const need = this.length + n;
    let cap = Math.max(this.cap * 2, 16);
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.cap = cap;
  }

  /** Appends an ASCII string. */
  text(s: string): void {
    const n = s.length;
    if (this.length + n > this.cap) this.reserve(n);
    const buf = this.buf;
    let p = this.length;
    for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
    this.length = p;
  }

  /** Appends pre-encoded bytes. */
  bytes(b: Uint8Array): void {
    const n = b.length;
    if (this.length + n > this.cap) this.reserve(n);
    if (n < 32) {
      // A loop beats `set` for the short labels formatters append.
      const buf = this.buf;
      let p = this.length;
      for (let i = 0; i < n; i++) buf[p++] = b[i]!;
      this.length = p;
    } else {
      this.buf.set(b, this.length);
      this.length += n;
    }
  }

  /** Appends one byte. */
  byte(c: number): void {
    if (this.length >= this.cap) this.reserve(1);
    this.buf[this.length++] = c;
  }

  /** Appends the bytes of `src` from `start` up to (not including) the next NUL. */
  cstring(src: Uint8Array, start: number): void {
    // One pass: copy until NUL or the end of `src`, growing only when the buffer fills.
    let buf = this.buf;
    let cap = this.cap;
    let p = this.length;
    const n = src.length;
    for (let i = start; i < n; i++) {
      const b = src[i]!;
      if (b === 0) break;
      if (p >= cap) {
        this.length = p;
        this.reserve(1);
        buf = this.buf;
        cap = this.cap;
      }
      buf[p++] = b;
    }
    this.length = p;
  }

  /** Appends an unsigned 32-bit integer in decimal. */
  u32(v: number): void {
    if (this.length + 10 > this.cap) this.reserve(10);
    this.length = putU32(this.buf, this.length, v);
  }

  /**
   * Makes room for `n` more bytes and returns the buffer, for formatters that write a whole
   * line at a time from {@link length} on (and then set {@link length} past it).
   */
  room(n: number): Uint8Array {
    if (this.length + n > this.cap) this.reserve(n);
    return this.buf;
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

/**
 * Writes `v` (an unsigned 32-bit integer) in decimal at `p`, which must have room for 10
 * bytes; returns the position after it.
 */
export function putU32(buf: Uint8Array, p: number, v: number): number {
  if (v < 10) {
    buf[p] = 48 + v;
    return p + 1;
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
  const end = p + digits;
  let q = end;
  let t = v;
  if (t > 0x7fffffff) {
    const d = Math.floor(t / 10);
    buf[--q] = 48 + (t - d * 10);
    t = d;
  }
  while (t >= 10) {
    const d = (t / 10) | 0;
    buf[--q] = 48 + (t - d * 10);
    t = d;
  }
  buf[--q] = 48 + t;
  return end;
}

/** Copies `b` to `buf` at `p` (which must have room); returns the position after it. */
export function putBytes(buf: Uint8Array, p: number, b: Uint8Array): number {
  const n = b.length;
  for (let i = 0; i < n; i++) buf[p + i] = b[i]!;
  return p + n;
}
