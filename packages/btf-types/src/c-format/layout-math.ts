import {
  BTF_KIND,
  FormatError,
  memberBitfieldSize,
  resolveSize,
  SIZE_TOO_BIG,
  type SizeSource,
} from '@btfkit/wire';
import type { TypeTable } from './type-table.js';

/** The spellings of `long` whose size libbpf takes as the pointer size. */
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
 * The pointer size libbpf 1.1 guesses for a BTF (`btf__pointer_size`): the size of the first
 * 4- or 8-byte INT spelled like `long`, or 0 when there is none.
 */
export function guessPointerSize(tab: TypeTable): number {
  for (let id = 1; id < tab.count; id++) {
    if (tab.kind[id] !== BTF_KIND.INT) continue;
    const size = tab.sizeType[id]!;
    if (size !== 4 && size !== 8) continue;
    if (LONG_ALIASES.has(tab.nameString(tab.nameOff[id]!))) return size;
  }
  return 0;
}

const UNKNOWN = -1;
const IN_PROGRESS = -2;

/**
 * Sizes and alignments as libbpf 1.1's `btf__resolve_size` and `btf__align_of` compute them,
 * including their quirks (alignment 0 for kinds without one, alignment 1 for a struct whose
 * layout is not natural). Alignments are memoized and computed with an explicit stack.
 */
export class LayoutMath implements SizeSource {
  private readonly tab: TypeTable;
  /** The pointer size used for sizes and alignments: the guess, else the host's 8. */
  readonly ptrSize: number;
  private readonly aligns: Int32Array;
  private stackIDs: Int32Array = new Int32Array(64);
  private stackPos: Int32Array = new Int32Array(64);

  constructor(tab: TypeTable, ptrSize: number) {
    this.tab = tab;
    this.ptrSize = ptrSize;
    this.aligns = new Int32Array(tab.count).fill(UNKNOWN);
    this.aligns[0] = 0;
  }

  /**
   * The size of type `id` in bytes, or a negative errno (-EINVAL, -E2BIG) as libbpf returns:
   * the shared record-level resolver ({@link resolveSize}) over this table.
   */
  resolveSize(id: number): number {
    const size = resolveSize(this, id, this.ptrSize);
    if (size >= 0) return size;
    return size === SIZE_TOO_BIG ? -E2BIG : -EINVAL;
  }

  /** {@link SizeSource}: the kind of `id`, -1 past the table. */
  kindOf(id: number): number {
    return id < this.tab.count ? this.tab.kind[id]! : -1;
  }

  /** {@link SizeSource}: the record's third word. */
  sizeTypeOf(id: number): number {
    return this.tab.sizeType[id]!;
  }

  /** {@link SizeSource}: an ARRAY's element type. */
  arrayTypeOf(id: number): number {
    return this.tab.words[this.tab.extraStart[id]!]!;
  }

  /** {@link SizeSource}: an ARRAY's element count. */
  arrayNelemsOf(id: number): number {
    return this.tab.words[this.tab.extraStart[id]! + 2]!;
  }

  /**
   * The alignment of type `id` in bytes; 0 for kinds libbpf gives none (void, FWD,
   * FUNC_PROTO, ...), 1 for a struct or union whose layout shows it is packed.
   * @throws FormatError naming the type ID when a type contains itself by value
   */
  alignOf(id: number): number {
    const aligns = this.aligns;
    const known = aligns[id]!;
    if (known >= 0) return known;
    const { kind, sizeType, words, extraStart, vlen, kflag } = this.tab;
    const ptrSize = this.ptrSize;
    let top = 0;
    this.push(top++, id);
    while (top > 0) {
      const t = this.stackIDs[top - 1]!;
      let child = -1;
      switch (kind[t]) {
        case BTF_KIND.INT:
        case BTF_KIND.ENUM:
        case BTF_KIND.ENUM64:
        case BTF_KIND.FLOAT:
          aligns[t] = Math.min(ptrSize, sizeType[t]!);
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
          const next = kind[t] === BTF_KIND.ARRAY ? words[extraStart[t]!]! : sizeType[t]!;
          const a = aligns[next]!;
          if (a >= 0) aligns[t] = a;
          else child = next;
          break;
        }
        case BTF_KIND.STRUCT:
        case BTF_KIND.UNION: {
          // Walk the members in order as libbpf does, stopping at the first whose alignment
          // is not known yet; the loop resumes at the same member when it is.
          const x = extraStart[t]!;
          const n = vlen[t]!;
          const bitfields = kflag[t] === 1;
          let i = this.stackPos[top - 1]!;
          let result = 0;
          for (; i < n; i++) {
            const m = x + 3 * i;
            const a = aligns[words[m + 1]!]!;
            if (a < 0) {
              child = words[m + 1]!;
              break;
            }
            if (a <= 0) {
              result = a;
              break;
            }
            const off = words[m + 2]!;
            if (memberBitfieldSize(bitfields, off) === 0 && off % (8 * a) !== 0) {
              result = 1;
              break;
            }
          }
          this.stackPos[top - 1] = i;
          if (child >= 0) break;
          if (i === n) {
            let max = 1;
            for (let j = 0; j < n; j++) max = Math.max(max, aligns[words[x + 3 * j + 1]!]!);
            result = sizeType[t]! % max !== 0 ? 1 : max;
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
      if (aligns[child] === IN_PROGRESS) {
        throw new FormatError(`btf: type id ${child}: type contains itself (alignment cycle)`, {
          typeID: child,
        });
      }
      aligns[t] = IN_PROGRESS;
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

  /**
   * Whether a struct must be declared `__attribute__((packed))` (libbpf 1.1's
   * `btf_is_struct_packed`): a non-bitfield member off its natural alignment, or a size that
   * is not a multiple of the largest member alignment.
   */
  isStructPacked(id: number): boolean {
    const { words, extraStart, vlen, kflag, sizeType } = this.tab;
    const x = extraStart[id]!;
    const n = vlen[id]!;
    const bitfields = kflag[id] === 1;
    let max = 1;
    for (let i = 0; i < n; i++) {
      const m = x + 3 * i;
      const a = this.alignOf(words[m + 1]!);
      const off = words[m + 2]!;
      if (a && memberBitfieldSize(bitfields, off) === 0 && off % (8 * a) !== 0) return true;
      max = Math.max(a, max);
    }
    return sizeType[id]! % max !== 0;
  }
}

const EINVAL = 22;
const E2BIG = 7;
