import { EncodeError, FormatError } from './errors.js';
import { BTF_KIND, BTF_KIND_LIMIT, BTF_VLEN_LIMIT } from './kinds.js';
import type { KindLayout } from './layout.js';

/**
 * The record format in one place: the bit layout of the info word, of an INT's word and of a
 * member's offset word, the bytes each kind carries after the 12-byte common part, which
 * kinds refer to other types, and how sizes resolve through them (with libbpf's depth
 * limit). Every reader in btfkit — the parser, the dumps, the decoder, the C formatter, the
 * DATASEC fix-up — takes these from here; a hot path calls the small functions below rather
 * than spelling out shifts and masks itself.
 * @see https://docs.kernel.org/bpf/btf.html#type-encoding
 */

/** The name of a kind, as a key of {@link BTF_KIND}. */
export type BtfKindName = keyof typeof BTF_KIND;

/**
 * The vlen in an info word: bits 0–23. Kernels up to 6.18 and libbpf 1.1 define only bits
 * 0–15 (`BTF_INFO_VLEN` masks `0xffff`) and keep bits 16–23 zero; the extended format with
 * a layout section widens vlen to 24 bits. btfkit reads all 24 whatever the header, because
 * that is the only reading under which a record's length matches the bytes it occupies: a
 * 16-bit reader sees a struct of 65,538 members as 2 members followed by garbage (libbpf 1.1
 * then fails on "Unsupported BTF_KIND:0"; kernel 6.18 rejects the record as "Invalid
 * btf_info").
 */
export function infoVlen(info: number): number {
  // Literal masks here and below: the hottest loops inline these functions.
  return info & 0xffffff;
}

/** The kind in an info word: bits 24–30. */
export function infoKind(info: number): number {
  return (info >>> 24) & 0x7f;
}

/** The kind_flag in an info word: bit 31. */
export function infoKflag(info: number): boolean {
  return info >>> 31 === 1;
}

/**
 * Builds an info word.
 * @throws EncodeError on a kind past 7 bits or a vlen past 24 bits
 */
export function makeInfo(kind: number, vlen: number, kflag: boolean): number {
  if (kind < 0 || kind > BTF_KIND_LIMIT) throw new EncodeError(`btf: kind ${kind} out of range`);
  if (vlen < 0 || vlen > BTF_VLEN_LIMIT) throw new EncodeError(`btf: vlen ${vlen} out of range`);
  return ((kflag ? 0x80000000 : 0) | (kind << 24) | vlen) >>> 0;
}

/** An INT's encoding bits (`BTF_INT_ENCODING`, bits 24–27 of the word after the record). */
export function intEncoding(word: number): number {
  return (word >>> 24) & 0x0f;
}

/** An INT's bit offset (`BTF_INT_OFFSET`, bits 16–23). */
export function intBitOffset(word: number): number {
  return (word >>> 16) & 0xff;
}

/** An INT's number of value bits (`BTF_INT_BITS`, bits 0–7). */
export function intBits(word: number): number {
  return word & 0xff;
}

/** Packs an INT's word; fields are truncated to their bits as the kernel's macros do. */
export function makeIntWord(encoding: number, bitOffset: number, bits: number): number {
  return (((encoding & 0x0f) << 24) | ((bitOffset & 0xff) << 16) | (bits & 0xff)) >>> 0;
}

/** The bit offset of a member, given its composite's kind_flag. */
export function memberBitOffset(kflag: boolean, offset: number): number {
  return kflag ? offset & 0xffffff : offset;
}

/** The bitfield size of a member (0 when not a bitfield), given its composite's kind_flag. */
export function memberBitfieldSize(kflag: boolean, offset: number): number {
  return kflag ? offset >>> 24 : 0;
}

/** Largest member bit offset a kind_flag composite can carry (bits 0–23 of the word). */
export const MEMBER_BIT_OFFSET_LIMIT = 0xffffff;

/** Largest bitfield size a kind_flag composite can carry (bits 24–31 of the word). */
export const MEMBER_BITFIELD_SIZE_LIMIT = 0xff;

/**
 * Packs a member's bit offset and bitfield size into the offset word.
 * @throws EncodeError when a bitfield is asked for without kind_flag, or values do not fit
 */
export function packMemberOffset(kflag: boolean, bitOffset: number, bitfieldSize: number): number {
  if (!kflag) {
    if (bitfieldSize !== 0) throw new EncodeError('btf: bitfield size needs kind_flag');
    return bitOffset >>> 0;
  }
  if (bitOffset > MEMBER_BIT_OFFSET_LIMIT || bitfieldSize > MEMBER_BITFIELD_SIZE_LIMIT) {
    throw new EncodeError(`btf: member bit offset ${bitOffset} or size ${bitfieldSize} too large`);
  }
  return ((bitfieldSize << 24) | bitOffset) >>> 0;
}

/**
 * How a kind refers to other types:
 * - `none`: not at all (INT, FWD, FLOAT, ENUM, ENUM64);
 * - `type`: the record's third word is a type ID (PTR, TYPEDEF, qualifiers, FUNC, VAR,
 *   DECL_TAG, TYPE_TAG);
 * - `array`: `struct btf_array` holds the element and index types;
 * - `members`: each `struct btf_member` holds one;
 * - `proto`: the third word is the return type and each parameter holds one;
 * - `entries`: each `struct btf_var_secinfo` holds one (a VAR or FUNC).
 */
export type KindRefs = 'none' | 'type' | 'array' | 'members' | 'proto' | 'entries';

/** What a kind's record carries: its trailing bytes and how it refers to other types. */
export interface KindFormat {
  /** Bytes after the 12-byte common part, whatever the vlen; -1 when unknown. */
  readonly fixed: number;
  /** Bytes per vlen element after those (FUNC's vlen is its linkage: 0). */
  readonly perVlen: number;
  /** How the record refers to other types. */
  readonly refs: KindRefs;
}

/**
 * Every kind's record format, by kind name. The mapped type makes the compiler reject a
 * table that misses a kind of {@link BTF_KIND}.
 */
export const KIND_FORMAT: { readonly [K in BtfKindName]: KindFormat } = {
  UNKN: { fixed: -1, perVlen: 0, refs: 'none' },
  INT: { fixed: 4, perVlen: 0, refs: 'none' },
  PTR: { fixed: 0, perVlen: 0, refs: 'type' },
  ARRAY: { fixed: 12, perVlen: 0, refs: 'array' },
  STRUCT: { fixed: 0, perVlen: 12, refs: 'members' },
  UNION: { fixed: 0, perVlen: 12, refs: 'members' },
  ENUM: { fixed: 0, perVlen: 8, refs: 'none' },
  FWD: { fixed: 0, perVlen: 0, refs: 'none' },
  TYPEDEF: { fixed: 0, perVlen: 0, refs: 'type' },
  VOLATILE: { fixed: 0, perVlen: 0, refs: 'type' },
  CONST: { fixed: 0, perVlen: 0, refs: 'type' },
  RESTRICT: { fixed: 0, perVlen: 0, refs: 'type' },
  FUNC: { fixed: 0, perVlen: 0, refs: 'type' },
  FUNC_PROTO: { fixed: 0, perVlen: 8, refs: 'proto' },
  VAR: { fixed: 4, perVlen: 0, refs: 'type' },
  DATASEC: { fixed: 0, perVlen: 12, refs: 'entries' },
  FLOAT: { fixed: 0, perVlen: 0, refs: 'none' },
  DECL_TAG: { fixed: 4, perVlen: 0, refs: 'type' },
  TYPE_TAG: { fixed: 0, perVlen: 0, refs: 'type' },
  ENUM64: { fixed: 0, perVlen: 12, refs: 'none' },
};

/** {@link KIND_FORMAT} indexed by kind number, for readers that have a number. */
const FORMAT_BY_KIND: readonly KindFormat[] = (() => {
  const out: KindFormat[] = [];
  for (const name of Object.keys(BTF_KIND) as BtfKindName[]) {
    out[BTF_KIND[name]] = KIND_FORMAT[name];
  }
  return out;
})();
const FIXED_TRAILING = Int32Array.from(FORMAT_BY_KIND, (f) => f.fixed);
const VLEN_TRAILING = Int32Array.from(FORMAT_BY_KIND, (f) => f.perVlen);
const REFERS_BY_TYPE = Uint8Array.from(FORMAT_BY_KIND, (f) => (f.refs === 'type' ? 1 : 0));

/**
 * Bytes that follow the 12-byte common part of a record of this kind and vlen, or -1 for a
 * kind that is not known and not described by `layout`.
 */
export function trailingSize(kind: number, vlen: number, layout?: readonly KindLayout[]): number {
  const fixed = kind < FIXED_TRAILING.length ? FIXED_TRAILING[kind]! : -1;
  if (fixed >= 0) return fixed + VLEN_TRAILING[kind]! * vlen;
  return layoutTrailingSize(kind, vlen, layout);
}

/**
 * The record walk of a type section held as native-order 32-bit words, the fast path of
 * parsing: fills `offsets[i]` (byte offset of record `i`) and `kinds[i]` and returns how many
 * records it indexed. It stops at the end of the words or at the first record it cannot take
 * whole (an unknown kind, a size that is not a whole number of words, a record that runs past
 * the end) and leaves the byte offset where it stopped in `offsets[count]`, so `offsets` needs
 * room for one more entry than there are records. The caller goes on from there with a
 * byte-wise walk that reports the problem. Everything the loop needs is inline: a short-lived
 * process runs it before the JIT has optimized anything, where every call costs.
 */
export function indexRecordWords(
  words: Uint32Array,
  offsets: Uint32Array,
  kinds: Uint8Array,
  layout?: readonly KindLayout[],
): number {
  const end = words.length;
  const known = FIXED_TRAILING.length;
  let n = 0;
  let w = 0;
  while (w + 3 <= end) {
    const info = words[w + 1]!;
    const kind = (info >>> 24) & 0x7f;
    const vlen = info & 0xffffff;
    const fixed = kind < known ? FIXED_TRAILING[kind]! : -1;
    const trailing =
      fixed >= 0 ? fixed + VLEN_TRAILING[kind]! * vlen : layoutTrailingSize(kind, vlen, layout);
    if (trailing < 0 || (trailing & 3) !== 0) break;
    const next = w + 3 + trailing / 4;
    if (next > end) break;
    kinds[n] = kind;
    offsets[n++] = w * 4;
    w = next;
  }
  offsets[n] = w * 4;
  return n;
}

/** {@link trailingSize} of a kind only a layout section can size; out of the hot path. */
function layoutTrailingSize(kind: number, vlen: number, layout?: readonly KindLayout[]): number {
  const l = kind === 0 ? undefined : layout?.[kind];
  return l ? l.infoSize + l.elemSize * vlen : -1;
}

const REFS_BY_KIND: readonly KindRefs[] = Array.from(FORMAT_BY_KIND, (f) => f?.refs ?? 'none');

/**
 * Calls `visit` with the index of every word of a record that holds a type ID, as
 * {@link KIND_FORMAT}'s `refs` say: the record starts at `words[at]` (its name offset) in
 * native-order 32-bit words. Kinds that refer to no type, and unknown kinds, visit nothing.
 */
export function forEachTypeRefWord(
  words: ArrayLike<number>,
  at: number,
  visit: (index: number) => void,
): void {
  const info = words[at + 1]!;
  const vlen = infoVlen(info);
  switch (REFS_BY_KIND[infoKind(info)] ?? 'none') {
    case 'type':
      visit(at + 2);
      break;
    case 'array':
      visit(at + 3);
      visit(at + 4);
      break;
    case 'members':
      for (let m = at + 4, end = at + 3 + 3 * vlen; m < end; m += 3) visit(m);
      break;
    case 'proto':
      visit(at + 2);
      for (let p = at + 4, end = at + 3 + 2 * vlen; p < end; p += 2) visit(p);
      break;
    case 'entries':
      for (let e = at + 3, end = at + 3 + 3 * vlen; e < end; e += 3) visit(e);
      break;
    case 'none':
      break;
  }
}

/** Whether a record of this kind holds a type ID in its third word (see {@link KindRefs}). */
export function refersByTypeWord(kind: number): boolean {
  return REFERS_BY_TYPE[kind] === 1;
}

/**
 * How many records a size or type resolution visits before giving up, libbpf's
 * `MAX_RESOLVE_DEPTH` (32): the start and at most 31 references after it. libbpf's
 * `btf__resolve_size` and `btf__resolve_type` both fail on a chain that needs a 33rd
 * record; a chain that long is a cycle or bogus input.
 */
export const MAX_RESOLVE_DEPTH = 32;

/** The records a size resolution reads, by type ID. */
export interface SizeSource {
  /** The kind of type `id`; -1 when there is no such type (or it is of an unknown kind). */
  kindOf(id: number): number;
  /** The third word of the record of `id` (a size or a type ID). */
  sizeTypeOf(id: number): number;
  /** The element type of ARRAY `id`. */
  arrayTypeOf(id: number): number;
  /** The element count of ARRAY `id`. */
  arrayNelemsOf(id: number): number;
}

/** {@link resolveSize}: the chain ends at a type without a size (void, FWD, FUNC, ...). */
export const SIZE_NONE = -1;
/** {@link resolveSize}: more than {@link MAX_RESOLVE_DEPTH} records in the chain. */
export const SIZE_TOO_DEEP = -2;
/** {@link resolveSize}: the size does not fit in 32 bits. */
export const SIZE_TOO_BIG = -3;
/** {@link resolveSize}: the chain refers to a type that does not exist. */
export const SIZE_MISSING = -4;

/**
 * The size in bytes of type `id`, as libbpf's `btf__resolve_size` computes it: through
 * typedefs, qualifiers, VARs and tags, multiplying array lengths, visiting at most
 * {@link MAX_RESOLVE_DEPTH} records, with a pointer of `ptrSize` bytes. Returns the size, or
 * one of the negative codes {@link SIZE_NONE}, {@link SIZE_TOO_DEEP}, {@link SIZE_TOO_BIG},
 * {@link SIZE_MISSING} (libbpf returns -EINVAL for all but the too big, which is -E2BIG).
 * Never throws.
 */
export function resolveSize(src: SizeSource, id: number, ptrSize: number): number {
  let nelems = 1;
  let t = id;
  for (let i = 0; i < MAX_RESOLVE_DEPTH; i++) {
    if (t === 0) return SIZE_NONE;
    const k = src.kindOf(t);
    let size: number;
    switch (k) {
      case BTF_KIND.INT:
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION:
      case BTF_KIND.ENUM:
      case BTF_KIND.ENUM64:
      case BTF_KIND.DATASEC:
      case BTF_KIND.FLOAT:
        size = src.sizeTypeOf(t);
        break;
      case BTF_KIND.PTR:
        size = ptrSize;
        break;
      case BTF_KIND.TYPEDEF:
      case BTF_KIND.VOLATILE:
      case BTF_KIND.CONST:
      case BTF_KIND.RESTRICT:
      case BTF_KIND.VAR:
      case BTF_KIND.DECL_TAG:
      case BTF_KIND.TYPE_TAG:
        t = src.sizeTypeOf(t);
        continue;
      case BTF_KIND.ARRAY: {
        const n = src.arrayNelemsOf(t);
        if (nelems && n > Math.floor(0xffffffff / nelems)) return SIZE_TOO_BIG;
        nelems *= n;
        t = src.arrayTypeOf(t);
        continue;
      }
      case -1:
        return SIZE_MISSING;
      default:
        return SIZE_NONE;
    }
    if (nelems && size > Math.floor(0xffffffff / nelems)) return SIZE_TOO_BIG;
    return nelems * size;
  }
  return t === 0 ? SIZE_NONE : SIZE_TOO_DEEP;
}

/** The spellings of `long` whose size libbpf takes for the pointer size. */
const LONG_ALIASES = new Set([
  'long',
  'long int',
  'int long',
  'unsigned long',
  'long unsigned',
  'unsigned long int',
  'unsigned int long',
  'long unsigned int',
  'long int unsigned',
  'int unsigned long',
  'int long unsigned',
]);

/**
 * The pointer size libbpf guesses for a BTF (`btf__pointer_size`, `determine_ptr_size`): the
 * size of the first 4- or 8-byte INT among IDs 1 to `count - 1` whose name (`nameOf`) spells
 * `long`, or 0 when there is none (libbpf then uses the host's, 8 for BPF's users).
 * Never throws.
 */
export function guessPointerSize(
  src: SizeSource,
  count: number,
  nameOf: (id: number) => string | undefined,
): number {
  for (let id = 1; id < count; id++) {
    if (src.kindOf(id) !== BTF_KIND.INT) continue;
    const size = src.sizeTypeOf(id);
    if (size !== 4 && size !== 8) continue;
    if (LONG_ALIASES.has(nameOf(id) ?? '')) return size;
  }
  return 0;
}

/** The records an alignment resolution reads: a {@link SizeSource} and members. */
export interface AlignSource extends SizeSource {
  /** The number of members of STRUCT or UNION `id`. */
  vlenOf(id: number): number;
  /** Whether STRUCT or UNION `id` has kind_flag set (bitfield sizes in the offset words). */
  kflagOf(id: number): boolean;
  /** The type of member `i` of STRUCT or UNION `id`. */
  memberTypeOf(id: number, i: number): number;
  /** The raw offset word of member `i` of STRUCT or UNION `id` (see {@link memberBitOffset}). */
  memberOffsetOf(id: number, i: number): number;
}

const ALIGN_UNKNOWN = -1;
const ALIGN_IN_PROGRESS = -2;

/**
 * Alignments of raw records as libbpf 1.1's `btf__align_of` computes them, including its
 * quirks: integers, enums and floats align to their size capped at the pointer size,
 * pointers to the pointer size, arrays, typedefs, qualifiers and type tags to what they
 * refer to, structs and unions to their most aligned member, or to 1 when a non-bitfield
 * member sits off its alignment or the size is not a multiple of it (a packed layout).
 * Kinds without an alignment (void, FWD, FUNC, FUNC_PROTO, VAR, DATASEC, tags, IDs out of
 * range) get 0, as libbpf returns. The one resolver for records: the C formatter and the
 * DATASEC fix-up both use it. Results are memoized per type ID; the walk uses an explicit
 * stack, so nesting depth costs no call stack. libbpf recurses without a limit; a chain
 * that comes back to a type in progress is a cycle and throws.
 */
export class AlignmentResolver {
  private readonly src: AlignSource;
  /** The pointer size in bytes used for pointers and to cap scalars. */
  readonly ptrSize: number;
  private readonly aligns: Int32Array;
  private stackIDs: Int32Array = new Int32Array(64);
  private stackPos: Int32Array = new Int32Array(64);

  /**
   * A resolver over the records of `src` with IDs below `count`.
   * @throws RangeError when `count` is not a valid array length
   */
  constructor(src: AlignSource, ptrSize: number, count: number) {
    this.src = src;
    this.ptrSize = ptrSize;
    this.aligns = new Int32Array(count).fill(ALIGN_UNKNOWN);
    if (count > 0) this.aligns[0] = 0;
  }

  /** The memoized alignment of `id`, 0 out of range, negative while unknown. */
  private known(id: number): number {
    return id >= 0 && id < this.aligns.length ? this.aligns[id]! : 0;
  }

  /**
   * The alignment of type `id` in bytes; 0 for kinds libbpf gives none.
   * @throws FormatError naming the type ID when a type contains itself by value
   */
  alignOf(id: number): number {
    const first = this.known(id);
    if (first >= 0) return first;
    const { src, aligns, ptrSize } = this;
    let top = 0;
    this.push(top++, id);
    while (top > 0) {
      const t = this.stackIDs[top - 1]!;
      let child = -1;
      const kind = src.kindOf(t);
      switch (kind) {
        case BTF_KIND.INT:
        case BTF_KIND.ENUM:
        case BTF_KIND.ENUM64:
        case BTF_KIND.FLOAT:
          aligns[t] = Math.min(ptrSize, src.sizeTypeOf(t));
          break;
        case BTF_KIND.PTR:
          aligns[t] = ptrSize;
          break;
        case BTF_KIND.TYPEDEF:
        case BTF_KIND.VOLATILE:
        case BTF_KIND.CONST:
        case BTF_KIND.RESTRICT:
        case BTF_KIND.TYPE_TAG:
        case BTF_KIND.ARRAY: {
          const next = kind === BTF_KIND.ARRAY ? src.arrayTypeOf(t) : src.sizeTypeOf(t);
          const a = this.known(next);
          if (a >= 0) aligns[t] = a;
          else child = next;
          break;
        }
        case BTF_KIND.STRUCT:
        case BTF_KIND.UNION: {
          // Walk the members in order as libbpf does, stopping at the first whose alignment
          // is not known yet; the loop resumes at the same member when it is.
          const n = src.vlenOf(t);
          const bitfields = src.kflagOf(t);
          let i = this.stackPos[top - 1]!;
          let result = 0;
          for (; i < n; i++) {
            const member = src.memberTypeOf(t, i);
            const a = this.known(member);
            if (a < 0) {
              child = member;
              break;
            }
            if (a === 0) break;
            const off = src.memberOffsetOf(t, i);
            if (memberBitfieldSize(bitfields, off) === 0 && off % (8 * a) !== 0) {
              result = 1;
              break;
            }
          }
          this.stackPos[top - 1] = i;
          if (child >= 0) break;
          if (i === n) {
            let max = 1;
            for (let j = 0; j < n; j++) max = Math.max(max, this.known(src.memberTypeOf(t, j)));
            result = src.sizeTypeOf(t) % max !== 0 ? 1 : max;
          }
          aligns[t] = result;
          break;
        }
        default:
          aligns[t] = 0;
      }
      if (child < 0) {
        top--;
        continue;
      }
      if (aligns[child] === ALIGN_IN_PROGRESS) {
        throw new FormatError(`btf: type id ${child}: type contains itself (alignment cycle)`, {
          typeID: child,
        });
      }
      aligns[t] = ALIGN_IN_PROGRESS;
      this.push(top++, child);
    }
    return aligns[id]!;
  }

  private push(at: number, id: number): void {
    if (at >= this.stackIDs.length) {
      const ids = new Int32Array(this.stackIDs.length * 2);
      ids.set(this.stackIDs);
      this.stackIDs = ids;
      const pos = new Int32Array(this.stackPos.length * 2);
      pos.set(this.stackPos);
      this.stackPos = pos;
    }
    this.stackIDs[at] = id;
    this.stackPos[at] = 0;
  }
}
