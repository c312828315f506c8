import { EncodeError } from './errors.js';
import { FNV_OFFSET, FNV_PRIME } from './fnv.js';
import type { StringTable } from './string-table.js';

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);
const NO_INTS = new Int32Array(0);
/** Size - 1 of the table of recently interned names (see `recentRel`). */
const RECENT_MASK = 4095;
const decoder = new TextDecoder('utf-8');

/**
 * Builds a string section for encoding: the one string-table writer of btfkit, used by
 * hand-built records as by `Spec.marshal` and the `Builder`. Equal strings share one offset;
 * the empty string is offset 0 in base BTF. For split BTF, pass the base table: strings it
 * already has reuse the base's offsets and new ones continue after it.
 *
 * Bytes go straight into one growing buffer (ASCII without a `TextEncoder` round trip). For
 * re-encoding, it can start from an existing table's bytes ({@link seed}) so that every
 * original offset is kept, and take offset hints ({@link addAt}, {@link keyBy}) that spare
 * hashing the names of an unedited blob.
 */
export class StringTableBuilder {
  private readonly offsets = new Map<string, number>();
  private buf: Uint8Array;
  /** `buf.byteLength` in a field: cheaper to read than a typed array's length in V8. */
  private cap: number;
  private length = 0;
  private readonly firstOffset: number;
  private readonly base: StringTable | undefined;
  private baseIndex: Map<string, number> | undefined;
  /** Bytes at the start that came from {@link seed}. */
  private seeded = 0;
  /** Whether the seeded strings are in {@link offsets} yet. */
  private indexed = true;
  /** The table {@link keyBy} keys on. */
  private keyTable: StringTable | undefined;
  /** {@link keyTable}'s own bytes, their length and first offset, read on every name. */
  private keyBytes: Uint8Array = EMPTY;
  private keyEnd = 0;
  private keyFirst = 0;
  /**
   * By offset relative to {@link keyTable}'s own bytes: the offset here of the entry there,
   * 0 until it is added.
   */
  private keySlots: Int32Array | undefined;
  /**
   * While true, every string in the section besides '' was appended by {@link addAt} and is
   * indexed in {@link byBytes} instead of {@link offsets}: no JavaScript string is hashed.
   */
  private unhashed = false;
  /**
   * An open-addressing hash set of the strings appended while {@link unhashed}, hashed and
   * compared as bytes: 1 + the string's position in {@link buf}, 0 for an empty slot.
   */
  private byBytes: Int32Array | undefined;
  private byBytesCount = 0;
  /**
   * After {@link keyBy}, by source offset modulo {@link RECENT_MASK} + 1: the offset, the name
   * and its offset here last interned there. Common member names are then found by reference
   * in a small table, not compared and looked up again.
   */
  private recentRel: Int32Array = NO_INTS;
  private recentNames: (string | undefined)[] = [];
  private recentOffsets: Int32Array = NO_INTS;

  /** @param base - the base BTF's string table, for split BTF */
  constructor(base?: StringTable) {
    this.base = base;
    this.firstOffset = base ? base.end : 0;
    this.buf = new Uint8Array(4096);
    this.cap = 4096;
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
    if (this.cap < bytes.byteLength) this.grow(bytes.byteLength + 4096);
    this.buf.set(bytes, 0);
    this.length = bytes.byteLength;
    this.seeded = bytes.byteLength;
    this.indexed = false;
  }

  /**
   * Makes {@link addAt} take its hints as offsets in `table` (a blob the names were decoded
   * from), not in the seeded table: a name that is still the entry at its offset there is
   * found by that offset, not hashed. Offsets and order stay exactly as {@link add} gives
   * them. Call it before adding anything but '' (and after {@link seed}).
   */
  keyBy(table: StringTable): void {
    this.keyTable = table;
    this.keyBytes = table.bytes;
    this.keyEnd = table.bytes.byteLength;
    this.keyFirst = table.firstOffset;
    this.recentRel = new Int32Array(RECENT_MASK + 1).fill(-1);
    this.recentNames = new Array(RECENT_MASK + 1).fill(undefined);
    this.recentOffsets = new Int32Array(RECENT_MASK + 1);
    // The byte index can stand in for the string index only while it holds every string:
    // none seeded or in a base, none added yet. Otherwise each offset remembers its string's.
    this.unhashed = !this.base && this.seeded === 0 && this.offsets.size === 1;
    // About one entry per 16 bytes of names: a set that is at most half full for most blobs.
    if (this.unhashed) this.byBytes = new Int32Array(pow2(table.bytes.byteLength >> 3));
    else this.keySlots = new Int32Array(table.bytes.byteLength);
    // The names of most of a blob's types take about its section again.
    if (this.cap < table.bytes.byteLength) this.grow(table.bytes.byteLength + 4096);
  }

  /**
   * The offset of `s` like {@link add}, with `hint` the offset `s` had in a table to save the
   * lookup. By default that table is the seeded one, and when the seeded bytes there spell
   * `s`, that offset is kept without any lookup, so re-encoding an unedited blob never hashes
   * its strings. After {@link keyBy}, see there.
   */
  addAt(s: string, hint: number): number {
    if (this.keyTable !== undefined) return this.addKeyed(s, hint);
    const rel = hint - this.firstOffset;
    if (rel >= 0 && rel < this.seeded) {
      const buf = this.buf;
      const n = s.length;
      if (rel + n < this.seeded && buf[rel + n] === 0) {
        let i = 0;
        let seen = 0;
        for (; i < n; i++) {
          const c = s.charCodeAt(i);
          // A NUL inside `s` could match the end of one seeded string and the start of the
          // next: `add` refuses it instead.
          if (c === 0 || buf[rel + i] !== c) break;
          seen |= c;
        }
        // Only ASCII compares char for byte; anything else takes the lookup.
        if (i === n && seen < 0x80) return hint;
      }
    }
    return this.add(s);
  }

  private addKeyed(s: string, hint: number): number {
    const src = this.keyBytes;
    const rel = hint - this.keyFirst;
    const k = rel & RECENT_MASK;
    if (this.recentRel[k] === rel && this.recentNames[k] === s) return this.recentOffsets[k]!;
    const n = s.length;
    // Only an entry's start is keyed: a suffix of another entry may also be an entry of its
    // own. Comparing the bytes costs less than hashing the string, and proves the name was
    // not edited.
    if (
      n === 0 ||
      rel < 0 ||
      rel + n >= this.keyEnd ||
      src[rel + n] !== 0 ||
      (rel > 0 && src[rel - 1] !== 0)
    ) {
      return this.add(s);
    }
    let h = FNV_OFFSET;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      // NUL (an error) and non-ASCII take the lookup.
      if (c === 0 || c >= 0x80 || src[rel + i] !== c) return this.add(s);
      h = Math.imul(h ^ c, FNV_PRIME);
    }
    let off: number;
    if (this.unhashed) {
      off = this.firstOffset + this.intern(src, rel, n, h);
    } else {
      const slots = this.keySlots!;
      off = slots[rel]!;
      if (off === 0) {
        off = this.add(s);
        slots[rel] = off;
      }
    }
    this.recentRel[k] = rel;
    this.recentNames[k] = s;
    this.recentOffsets[k] = off;
    return off;
  }

  /**
   * The position in {@link buf} of the string in the `n` bytes at `rel` of `src` (`h` their
   * hash): where it was appended before, else appended now.
   */
  private intern(src: Uint8Array, rel: number, n: number, h: number): number {
    const set = this.byBytes!;
    const mask = set.length - 1;
    let buf = this.buf;
    let j = h & mask;
    for (; ; j = (j + 1) & mask) {
      const q = set[j]! - 1;
      if (q < 0) break;
      if (buf[q + n] === 0) {
        let i = 0;
        while (i < n && buf[q + i] === src[rel + i]) i++;
        if (i === n) return q;
      }
    }
    this.reserve(n + 1);
    buf = this.buf;
    const p = this.length;
    // Short, so a loop beats a subarray and set; the terminator comes along.
    for (let i = 0; i <= n; i++) buf[p + i] = src[rel + i]!;
    this.length = p + n + 1;
    set[j] = p + 1;
    if (++this.byBytesCount * 2 > set.length) this.rehash();
    return p;
  }

  /** Doubles {@link byBytes}. */
  private rehash(): void {
    const old = this.byBytes!;
    const set = new Int32Array(old.length * 2);
    const mask = set.length - 1;
    const buf = this.buf;
    for (let k = 0; k < old.length; k++) {
      const q = old[k]! - 1;
      if (q < 0) continue;
      let h = FNV_OFFSET;
      for (let i = q; buf[i] !== 0; i++) h = Math.imul(h ^ buf[i]!, FNV_PRIME);
      let j = h & mask;
      while (set[j] !== 0) j = (j + 1) & mask;
      set[j] = q + 1;
    }
    this.byBytes = set;
  }

  /** Indexes the strings {@link addAt} appended without hashing, so {@link add} sees them. */
  private hashKeyed(): void {
    this.unhashed = false;
    this.byBytes = undefined;
    this.keySlots = new Int32Array(this.keyEnd);
    // Everything after '' was appended unhashed, and no two are alike.
    this.indexRange(1, this.length);
  }

  /** Indexes the seeded strings, first occurrence first. */
  private indexSeeded(): void {
    this.indexRange(0, this.seeded);
    this.indexed = true;
  }

  /** Indexes the strings in bytes [`rel`, `end`) of the section, first occurrence first. */
  private indexRange(rel: number, end: number): void {
    const bytes = this.buf;
    const seen = this.offsets;
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
  }

  /**
   * The offset of `s`, adding it if new.
   * @throws EncodeError when `s` contains a NUL character
   */
  add(s: string): number {
    if (!this.indexed) this.indexSeeded();
    if (this.unhashed) {
      // Without a base, '' is offset 0: anonymous names do not need the index.
      if (s.length === 0) return 0;
      this.hashKeyed();
    }
    const known = this.offsets.get(s);
    if (known !== undefined) return known;
    if (this.base) {
      if (!this.baseIndex) this.baseIndex = this.base.offsetsByString();
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
      this.append(s);
    } else {
      if (s.includes('\0')) throw new EncodeError(`btf: string ${JSON.stringify(s)} contains NUL`);
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

  /** Appends `s`, known to be ASCII without NUL, and its terminator. */
  private append(s: string): void {
    const n = s.length;
    this.reserve(n + 1);
    const buf = this.buf;
    let p = this.length;
    for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
    buf[p++] = 0;
    this.length = p;
  }

  private reserve(n: number): void {
    if (this.length + n <= this.cap) return;
    let cap = this.cap * 2;
    while (cap < this.length + n) cap *= 2;
    this.grow(cap);
  }

  private grow(capacity: number): void {
    const next = new Uint8Array(capacity);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.cap = capacity;
  }
}

/** The least power of two at least `n`, and at least 1024. */
function pow2(n: number): number {
  let p = 1024;
  while (p < n) p *= 2;
  return p;
}
