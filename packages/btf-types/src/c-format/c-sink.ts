import { FormatError, TextSink } from '@btfkit/wire';

/**
 * The byte buffer the C formatter prints into: wire's {@link TextSink} plus names copied
 * byte for byte from the string sections (as bpftool's `printf("%s")` does), libbpf's
 * indentation, and a bound on the total output.
 */
export class CSink extends TextSink {
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
    super(Math.max(capacity, 256));
    this.strings = strings;
    this.limit = limit;
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
    if (this.length + n + 1 > this.cap) this.reserve(n + 1);
    const buf = this.buf;
    let p = this.length;
    buf[p++] = 10;
    for (let i = 0; i < n; i++) buf[p++] = 9;
    this.length = p;
  }

  /** Appends the name at string offset `off`, without its NUL. */
  name(off: number): void {
    this.cstring(this.strings, off);
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

  /** Forgets what was written, keeping the buffer and counting it against the limit. */
  override reset(): void {
    this.flushed += this.length;
    super.reset();
  }
}
