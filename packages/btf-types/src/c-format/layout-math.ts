import { BTF_KIND, FormatError } from '@btfkit/wire';
import type { TypeTable } from './type-table.js';

/** libbpf's limit on typedef/qualifier/array chains when resolving a size. */
const MAX_RESOLVE_DEPTH = 32;

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
export class LayoutMath {
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
   * The size of type `id` in bytes, or a negative errno (-EINVAL, -E2BIG) as libbpf returns.
   */
  resolveSize(id: number): number {
    const { kind, sizeType, words, extraStart } = this.tab;
    let nelems = 1;
    let size = -1;
    let t = id;
    for (let i = 0; i < MAX_RESOLVE_DEPTH && t !== 0; i++) {
      const k = kind[t]!;
      if (k === BTF_KIND.FWD) break;
      switch (k) {
        case BTF_KIND.INT:
        case BTF_KIND.STRUCT:
        case BTF_KIND.UNION:
        case BTF_KIND.ENUM:
        case BTF_KIND.ENUM64:
        case BTF_KIND.DATASEC:
        case BTF_KIND.FLOAT:
          size = sizeType[t]!;
          i = MAX_RESOLVE_DEPTH;
          continue;
        case BTF_KIND.PTR:
          size = this.ptrSize;
          i = MAX_RESOLVE_DEPTH;
          continue;
        case BTF_KIND.TYPEDEF:
        case BTF_KIND.VOLATILE:
        case BTF_KIND.CONST:
        case BTF_KIND.RESTRICT:
        case BTF_KIND.VAR:
        case BTF_KIND.DECL_TAG:
        case BTF_KIND.TYPE_TAG:
          t = sizeType[t]!;
          break;
        case BTF_KIND.ARRAY: {
          const x = extraStart[t]!;
          const n = words[x + 2]!;
          if (nelems && n > Math.floor(0xffffffff / nelems)) return -E2BIG;
          nelems *= n;
          t = words[x]!;
          break;
        }
        default:
          return -EINVAL;
      }
    }
    if (size < 0) return -EINVAL;
    if (nelems && size > Math.floor(0xffffffff / nelems)) return -E2BIG;
    return nelems * size;
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
            if ((!bitfields || off >>> 24 === 0) && off % (8 * a) !== 0) {
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
      if (a && (!bitfields || off >>> 24 === 0) && off % (8 * a) !== 0) return true;
      max = Math.max(a, max);
    }
    return sizeType[id]! % max !== 0;
  }
}

const EINVAL = 22;
const E2BIG = 7;
