import {
  AlignmentResolver,
  type AlignSource,
  BTF_KIND,
  type BtfRecord,
  FormatError,
  guessPointerSize,
  isOpaque,
  MAX_RESOLVE_DEPTH,
  NotSupportedError,
  type OpaqueRecord,
  type RawBtf,
  resolveSize,
  SIZE_MISSING,
  SIZE_NONE,
  SIZE_TOO_BIG,
  SIZE_TOO_DEEP,
} from '@btfkit/wire';

/** A record of a kind the wire codec knows, so narrowing on `kind` works. */
export type KnownRecord = Exclude<BtfRecord, OpaqueRecord>;

/**
 * The record of type `id` when it exists (in the blob or its base) and is of a known kind;
 * undefined for void, IDs past the end and unknown kinds.
 */
export function knownRecord(btf: RawBtf, id: number): KnownRecord | undefined {
  if (id === 0 || !btf.owner(id)) return undefined;
  const rec = btf.record(id);
  return isOpaque(rec) ? undefined : rec;
}

/**
 * The size of a pointer for this BTF: libbpf's guess ({@link guessPointerSize}), else 8
 * (BPF's; libbpf falls back to the host's).
 */
export function pointerSize(btf: RawBtf): number {
  return (
    guessPointerSize(new RawSizeSource(btf), btf.nextTypeID, (id) => {
      const rec = knownRecord(btf, id);
      return rec ? btf.name(rec.nameOff) : undefined;
    }) || 8
  );
}

/** The records of a RawBtf (and its base) as the shared resolvers read them. */
class RawSizeSource implements AlignSource {
  constructor(private readonly btf: RawBtf) {}
  kindOf(id: number): number {
    return knownRecord(this.btf, id)?.kind ?? -1;
  }
  sizeTypeOf(id: number): number {
    const rec = this.btf.record(id);
    return 'size' in rec ? rec.size : 'type' in rec ? rec.type : 0;
  }
  arrayTypeOf(id: number): number {
    const rec = this.btf.record(id);
    return rec.kind === BTF_KIND.ARRAY ? rec.type : 0;
  }
  arrayNelemsOf(id: number): number {
    const rec = this.btf.record(id);
    return rec.kind === BTF_KIND.ARRAY ? rec.nelems : 0;
  }
  vlenOf(id: number): number {
    return this.members(id).length;
  }
  kflagOf(id: number): boolean {
    const rec = this.btf.record(id);
    return 'kflag' in rec && rec.kflag;
  }
  memberTypeOf(id: number, i: number): number {
    return this.members(id)[i]?.type ?? 0;
  }
  memberOffsetOf(id: number, i: number): number {
    return this.members(id)[i]?.offset ?? 0;
  }
  private members(id: number): readonly { type: number; offset: number }[] {
    const rec = this.btf.record(id);
    return rec.kind === BTF_KIND.STRUCT || rec.kind === BTF_KIND.UNION ? rec.members : [];
  }
}

/**
 * The size in bytes of type `id` at the record level, as libbpf's `btf__resolve_size`
 * computes it (the shared resolver, {@link resolveSize}): through typedefs, qualifiers, VARs
 * and tags and array dimensions, visiting at most {@link MAX_RESOLVE_DEPTH} records.
 * @throws FormatError for a chain too deep, a size over 32 bits or a dangling ID
 * @throws NotSupportedError for kinds without a size (FUNC, FUNC_PROTO, FWD, void)
 */
export function resolveRecordSize(btf: RawBtf, id: number, ptrSize = 8): number {
  const size = resolveSize(new RawSizeSource(btf), id, ptrSize);
  switch (size) {
    case SIZE_NONE:
      throw new NotSupportedError(
        `btf: type id ${id}: has no size (it resolves to a type without one)`,
      );
    case SIZE_TOO_DEEP:
      throw new FormatError(
        `btf: type id ${id}: more than ${MAX_RESOLVE_DEPTH} types to resolve its size`,
        { typeID: id },
      );
    case SIZE_TOO_BIG:
      throw new FormatError(`btf: type id ${id}: size does not fit in 32 bits`, { typeID: id });
    case SIZE_MISSING:
      throw new FormatError(`btf: type id ${id}: size of type ${id}: refers to a missing type`, {
        typeID: id,
      });
    default:
      return size;
  }
}

/**
 * Alignments of the records of `btf` (and its base) as libbpf's `btf__align_of` computes
 * them, with a pointer of `ptrSize` bytes: the shared resolver, {@link AlignmentResolver}.
 */
export function recordAlignments(btf: RawBtf, ptrSize: number): AlignmentResolver {
  return new AlignmentResolver(new RawSizeSource(btf), ptrSize, btf.nextTypeID);
}
