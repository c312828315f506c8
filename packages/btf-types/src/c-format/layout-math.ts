import {
  AlignmentResolver,
  type AlignSource,
  guessPointerSize,
  memberBitfieldSize,
  resolveSize,
  SIZE_TOO_BIG,
} from '@btfkit/wire';
import type { TypeTable } from './type-table.js';

/**
 * The pointer size libbpf 1.1 guesses for a BTF (`btf__pointer_size`): the size of the first
 * 4- or 8-byte INT spelled like `long`, or 0 when there is none ({@link guessPointerSize}).
 */
export function tablePointerSize(tab: TypeTable): number {
  return guessPointerSize(new TableSource(tab), tab.count, (id) =>
    tab.nameString(tab.nameOff[id]!),
  );
}

/** The records of a {@link TypeTable} as the shared resolvers read them. */
class TableSource implements AlignSource {
  constructor(private readonly tab: TypeTable) {}
  kindOf(id: number): number {
    return id < this.tab.count ? this.tab.kind[id]! : -1;
  }
  sizeTypeOf(id: number): number {
    return this.tab.sizeType[id]!;
  }
  arrayTypeOf(id: number): number {
    return this.tab.words[this.tab.extraStart[id]!]!;
  }
  arrayNelemsOf(id: number): number {
    return this.tab.words[this.tab.extraStart[id]! + 2]!;
  }
  vlenOf(id: number): number {
    return this.tab.vlen[id]!;
  }
  kflagOf(id: number): boolean {
    return this.tab.kflag[id] === 1;
  }
  memberTypeOf(id: number, i: number): number {
    return this.tab.words[this.tab.extraStart[id]! + 3 * i + 1]!;
  }
  memberOffsetOf(id: number, i: number): number {
    return this.tab.words[this.tab.extraStart[id]! + 3 * i + 2]!;
  }
}

/**
 * Sizes and alignments as libbpf 1.1's `btf__resolve_size` and `btf__align_of` compute them,
 * through the shared record-level resolvers ({@link resolveSize}, {@link AlignmentResolver}).
 */
export class LayoutMath {
  private readonly tab: TypeTable;
  private readonly src: TableSource;
  private readonly aligns: AlignmentResolver;
  /** The pointer size used for sizes and alignments: the guess, else the host's 8. */
  readonly ptrSize: number;

  constructor(tab: TypeTable, ptrSize: number) {
    this.tab = tab;
    this.ptrSize = ptrSize;
    this.src = new TableSource(tab);
    this.aligns = new AlignmentResolver(this.src, ptrSize, tab.count);
  }

  /**
   * The size of type `id` in bytes, or a negative errno (-EINVAL, -E2BIG) as libbpf returns:
   * the shared record-level resolver ({@link resolveSize}) over this table.
   */
  resolveSize(id: number): number {
    const size = resolveSize(this.src, id, this.ptrSize);
    if (size >= 0) return size;
    return size === SIZE_TOO_BIG ? -E2BIG : -EINVAL;
  }

  /**
   * The alignment of type `id` in bytes; 0 for kinds libbpf gives none (void, FWD,
   * FUNC_PROTO, ...), 1 for a struct or union whose layout shows it is packed.
   * @throws FormatError naming the type ID when a type contains itself by value
   */
  alignOf(id: number): number {
    return this.aligns.alignOf(id);
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
