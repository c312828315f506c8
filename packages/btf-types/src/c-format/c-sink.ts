import { FormatError } from '@btfkit/wire';

/**
 * The byte buffer the C formatter prints into. Names are copied byte for byte from the
 * string sections, as bpftool's `printf("%s")` does, and text is ASCII; nothing is encoded.
 */
export class CSink {
  /** Bytes written so far. */
  length = 0;
  private buf: Uint8Array;
  /** `buf.byteLength` in a field: cheaper to read than a typed array's length in V8. */
  private cap: number;
  private readonly strings: Uint8Array;
  /** Bytes handed out by earlier {@link reset}s. */
  private flushed = 0;
  /** The most output this sink will produce. */
  private readonly limit: number;

  /**
   * @param strings - the string sections, end to end, that name offsets index
   * @param capacity - starting capacity in bytes
   * @param limit - the most bytes to print in all; past it, {@link newline} throws
   */
  constructor(strings: Uint8Array, capacity: number, limit = Number.POSITIVE_INFINITY) {
    this.strings = strings;
    this.limit = limit;
    this.buf = new Uint8Array(Math.max(capacity, 256));
    this.cap = this.buf.byteLength;
  }

  private grow(n: number): void {
    let cap = Math.max(256, this.cap * 2);
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.cap = cap;
  }

  /** Appends an ASCII string. */
  text(s: string): void {
    const n = s.length;
    if (this.length + n > this.cap) this.grow(n);
    const buf = this.buf;
    let p = this.length;
    for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
    this.length = p;
  }

  /** Appends one byte. */
  byte(c: number): void {
    if (this.length + 1 > this.cap) this.grow(1);
    this.buf[this.length++] = c;
  }

  /**
   * Appends a newline and `lvl` tabs (at most 13, as libbpf's `pfx`).
   * @throws FormatError once the output has passed its limit: claimed sizes and offsets can
   *   ask for padding lines (or nested anonymous types) far out of proportion to the input
   */
  newline(lvl: number): void {
    if (this.flushed + this.length > this.limit) {
      throw new FormatError(
        `btf: C output passed ${this.limit} bytes, far more than the input's types can need; refusing to print more`,
      );
    }
    const n = Math.min(lvl, 13);
    if (this.length + n + 1 > this.cap) this.grow(n + 1);
    const buf = this.buf;
    let p = this.length;
    buf[p++] = 10;
    for (let i = 0; i < n; i++) buf[p++] = 9;
    this.length = p;
  }

  /** Appends the name at string offset `off`, without its NUL. */
  name(off: number): void {
    const s = this.strings;
    let end = off;
    while (s[end] !== 0) end++;
    const n = end - off;
    if (this.length + n > this.cap) this.grow(n);
    const buf = this.buf;
    let p = this.length;
    for (let i = off; i < end; i++) buf[p++] = s[i]!;
    this.length = p;
  }

  /**
   * Appends the name at `off` with `___dups` after it when `dups` > 1, cut to 255 bytes as
   * libbpf's 256-byte `snprintf` buffer cuts it.
   */
  dupName(off: number, dups: number): void {
    const start = this.length;
    this.name(off);
    if (dups > 1) {
      this.text('___');
      this.u32(dups);
      if (this.length - start > 255) this.length = start + 255;
    }
  }

  /** Appends an unsigned 32-bit integer in decimal. */
  u32(v: number): void {
    if (this.length + 10 > this.cap) this.grow(10);
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

  /** Appends a signed 32-bit integer in decimal. */
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
    this.flushed += this.length;
    this.length = 0;
  }
}
