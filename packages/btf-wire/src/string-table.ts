import { FormatError } from './errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * A BTF string section: NUL-terminated strings addressed by byte offset. Strings are decoded
 * on lookup straight from the section's bytes; nothing is copied up front. In split BTF the
 * offsets continue the base's: offsets below the base table's length are the base's strings.
 */
export class StringTable {
  /** The section's bytes (a view into the blob). */
  readonly bytes: Uint8Array;
  /** The base table for split BTF. */
  readonly base: StringTable | undefined;
  /** The first offset that belongs to this table (the total length of the base tables). */
  readonly firstOffset: number;
  /** Offset of the section in the blob, for error messages. */
  readonly sectionOffset: number;

  /**
   * Validates a string section: for base BTF it is non-empty, starts with the empty string
   * and ends with NUL; split BTF may have an empty section.
   * @param sectionOffset - where the section starts in the blob, for error messages
   * @throws FormatError when the section is malformed
   */
  constructor(bytes: Uint8Array, base?: StringTable, sectionOffset = 0) {
    this.bytes = bytes;
    this.base = base;
    this.firstOffset = base ? base.firstOffset + base.bytes.byteLength : 0;
    this.sectionOffset = sectionOffset;
    const n = bytes.byteLength;
    if (n === 0) {
      if (!base) {
        throw new FormatError(`btf: offset ${sectionOffset}: string section is empty`, {
          offset: sectionOffset,
        });
      }
      return;
    }
    if (bytes[n - 1] !== 0) {
      throw new FormatError(
        `btf: offset ${sectionOffset + n - 1}: string section does not end with NUL`,
        { offset: sectionOffset + n - 1 },
      );
    }
    if (!base && bytes[0] !== 0) {
      throw new FormatError(
        `btf: offset ${sectionOffset}: string section does not start with the empty string`,
        { offset: sectionOffset },
      );
    }
  }

  /** The total length of this table and its bases: one past the last valid offset. */
  get end(): number {
    return this.firstOffset + this.bytes.byteLength;
  }

  /** Whether `offset` addresses a string in this table or its bases. */
  has(offset: number): boolean {
    return offset >= 0 && offset < this.end;
  }

  /**
   * The string at `offset`, or undefined when the offset is outside every table (bpftool
   * prints such names as `(invalid)`).
   */
  tryAt(offset: number): string | undefined {
    if (offset < this.firstOffset) return this.base?.tryAt(offset);
    const rel = offset - this.firstOffset;
    const bytes = this.bytes;
    if (rel >= bytes.byteLength) return undefined;
    const end = bytes.indexOf(0, rel);
    return decodeAscii(bytes, rel, end);
  }

  /**
   * The string at `offset`.
   * @throws FormatError when the offset is past the end of the table
   */
  at(offset: number): string {
    const s = this.tryAt(offset);
    if (s === undefined) {
      throw new FormatError(
        `btf: string offset ${offset} is past the end of the string table (${this.end} bytes)`,
      );
    }
    return s;
  }

  /** Length in bytes of the string at `offset` without decoding it, or -1 if out of range. */
  byteLengthAt(offset: number): number {
    if (offset < this.firstOffset) return this.base ? this.base.byteLengthAt(offset) : -1;
    const rel = offset - this.firstOffset;
    if (rel >= this.bytes.byteLength) return -1;
    return this.bytes.indexOf(0, rel) - rel;
  }

  /**
   * The offset of the first occurrence of `s` as a whole string in this table or its bases,
   * or undefined. A linear scan: for many lookups, use {@link offsetsByString}.
   */
  findString(s: string): number | undefined {
    const inBase = this.base?.findString(s);
    if (inBase !== undefined) return inBase;
    for (const [off, str] of this.entries()) if (str === s) return off;
    return undefined;
  }

  /**
   * The offset of the first occurrence of every string in this table and its bases (a base's
   * first): the index a writer that continues this table looks strings up in.
   */
  offsetsByString(): Map<string, number> {
    const out = new Map<string, number>();
    const chain: StringTable[] = [];
    for (let t: StringTable | undefined = this; t; t = t.base) chain.push(t);
    for (const t of chain.reverse()) {
      for (const [off, s] of t.entries()) if (!out.has(s)) out.set(s, off);
    }
    return out;
  }

  /**
   * Iterates `[offset, string]` over the strings of this table (not its bases), in order.
   */
  *entries(): IterableIterator<[number, string]> {
    const bytes = this.bytes;
    let rel = 0;
    while (rel < bytes.byteLength) {
      const end = bytes.indexOf(0, rel);
      yield [this.firstOffset + rel, decodeAscii(bytes, rel, end)];
      rel = end + 1;
    }
  }
}

/** Decodes bytes [start, end); pure ASCII (the usual case) skips the UTF-8 decoder. */
function decodeAscii(bytes: Uint8Array, start: number, end: number): string {
  const len = end - start;
  if (len === 0) return '';
  if (len <= 64) {
    let ascii = true;
    for (let i = start; i < end; i++) {
      if (bytes[i]! >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      let s = '';
      for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]!);
      return s;
    }
  }
  return utf8.decode(bytes.subarray(start, end));
}
