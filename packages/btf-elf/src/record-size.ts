import {
  BTF_KIND,
  type BtfRecord,
  FormatError,
  isOpaque,
  kindName,
  NotSupportedError,
  type OpaqueRecord,
  type RawBtf,
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

/** libbpf's limit on typedef, qualifier and array chains (`MAX_RESOLVE_DEPTH`). */
export const MAX_RESOLVE_DEPTH = 32;

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

/**
 * The size in bytes of type `id` at the record level, as libbpf's `btf__resolve_size`
 * computes it: through typedefs, qualifiers, VARs and tags (at most
 * {@link MAX_RESOLVE_DEPTH} of them) and array dimensions.
 * @throws FormatError for a chain too deep, a size over 32 bits or a dangling ID
 * @throws NotSupportedError for kinds without a size (FUNC, FUNC_PROTO, FWD, void)
 */
export function resolveRecordSize(btf: RawBtf, id: number, ptrSize = 8): number {
  let nelems = 1;
  let cur = id;
  for (let depth = 0; depth < MAX_RESOLVE_DEPTH; depth++) {
    const rec = follow(btf, cur, `size of type ${id}`);
    switch (rec.kind) {
      case BTF_KIND.INT:
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION:
      case BTF_KIND.ENUM:
      case BTF_KIND.ENUM64:
      case BTF_KIND.DATASEC:
      case BTF_KIND.FLOAT:
        return checked(nelems * rec.size, id);
      case BTF_KIND.PTR:
        return checked(nelems * ptrSize, id);
      case BTF_KIND.TYPEDEF:
      case BTF_KIND.VOLATILE:
      case BTF_KIND.CONST:
      case BTF_KIND.RESTRICT:
      case BTF_KIND.VAR:
      case BTF_KIND.DECL_TAG:
      case BTF_KIND.TYPE_TAG:
        cur = rec.type;
        break;
      case BTF_KIND.ARRAY:
        nelems = checked(nelems * rec.nelems, id);
        cur = rec.type;
        break;
      default:
        throw new NotSupportedError(`btf: type id ${id}: ${kindName(rec.kind)} has no size`);
    }
  }
  throw new FormatError(
    `btf: type id ${id}: more than ${MAX_RESOLVE_DEPTH} levels to resolve its size`,
    {
      typeID: id,
    },
  );
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
    `btf: type id ${id}: more than ${MAX_RESOLVE_DEPTH} levels to resolve its alignment`,
    {
      typeID: id,
    },
  );
}

function checked(n: number, id: number): number {
  if (n > 0xffffffff) {
    throw new FormatError(`btf: type id ${id}: size ${n} does not fit in 32 bits`, { typeID: id });
  }
  return n;
}
