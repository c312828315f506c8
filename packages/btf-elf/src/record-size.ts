import {
  BTF_KIND,
  type BtfRecord,
  FormatError,
  isOpaque,
  kindName,
  MAX_RESOLVE_DEPTH,
  NotSupportedError,
  type OpaqueRecord,
  type RawBtf,
  resolveSize,
  SIZE_MISSING,
  SIZE_NONE,
  SIZE_TOO_BIG,
  SIZE_TOO_DEEP,
  type SizeSource,
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

export { MAX_RESOLVE_DEPTH };

const LONG_NAMES = new Set(['long', 'long int', 'unsigned long', 'long unsigned int']);

/**
 * The size of a pointer for this BTF: the size of its `long` INT if it has one, else 8
 * (BPF's). libbpf determines it the same way, except that it falls back to the host's.
 */
export function pointerSize(btf: RawBtf): number {
  for (let id = 1; id < btf.nextTypeID; id++) {
    if (btf.kindOf(id) !== BTF_KIND.INT) continue;
    const rec = knownRecord(btf, id);
    if (rec?.kind !== BTF_KIND.INT) continue;
    if ((rec.size === 4 || rec.size === 8) && LONG_NAMES.has(btf.name(rec.nameOff) ?? ''))
      return rec.size;
  }
  return 8;
}

function follow(btf: RawBtf, id: number, what: string): KnownRecord {
  const rec = knownRecord(btf, id);
  if (!rec) throw new FormatError(`btf: type id ${id}: ${what}: not a valid type`, { typeID: id });
  return rec;
}

/** A {@link SizeSource} over a RawBtf's records (and its base's). */
class RawSizeSource implements SizeSource {
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
 * The alignment of a scalar-like type `id` as libbpf's `btf__align_of` computes it:
 * integers, enums and floats align to their size capped at the pointer size, pointers to the
 * pointer size, arrays, typedefs and qualifiers to what they refer to.
 * @throws NotSupportedError for structs, unions and kinds without an alignment
 * @throws FormatError for a chain too deep or a dangling ID
 */
export function scalarAlignment(btf: RawBtf, id: number, ptrSize = 8): number {
  let cur = id;
  for (let depth = 0; depth < MAX_RESOLVE_DEPTH; depth++) {
    const rec = follow(btf, cur, `alignment of type ${id}`);
    switch (rec.kind) {
      case BTF_KIND.INT:
      case BTF_KIND.ENUM:
      case BTF_KIND.ENUM64:
      case BTF_KIND.FLOAT:
        return Math.max(1, Math.min(ptrSize, rec.size));
      case BTF_KIND.PTR:
        return ptrSize;
      case BTF_KIND.TYPEDEF:
      case BTF_KIND.VOLATILE:
      case BTF_KIND.CONST:
      case BTF_KIND.RESTRICT:
      case BTF_KIND.TYPE_TAG:
      case BTF_KIND.ARRAY:
        cur = rec.type;
        break;
      default:
        throw new NotSupportedError(
          `btf: type id ${id}: alignment of ${kindName(rec.kind)} is not supported here`,
        );
    }
  }
  throw new FormatError(
    `btf: type id ${id}: more than ${MAX_RESOLVE_DEPTH} types to resolve its alignment`,
    {
      typeID: id,
    },
  );
}
