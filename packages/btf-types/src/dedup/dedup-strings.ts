import { FormatError } from '@btfkit/wire';
import { FNV_OFFSET, FNV_PRIME } from '../fnv.js';

// The strings of a dedup: NUL-terminated byte strings hashed and compared as bytes, in open
// addressing tables of typed arrays, as libbpf's `strset` does with C strings.

function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, FNV_PRIME);
  return h;
}

function sameBytes(a: Uint8Array, aStart: number, b: Uint8Array, bStart: number, len: number) {
  if (a[aStart + len] !== 0) return false;
  for (let i = 0; i < len; i++) if (a[aStart + i] !== b[bStart + i]) return false;
  return true;
}

/**
 * The string section being built: each distinct string once, at the offset of its first
 * addition (libbpf's `strset__add_str`).
 */
export class StringSetBuilder {
  private buf: Uint8Array;
  private len = 0;
  private slots: Int32Array;
  private count = 0;

  private readonly limit: number;

  /**
   * @param expectedBytes - a guess at the section's size
   * @param limit - the most bytes the section may hold
   */
  constructor(expectedBytes: number, limit: number) {
    this.limit = limit;
    this.buf = new Uint8Array(Math.max(64, expectedBytes));
    // BTF names run some 20 bytes on average: start with room for that many at half load.
    this.slots = new Int32Array(1 << Math.max(4, Math.ceil(Math.log2(expectedBytes / 16 + 1)) + 1));
  }

  /**
   * The offset of the string in `src[start, end)`, adding it when new.
   * @throws FormatError when the section would pass its limit
   */
  add(src: Uint8Array, start: number, end: number): number {
    const h = hashBytes(src, start, end);
    const len = end - start;
    const mask = this.slots.length - 1;
    let i = h & mask;
    for (;;) {
      const s = this.slots[i]!;
      if (s === 0) break;
      if (sameBytes(this.buf, s - 1, src, start, len)) return s - 1;
      i = (i + 1) & mask;
    }
    if (this.len + len + 1 > this.limit) {
      // Names may point into the middle of a string, and each such suffix becomes a string of
      // its own: a small blob could otherwise ask for a section of its size squared.
      throw new FormatError(
        `btf dedup: the deduplicated string section passes ${this.limit} bytes, the most the kernel reads`,
      );
    }
    if (this.len + len + 1 > this.buf.length) {
      const buf = new Uint8Array(Math.max(this.buf.length * 2, this.len + len + 1));
      buf.set(this.buf.subarray(0, this.len));
      this.buf = buf;
    }
    const off = this.len;
    this.buf.set(src.subarray(start, end), off);
    this.buf[off + len] = 0;
    this.len += len + 1;
    this.slots[i] = off + 1;
    if (++this.count * 2 > this.slots.length) this.rehash();
    return off;
  }

  /** The section's bytes (a view, valid until the next {@link add}). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    const buf = this.buf;
    for (const s of this.slots) {
      if (s === 0) continue;
      const start = s - 1;
      const end = buf.indexOf(0, start);
      let i = hashBytes(buf, start, end) & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = s;
    }
    this.slots = slots;
  }
}

/**
 * An index of an existing string section: the offset of the first occurrence of each string
 * (libbpf's `btf__find_str` on a base BTF).
 */
export class StringSectionIndex {
  private readonly bytes: Uint8Array;
  private readonly slots: Int32Array;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    let n = 0;
    for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0) n++;
    const slots = new Int32Array(1 << Math.max(4, Math.ceil(Math.log2(n + 1)) + 1));
    const mask = slots.length - 1;
    for (let start = 0; start < bytes.length; ) {
      let end = bytes.indexOf(0, start);
      if (end < 0) end = bytes.length;
      let i = hashBytes(bytes, start, end) & mask;
      let found = false;
      for (;;) {
        const s = slots[i]!;
        if (s === 0) break;
        if (sameBytes(bytes, s - 1, bytes, start, end - start)) {
          found = true;
          break;
        }
        i = (i + 1) & mask;
      }
      if (!found) slots[i] = start + 1;
      start = end + 1;
    }
    this.slots = slots;
  }

  /** The offset of the first occurrence of `src[start, end)`, or -1. */
  find(src: Uint8Array, start: number, end: number): number {
    const mask = this.slots.length - 1;
    const len = end - start;
    let i = hashBytes(src, start, end) & mask;
    for (;;) {
      const s = this.slots[i]!;
      if (s === 0) return -1;
      if (sameBytes(this.bytes, s - 1, src, start, len)) return s - 1;
      i = (i + 1) & mask;
    }
  }
}
