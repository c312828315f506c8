import type { RawBtf, StringTable } from '@btfkit/wire';

const encoder = new TextEncoder();
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const UNDERSCORE = 0x5f;

/**
 * A hash index from essential name to type ID over one blob's types (not its base's), built
 * straight from the records' name offsets and the string table's bytes: no string and no
 * type object is created while building it. Chains are kept in ascending ID order.
 */
export class NameIndex {
  private readonly raw: RawBtf;
  private readonly heads: Int32Array;
  private readonly next: Int32Array;
  private readonly mask: number;

  /** Hashes the essential name of every named type of `raw`. */
  constructor(raw: RawBtf) {
    this.raw = raw;
    const n = raw.offsets.length;
    let cap = 16;
    while (cap < n * 2) cap *= 2;
    this.mask = cap - 1;
    this.heads = new Int32Array(cap);
    this.next = new Int32Array(n);
    const view = raw.reader.view;
    const le = raw.littleEndian;
    const offsets = raw.offsets;
    const strings = raw.strings;
    const ownBytes = strings.bytes;
    const ownFirst = strings.firstOffset;
    const ownEnd = ownFirst + ownBytes.byteLength;
    for (let i = n - 1; i >= 0; i--) {
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
      const bucket = h & this.mask;
      this.next[i] = this.heads[bucket]!;
      this.heads[bucket] = i + 1;
    }
  }

  /**
   * The IDs of the types whose full name is `name`, ascending. The essential name picks the
   * bucket; the full name is then compared byte for byte.
   */
  lookup(name: string): number[] {
    const query = encoder.encode(name);
    const h = essentialHash(query, 0, query.byteLength);
    const out: number[] = [];
    const raw = this.raw;
    const view = raw.reader.view;
    const le = raw.littleEndian;
    for (let i = this.heads[h & this.mask]!; i !== 0; i = this.next[i - 1]!) {
      const nameOff = view.getUint32(raw.offsets[i - 1]!, le);
      const loc = locate(raw.strings, nameOff);
      if (loc && equalsAt(loc.bytes, loc.rel, query)) out.push(raw.firstTypeId + i - 1);
    }
    return out;
  }
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

function equalsAt(bytes: Uint8Array, rel: number, query: Uint8Array): boolean {
  const n = query.byteLength;
  if (rel + n >= bytes.byteLength) return false;
  for (let k = 0; k < n; k++) if (bytes[rel + k] !== query[k]) return false;
  return bytes[rel + n] === 0;
}

/**
 * FNV-1a over the essential part of the NUL-terminated (or `end`-bounded) string at `start`:
 * the hash as it stood before the last `___` that is not at the start.
 */
function essentialHash(bytes: Uint8Array, start: number, end = bytes.byteLength): number {
  let h = FNV_OFFSET;
  let cut = 0;
  let hasCut = false;
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    if (b === 0) break;
    if (
      b === UNDERSCORE &&
      i > start &&
      i + 2 < end &&
      bytes[i + 1] === UNDERSCORE &&
      bytes[i + 2] === UNDERSCORE
    ) {
      cut = h;
      hasCut = true;
    }
    h = Math.imul(h ^ b, FNV_PRIME);
  }
  return (hasCut ? cut : h) >>> 0;
}
