import type { RawBtf, StringTable } from '@btfkit/wire';
import { essentialByteLength, essentialNameLength } from './essential-name.js';
import { FNV_OFFSET, FNV_PRIME } from './fnv.js';

const encoder = new TextEncoder();
/** A kind mask (see {@link NameIndex.lookup}) that lets every kind through. */
export const ALL_KINDS = -1;

/**
 * How much lookup work, in units of one pass over every record, is done without the hash
 * index before it is built. Building hashes every byte of every name, about as much work as
 * this many passes (vmlinux, measured with `pnpm bench`). Answering without the index until
 * that work has cost what the build would, then building, never costs more than twice the
 * better of the two choices made in hindsight (the ski-rental bound), and a short-lived
 * process that looks up a few types (a loader's cold start) never builds the index at all.
 */
export const SCANS_BEFORE_INDEX = 8;

/**
 * What one lookup through the prefix column costs, in passes over every record: the column
 * is searched by the engine's native `indexOf` and only the few records that share a name's
 * first four bytes are compared in JavaScript. Measured on a vmlinux of 126,699 types: a pass
 * 0.86 ms, making the column 1.0 ms, a lookup through it 0.065 ms, building the hash index
 * 9 ms. So the index is built after about a hundred such lookups.
 */
const PREFIX_LOOKUP_COST = 0.075;

/**
 * A hash index from essential name to type ID over one blob's types (not its base's), built
 * straight from the records' name offsets and the string table's bytes: no string and no
 * type object is created while building it. Chains are kept in ascending ID order.
 *
 * Until the lookups have done {@link SCANS_BEFORE_INDEX} passes' worth of work, it is not
 * built. A name of four bytes or more is found through a column of every record's first four
 * name bytes, made by the first such lookup in one pass over the records and then searched
 * with the typed array's native `indexOf`; a shorter name by one pass over the records
 * comparing name bytes (a first-byte check rejects almost all).
 */
export class NameIndex {
  private readonly raw: RawBtf;
  private heads: Int32Array | undefined;
  private next: Int32Array | undefined;
  private mask = 0;
  /** Lookup work done without the index, in passes over every record. */
  private spent = 0;
  /**
   * `prefixes[i]` is the first four bytes of record `i`'s name as a little-endian word (bytes
   * past its NUL included), until the hash index replaces it.
   */
  private prefixes: Uint32Array | undefined;
  /** Chains over some kinds only (see {@link lookupEssential}), by kind mask; one `next`. */
  private kindHeads: Map<number, Int32Array> | undefined;
  private kindNext: Int32Array | undefined;
  private kindsCovered = 0;

  /** Prepares an index over `raw`; nothing is read until the first lookup. */
  constructor(raw: RawBtf) {
    this.raw = raw;
  }

  /**
   * The IDs of the types whose full name is `name`, ascending. The essential name picks the
   * bucket; the full name is then compared byte for byte.
   * @param kinds - only records whose wire kind `k` has bit `1 << k` set here (default: all)
   */
  lookup(name: string, kinds = ALL_KINDS): number[] {
    if (!this.heads) {
      if (this.spent < SCANS_BEFORE_INDEX) {
        const query = encoder.encode(name);
        if (query.byteLength < 4 || query.includes(0)) {
          this.spent += 1;
          return this.scan(query, kinds);
        }
        if (!this.prefixes) {
          this.spent += 1;
          this.prefixes = this.prefixColumn();
        }
        this.spent += PREFIX_LOOKUP_COST;
        return this.prefixLookup(this.prefixes, query, kinds);
      }
      this.build();
    }
    const raw = this.raw;
    const ascii = isAscii(name);
    const query = ascii ? undefined : encoder.encode(name);
    const h = query ? essentialHash(query, 0, query.byteLength) : essentialHashOf(name);
    const heads = this.heads!;
    const next = this.next!;
    const out: number[] = [];
    const view = raw.reader.view;
    const le = raw.littleEndian;
    const strings = raw.strings;
    const ownBytes = strings.bytes;
    const ownFirst = strings.firstOffset;
    for (let i = heads[h & this.mask]!; i !== 0; i = next[i - 1]!) {
      if (!kindIn(kinds, raw.kinds[i - 1]!)) continue;
      const nameOff = view.getUint32(raw.offsets[i - 1]!, le);
      const rel = nameOff - ownFirst;
      let hit: boolean;
      if (rel >= 0 && rel < ownBytes.byteLength) {
        hit = query ? equalsAt(ownBytes, rel, query) : equalsString(ownBytes, rel, name);
      } else {
        const loc = locate(strings, nameOff);
        hit =
          loc !== undefined &&
          (query ? equalsAt(loc.bytes, loc.rel, query) : equalsString(loc.bytes, loc.rel, name));
      }
      if (hit) out.push(raw.firstTypeID + i - 1);
    }
    return out;
  }

  /**
   * The IDs of the types whose essential name (`essentialName`) is `name`, ascending: `foo`,
   * `foo___v1` and `foo___v2` for `foo`. Names are compared in the string table's bytes; no
   * string is decoded. Builds the index if needed: the essential name is what it is keyed by.
   * A lookup of some kinds before the whole index exists hashes only those kinds' names (CO-RE
   * asks for a few kinds and must not hash the tens of thousands of FUNCs of a vmlinux).
   * @param kinds - only records whose wire kind `k` has bit `1 << k` set here (default: all)
   */
  lookupEssential(name: string, kinds = ALL_KINDS): number[] {
    let heads = this.kindHeads?.get(kinds);
    let next = this.kindNext;
    if (!heads) {
      if (this.heads || kinds === ALL_KINDS || (kinds & this.kindsCovered) !== 0) {
        if (!this.heads) this.build();
        heads = this.heads!;
        next = this.next;
      } else {
        this.kindNext ??= new Int32Array(this.raw.offsets.length);
        this.kindHeads ??= new Map();
        next = this.kindNext;
        heads = this.chain(kinds, next);
        this.kindsCovered |= kinds;
        this.kindHeads.set(kinds, heads);
      }
    }
    const query = encoder.encode(name);
    const n = query.byteLength;
    let h = FNV_OFFSET;
    for (let k = 0; k < n; k++) h = Math.imul(h ^ query[k]!, FNV_PRIME);
    const raw = this.raw;
    const view = raw.reader.view;
    const le = raw.littleEndian;
    const out: number[] = [];
    for (let i = heads[(h >>> 0) & (heads.length - 1)]!; i !== 0; i = next![i - 1]!) {
      if (!kindIn(kinds, raw.kinds[i - 1]!)) continue;
      const loc = locate(raw.strings, view.getUint32(raw.offsets[i - 1]!, le));
      if (!loc || essentialByteLength(loc.bytes, loc.rel) !== n) continue;
      let k = 0;
      while (k < n && loc.bytes[loc.rel + k] === query[k]) k++;
      if (k === n) out.push(raw.firstTypeID + i - 1);
    }
    return out;
  }

  /**
   * Every record of the given kinds whose name is `query`, by one pass over the records.
   * The kind is checked first: it sits beside the name offset, while the name's bytes are
   * elsewhere in memory (libbpf's `btf__find_by_name_kind` scans the same way).
   */
  private scan(query: Uint8Array, kinds: number): number[] {
    const out: number[] = [];
    const raw = this.raw;
    const strings = raw.strings;
    const ownBytes = strings.bytes;
    const ownFirst = strings.firstOffset;
    const ownEnd = ownFirst + ownBytes.byteLength;
    // An empty query matches a name offset that holds the empty string, as the index does.
    const q0 = query[0] ?? 0;
    const recordKinds = raw.kinds;
    const offsets = raw.offsets;
    const view = raw.reader.view;
    const le = raw.littleEndian;
    const words = raw.words;
    for (let i = 0; i < recordKinds.length; i++) {
      if (!kindIn(kinds, recordKinds[i]!)) continue;
      const off = offsets[i]!;
      const nameOff = words ? words[off >>> 2]! : view.getUint32(off, le);
      if (nameOff === 0) continue;
      if (nameOff >= ownFirst && nameOff < ownEnd) {
        const rel = nameOff - ownFirst;
        if (ownBytes[rel] === q0 && equalsAt(ownBytes, rel, query)) out.push(raw.firstTypeID + i);
      } else {
        const loc = locate(strings, nameOff);
        if (loc && equalsAt(loc.bytes, loc.rel, query)) out.push(raw.firstTypeID + i);
      }
    }
    return out;
  }

  /**
   * The records whose name is `query` (four bytes or more, no NUL) among those whose name
   * starts with its first four bytes, found by the native `indexOf` of the prefix column.
   */
  private prefixLookup(prefixes: Uint32Array, query: Uint8Array, kinds: number): number[] {
    const out: number[] = [];
    const raw = this.raw;
    const key = prefixWord(query, 0);
    const recordKinds = raw.kinds;
    const offsets = raw.offsets;
    const view = raw.reader.view;
    const le = raw.littleEndian;
    for (let i = prefixes.indexOf(key); i >= 0; i = prefixes.indexOf(key, i + 1)) {
      if (!kindIn(kinds, recordKinds[i]!)) continue;
      const loc = locate(raw.strings, view.getUint32(offsets[i]!, le));
      if (loc && equalsAt(loc.bytes, loc.rel, query)) out.push(raw.firstTypeID + i);
    }
    return out;
  }

  /**
   * One pass over the records that reads the first four bytes of every name into a word
   * (see {@link prefixes}); 0 for names whose table holds fewer than four bytes from them.
   */
  private prefixColumn(): Uint32Array {
    const raw = this.raw;
    const offsets = raw.offsets;
    const n = offsets.length;
    const out = new Uint32Array(n);
    const view = raw.reader.view;
    const le = raw.littleEndian;
    const strings = raw.strings;
    const own = strings.bytes;
    const ownFirst = strings.firstOffset;
    const ownLast = own.byteLength - 4;
    const ownView = new DataView(own.buffer, own.byteOffset, own.byteLength);
    // Name offsets read as native words where the section allows it (see RawBtf.words).
    const words = raw.words;
    for (let i = 0; i < n; i++) {
      const off = offsets[i]!;
      const rel = (words ? words[off >>> 2]! : view.getUint32(off, le)) - ownFirst;
      if (rel >= 0 && rel <= ownLast) {
        out[i] = ownView.getUint32(rel, true);
      } else {
        out[i] = prefixAt(strings, rel + ownFirst);
      }
    }
    return out;
  }

  /** Hashes the essential name of every named type. */
  private build(): void {
    const next = new Int32Array(this.raw.offsets.length);
    const heads = this.chain(ALL_KINDS, next);
    this.mask = heads.length - 1;
    this.heads = heads;
    this.next = next;
    this.prefixes = undefined;
  }

  /**
   * Chains the named records of the given kinds by the hash of their essential names, into
   * `next` (by record) and the bucket heads it returns (twice as many as records, or more).
   */
  private chain(kinds: number, next: Int32Array): Int32Array {
    const raw = this.raw;
    const recordKinds = raw.kinds;
    const n = recordKinds.length;
    let count = n;
    if (kinds !== ALL_KINDS) {
      count = 0;
      for (let i = 0; i < n; i++) if (kindIn(kinds, recordKinds[i]!)) count++;
    }
    let cap = 16;
    while (cap < count * 2) cap *= 2;
    const mask = cap - 1;
    const heads = new Int32Array(cap);
    const offsets = raw.offsets;
    const view = raw.reader.view;
    const le = raw.littleEndian;
    const strings = raw.strings;
    const ownBytes = strings.bytes;
    const ownFirst = strings.firstOffset;
    const ownEnd = ownFirst + ownBytes.byteLength;
    for (let i = n - 1; i >= 0; i--) {
      if (kinds !== ALL_KINDS && !kindIn(kinds, recordKinds[i]!)) continue;
      const nameOff = view.getUint32(offsets[i]!, le);
      if (nameOff === 0) continue;
      let h: number;
      if (nameOff >= ownFirst && nameOff < ownEnd) {
        h = essentialHash(ownBytes, nameOff - ownFirst);
      } else {
        const loc = locate(strings, nameOff);
        if (!loc) continue;
        h = essentialHash(loc.bytes, loc.rel);
      }
      const bucket = h & mask;
      next[i] = heads[bucket]!;
      heads[bucket] = i + 1;
    }
    return heads;
  }
}

/** Whether wire kind `k` is in the mask `kinds`. */
function kindIn(kinds: number, k: number): boolean {
  return k < 32 ? (kinds & (1 << k)) !== 0 : kinds === ALL_KINDS;
}

/** The bytes of the table (of a chain of split tables) holding `offset`, and where in them. */
function locate(
  table: StringTable | undefined,
  offset: number,
): { bytes: Uint8Array; rel: number } | undefined {
  for (let t = table; t; t = t.base) {
    if (offset >= t.firstOffset) {
      const rel = offset - t.firstOffset;
      return rel < t.bytes.byteLength ? { bytes: t.bytes, rel } : undefined;
    }
  }
  return undefined;
}

/** {@link NameIndex}'s prefix word of the name at `offset` in a chain of split tables. */
function prefixAt(table: StringTable, offset: number): number {
  const loc = locate(table, offset);
  if (!loc || loc.rel + 4 > loc.bytes.byteLength) return 0;
  return prefixWord(loc.bytes, loc.rel);
}

/** The four bytes at `rel` as an unsigned little-endian word: a prefix column entry. */
function prefixWord(b: Uint8Array, rel: number): number {
  return (b[rel]! | (b[rel + 1]! << 8) | (b[rel + 2]! << 16) | (b[rel + 3]! << 24)) >>> 0;
}

function equalsAt(bytes: Uint8Array, rel: number, query: Uint8Array): boolean {
  const n = query.byteLength;
  if (rel + n >= bytes.byteLength) return false;
  for (let k = 0; k < n; k++) if (bytes[rel + k] !== query[k]) return false;
  return bytes[rel + n] === 0;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

/** {@link equalsAt} for an ASCII query given as a string. */
function equalsString(bytes: Uint8Array, rel: number, query: string): boolean {
  const n = query.length;
  if (rel + n >= bytes.byteLength) return false;
  for (let k = 0; k < n; k++) if (bytes[rel + k] !== query.charCodeAt(k)) return false;
  return bytes[rel + n] === 0;
}

/** {@link essentialHash} of an ASCII string, without encoding it. */
function essentialHashOf(s: string): number {
  const n = essentialNameLength(s);
  let h = FNV_OFFSET;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}

/**
 * FNV-1a over the essential part (see {@link essentialByteLength}) of the NUL-terminated (or
 * `end`-bounded) string at `start`.
 */
function essentialHash(bytes: Uint8Array, start: number, end = bytes.byteLength): number {
  const stop = start + essentialByteLength(bytes, start, end);
  let h = FNV_OFFSET;
  for (let i = start; i < stop; i++) h = Math.imul(h ^ bytes[i]!, FNV_PRIME);
  return h >>> 0;
}
