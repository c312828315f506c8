import type { StringTable } from '@btfkit/wire';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

/**
 * Builds a string section for encoding, like wire's `StringTableBuilder` but writing bytes
 * straight into one growing buffer (ASCII without a `TextEncoder` round trip), and able to
 * start from an existing table's bytes so that re-encoding keeps every original offset.
 * Equal strings share one offset; the empty string is offset 0.
 */
export class StringTableWriter {
  private readonly offsets = new Map<string, number>();
  private buf: Uint8Array;
  private length = 0;
  private readonly firstOffset: number;
  private readonly base: StringTable | undefined;
  private baseIndex: Map<string, number> | undefined;
  /** Bytes at the start that came from {@link seed}. */
  private seeded = 0;
  /** Whether the seeded strings are in {@link offsets} yet. */
  private indexed = true;

  /** @param base - the base BTF's string table, for split BTF */
  constructor(base?: StringTable) {
    this.base = base;
    this.firstOffset = base ? base.end : 0;
    this.buf = new Uint8Array(4096);
    if (!base) this.add('');
  }

  /**
   * Starts the section with a copy of `table`'s own bytes (it must be empty so far, apart
   * from the leading empty string), so each of its strings keeps its offset. The strings are
   * indexed only when a string is added that no hint (see {@link addAt}) resolves.
   */
  seed(table: StringTable): void {
    const bytes = table.bytes;
    this.length = 0;
    // Room for the table and a few new names, without doubling up to it.
    if (this.buf.byteLength < bytes.byteLength) this.buf = new Uint8Array(bytes.byteLength + 4096);
    this.buf.set(bytes, 0);
    this.length = bytes.byteLength;
    this.seeded = bytes.byteLength;
    this.indexed = false;
  }

  /**
   * The offset of `s` like {@link add}, but first tries `hint`, the offset `s` had in the
   * seeded table: when the seeded bytes there spell `s`, that offset is kept without any
   * lookup, so re-encoding an unedited blob never hashes its strings.
   */
  addAt(s: string, hint: number): number {
    const rel = hint - this.firstOffset;
    if (rel >= 0 && rel < this.seeded) {
      const buf = this.buf;
      const n = s.length;
      if (rel + n < this.seeded && buf[rel + n] === 0) {
        let i = 0;
        let seen = 0;
        for (; i < n; i++) {
          const c = s.charCodeAt(i);
          if (buf[rel + i] !== c) break;
          seen |= c;
        }
        // Only ASCII compares char for byte; anything else takes the lookup.
        if (i === n && seen < 0x80) return hint;
      }
    }
    return this.add(s);
  }

  /** Indexes the seeded strings, first occurrence first. */
  private indexSeeded(): void {
    const bytes = this.buf;
    const end = this.seeded;
    const seen = this.offsets;
    let rel = 0;
    while (rel < end) {
      let stop = rel;
      let ascii = true;
      while (bytes[stop] !== 0) {
        if (bytes[stop]! >= 0x80) ascii = false;
        stop++;
      }
      let s: string;
      if (ascii && stop - rel <= 64) {
        s = '';
        for (let i = rel; i < stop; i++) s += String.fromCharCode(bytes[i]!);
      } else {
        s = decoder.decode(bytes.subarray(rel, stop));
      }
      if (!seen.has(s)) seen.set(s, this.firstOffset + rel);
      rel = stop + 1;
    }
    this.indexed = true;
  }

  /**
   * The offset of `s`, adding it if new.
   * @throws RangeError when `s` contains a NUL character
   */
  add(s: string): number {
    if (!this.indexed) this.indexSeeded();
    const known = this.offsets.get(s);
    if (known !== undefined) return known;
    if (this.base) {
      if (!this.baseIndex) this.baseIndex = indexTable(this.base);
      const inBase = this.baseIndex.get(s);
      if (inBase !== undefined) {
        this.offsets.set(s, inBase);
        return inBase;
      }
    }
    const off = this.firstOffset + this.length;
    const n = s.length;
    let ascii = true;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80 || c === 0) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      this.reserve(n + 1);
      const buf = this.buf;
      let p = this.length;
      for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
      buf[p++] = 0;
      this.length = p;
    } else {
      if (s.includes('\0')) throw new RangeError(`btf: string ${JSON.stringify(s)} contains NUL`);
      const enc = encoder.encode(s);
      this.reserve(enc.byteLength + 1);
      this.buf.set(enc, this.length);
      this.buf[this.length + enc.byteLength] = 0;
      this.length += enc.byteLength + 1;
    }
    this.offsets.set(s, off);
    return off;
  }

  /** The encoded section: a view of the writer's buffer, valid until the next {@link add}. */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buf.byteLength) return;
    let cap = this.buf.byteLength * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
}

function indexTable(table: StringTable): Map<string, number> {
  const out = new Map<string, number>();
  const chain: StringTable[] = [];
  for (let t: StringTable | undefined = table; t; t = t.base) chain.push(t);
  for (const t of chain.reverse()) {
    for (const [off, s] of t.entries()) if (!out.has(s)) out.set(s, off);
  }
  return out;
}
