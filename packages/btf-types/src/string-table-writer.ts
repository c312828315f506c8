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

  /** @param base - the base BTF's string table, for split BTF */
  constructor(base?: StringTable) {
    this.base = base;
    this.firstOffset = base ? base.end : 0;
    this.buf = new Uint8Array(4096);
    if (!base) this.add('');
  }

  /**
   * Starts the section with a copy of `table`'s own bytes (it must be empty so far, apart
   * from the leading empty string), so each of its strings keeps its offset.
   */
  seed(table: StringTable): void {
    const bytes = table.bytes;
    this.length = 0;
    this.reserve(bytes.byteLength);
    this.buf.set(bytes, 0);
    this.length = bytes.byteLength;
    let rel = 0;
    while (rel < bytes.byteLength) {
      let end = rel;
      let ascii = true;
      while (bytes[end] !== 0) {
        if (bytes[end]! >= 0x80) ascii = false;
        end++;
      }
      let s: string;
      if (ascii && end - rel <= 64) {
        s = '';
        for (let i = rel; i < end; i++) s += String.fromCharCode(bytes[i]!);
      } else {
        s = decoder.decode(bytes.subarray(rel, end));
      }
      if (!this.offsets.has(s)) this.offsets.set(s, this.firstOffset + rel);
      rel = end + 1;
    }
  }

  /**
   * The offset of `s`, adding it if new.
   * @throws RangeError when `s` contains a NUL character
   */
  add(s: string): number {
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

  /** The encoded section. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
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
