import type { ByteReader } from './byte-reader.js';
import type { ByteWriter } from './byte-writer.js';
import { EncodeError, FormatError } from './errors.js';
import { BTF_KIND, BTF_TYPE_SIZE, kindName } from './kinds.js';
import type { KindLayout } from './layout.js';
import {
  infoKflag,
  infoKind,
  infoVlen,
  intBitOffset,
  intBits,
  intEncoding,
  makeInfo,
  makeIntWord,
  trailingSize,
} from './record-format.js';

/**
 * Type records as they are on the wire (`struct btf_type` and what follows it), one
 * interface per kind, discriminated on `kind`. Type references are IDs; names are string
 * offsets. Nothing is interpreted beyond splitting packed bit fields, so a record encodes
 * back to the bytes it came from.
 * @see https://docs.kernel.org/bpf/btf.html#type-encoding
 */
interface RecordBase {
  /** Offset of the name in the string table; 0 for anonymous types. */
  readonly nameOff: number;
  /** The info word's kind_flag (bit 31). */
  readonly kflag: boolean;
}

/** `BTF_KIND_INT`, with its trailing word split into fields. */
export interface IntRecord extends RecordBase {
  /** The kind, `BTF_KIND.INT`. */
  readonly kind: typeof BTF_KIND.INT;
  /** Size in bytes of the integer type. */
  readonly size: number;
  /** `BTF_INT_SIGNED`, `BTF_INT_CHAR`, `BTF_INT_BOOL` bits (bits 24–27 of the word). */
  readonly encoding: number;
  /** Bit offset of the value (bits 16–23). */
  readonly bitOffset: number;
  /** Number of value bits (bits 0–7). */
  readonly bits: number;
}

/** A kind whose only payload is a referenced type. */
export interface RefRecord extends RecordBase {
  /** The kind: PTR, TYPEDEF, VOLATILE, CONST, RESTRICT or TYPE_TAG. */
  readonly kind:
    | typeof BTF_KIND.PTR
    | typeof BTF_KIND.TYPEDEF
    | typeof BTF_KIND.VOLATILE
    | typeof BTF_KIND.CONST
    | typeof BTF_KIND.RESTRICT
    | typeof BTF_KIND.TYPE_TAG;
  /** ID of the referenced type. */
  readonly type: number;
}

/** `BTF_KIND_ARRAY` with `struct btf_array`. */
export interface ArrayRecord extends RecordBase {
  /** The kind, `BTF_KIND.ARRAY`. */
  readonly kind: typeof BTF_KIND.ARRAY;
  /** ID of the element type. */
  readonly type: number;
  /** ID of the index type. */
  readonly indexType: number;
  /** Number of elements. */
  readonly nelems: number;
}

/** A struct or union member (`struct btf_member`). */
export interface MemberRecord {
  /** Offset of the member name in the string table; 0 for an anonymous member. */
  readonly nameOff: number;
  /** ID of the member's type. */
  readonly type: number;
  /**
   * The raw offset word: the bit offset, or with kind_flag set, the bitfield size in bits
   * 24–31 and the bit offset in bits 0–23. See {@link memberBitOffset}.
   */
  readonly offset: number;
}

/** `BTF_KIND_STRUCT` or `BTF_KIND_UNION`. */
export interface CompositeRecord extends RecordBase {
  /** The kind, `BTF_KIND.STRUCT` or `BTF_KIND.UNION`. */
  readonly kind: typeof BTF_KIND.STRUCT | typeof BTF_KIND.UNION;
  /** Size in bytes. */
  readonly size: number;
  /** The members in declaration order (vlen of them). */
  readonly members: readonly MemberRecord[];
}

/** An ENUM value; `value` is signed when the enum's kind_flag is set. */
export interface EnumValueRecord {
  /** Offset of the enumerator's name in the string table. */
  readonly nameOff: number;
  /** The value (32 bits). */
  readonly value: number;
}

/** `BTF_KIND_ENUM`; kind_flag marks a signed enum. */
export interface EnumRecord extends RecordBase {
  /** The kind, `BTF_KIND.ENUM`. */
  readonly kind: typeof BTF_KIND.ENUM;
  /** Size in bytes: 1, 2, 4 or 8. */
  readonly size: number;
  /** The enumerators (vlen of them). */
  readonly values: readonly EnumValueRecord[];
}

/** An ENUM64 value; `value` is signed when the enum's kind_flag is set. */
export interface Enum64ValueRecord {
  /** Offset of the enumerator's name in the string table. */
  readonly nameOff: number;
  /** The value (64 bits, from the lo32 and hi32 words). */
  readonly value: bigint;
}

/** `BTF_KIND_ENUM64`; kind_flag marks a signed enum. */
export interface Enum64Record extends RecordBase {
  /** The kind, `BTF_KIND.ENUM64`. */
  readonly kind: typeof BTF_KIND.ENUM64;
  /** Size in bytes: 1, 2, 4 or 8. */
  readonly size: number;
  /** The enumerators (vlen of them). */
  readonly values: readonly Enum64ValueRecord[];
}

/** `BTF_KIND_FWD`; kind_flag set means a union. */
export interface FwdRecord extends RecordBase {
  /** The kind, `BTF_KIND.FWD`. */
  readonly kind: typeof BTF_KIND.FWD;
}

/** `BTF_KIND_FUNC`; the linkage lives in the info word's vlen. */
export interface FuncRecord extends RecordBase {
  /** The kind, `BTF_KIND.FUNC`. */
  readonly kind: typeof BTF_KIND.FUNC;
  /** The FUNC_PROTO. */
  readonly type: number;
  /** `BTF_FUNC_LINKAGE` value. */
  readonly linkage: number;
}

/** A FUNC_PROTO parameter; a last parameter with name 0 and type 0 means varargs. */
export interface ParamRecord {
  /** Offset of the parameter's name in the string table; 0 when unnamed. */
  readonly nameOff: number;
  /** ID of the parameter's type; 0 with name 0 for varargs. */
  readonly type: number;
}

/** `BTF_KIND_FUNC_PROTO`. */
export interface FuncProtoRecord extends RecordBase {
  /** The kind, `BTF_KIND.FUNC_PROTO`. */
  readonly kind: typeof BTF_KIND.FUNC_PROTO;
  /** ID of the return type; 0 for void. */
  readonly returnType: number;
  /** The parameters (vlen of them). */
  readonly params: readonly ParamRecord[];
}

/** `BTF_KIND_VAR` with `struct btf_var`. */
export interface VarRecord extends RecordBase {
  /** The kind, `BTF_KIND.VAR`. */
  readonly kind: typeof BTF_KIND.VAR;
  /** ID of the variable's type. */
  readonly type: number;
  /** `BTF_VAR_LINKAGE` value. */
  readonly linkage: number;
}

/** A DATASEC entry (`struct btf_var_secinfo`). */
export interface VarSecinfoRecord {
  /** ID of the VAR or FUNC. */
  readonly type: number;
  /** Offset of the variable in the section, in bytes. */
  readonly offset: number;
  /** Size of the variable in bytes. */
  readonly size: number;
}

/** `BTF_KIND_DATASEC`. */
export interface DatasecRecord extends RecordBase {
  /** The kind, `BTF_KIND.DATASEC`. */
  readonly kind: typeof BTF_KIND.DATASEC;
  /** Size of the section in bytes (0 until the ELF fix-up fills it in). */
  readonly size: number;
  /** The variables (vlen of them). */
  readonly entries: readonly VarSecinfoRecord[];
}

/** `BTF_KIND_FLOAT`. */
export interface FloatRecord extends RecordBase {
  /** The kind, `BTF_KIND.FLOAT`. */
  readonly kind: typeof BTF_KIND.FLOAT;
  /** Size in bytes: 2, 4, 8, 12 or 16. */
  readonly size: number;
}

/** `BTF_KIND_DECL_TAG` with `struct btf_decl_tag`. */
export interface DeclTagRecord extends RecordBase {
  /** The kind, `BTF_KIND.DECL_TAG`. */
  readonly kind: typeof BTF_KIND.DECL_TAG;
  /** ID of the tagged type, VAR, FUNC, member owner or parameter owner. */
  readonly type: number;
  /** Member or parameter index, or -1 for the type itself. */
  readonly componentIdx: number;
}

/**
 * A record of a kind this package does not know, sized by the layout section and kept as
 * opaque bytes so it encodes back unchanged.
 */
export interface OpaqueRecord extends RecordBase {
  /** Always {@link BTF_KIND.UNKN}, so that narrowing on `kind` excludes opaque records. */
  readonly kind: typeof BTF_KIND.UNKN;
  /** The kind as stored in the info word. */
  readonly rawKind: number;
  /** Marks the record as opaque. */
  readonly opaque: true;
  /** The info word's vlen. */
  readonly vlen: number;
  /** The third word of `struct btf_type` (size or type). */
  readonly sizeType: number;
  /** The bytes after the 12-byte common part. */
  readonly data: Uint8Array;
}

/** A decoded type record of any kind. */
export type BtfRecord =
  | IntRecord
  | RefRecord
  | ArrayRecord
  | CompositeRecord
  | EnumRecord
  | Enum64Record
  | FwdRecord
  | FuncRecord
  | FuncProtoRecord
  | VarRecord
  | DatasecRecord
  | FloatRecord
  | DeclTagRecord
  | OpaqueRecord;

/**
 * A copy of a record with every type ID it holds passed through `map` (the words
 * {@link forEachTypeRefWord} visits in the encoded record); a record that holds none is
 * returned as it is.
 */
export function mapRecordTypeIDs(rec: BtfRecord, map: (id: number) => number): BtfRecord {
  switch (rec.kind) {
    case BTF_KIND.PTR:
    case BTF_KIND.TYPEDEF:
    case BTF_KIND.VOLATILE:
    case BTF_KIND.CONST:
    case BTF_KIND.RESTRICT:
    case BTF_KIND.TYPE_TAG:
    case BTF_KIND.FUNC:
    case BTF_KIND.VAR:
    case BTF_KIND.DECL_TAG:
      return { ...rec, type: map(rec.type) };
    case BTF_KIND.ARRAY:
      return { ...rec, type: map(rec.type), indexType: map(rec.indexType) };
    case BTF_KIND.STRUCT:
    case BTF_KIND.UNION:
      return { ...rec, members: rec.members.map((m) => ({ ...m, type: map(m.type) })) };
    case BTF_KIND.FUNC_PROTO:
      return {
        ...rec,
        returnType: map(rec.returnType),
        params: rec.params.map((p) => ({ ...p, type: map(p.type) })),
      };
    case BTF_KIND.DATASEC:
      return { ...rec, entries: rec.entries.map((e) => ({ ...e, type: map(e.type) })) };
    case BTF_KIND.INT:
    case BTF_KIND.ENUM:
    case BTF_KIND.ENUM64:
    case BTF_KIND.FWD:
    case BTF_KIND.FLOAT:
    case BTF_KIND.UNKN:
      return rec;
    default:
      return rec satisfies never;
  }
}

/** A record of type `id` at blob offset `at` whose 12-byte header the section cuts short. */
export function headerCutError(id: number, at: number): FormatError {
  return new FormatError(
    `btf: type id ${id}: offset ${at}: record header cut at the end of the type section`,
    { offset: at, typeID: id },
  );
}

/** A record of type `id` at blob offset `at` of a kind nothing can size. */
export function unknownKindError(id: number, at: number, kind: number): FormatError {
  return new FormatError(
    `btf: type id ${id}: offset ${at}: unknown kind ${kind} and no layout section to size it`,
    { offset: at, typeID: id },
  );
}

/**
 * Decodes the record at `offset` of a type section.
 * @param r - a reader over the type section (its `base` is the section's offset in the blob)
 * @param offset - where the record starts, relative to the section
 * @param id - the record's type ID, for error messages
 * @param layout - the blob's layout section, used to size kinds this package does not know
 * @throws FormatError when the record runs past the section or its kind is unknown
 */
export function decodeRecord(
  r: ByteReader,
  offset: number,
  id: number,
  layout?: readonly KindLayout[],
): BtfRecord {
  const sectionOffset = r.base;
  r.pos = offset;
  if (r.remaining < BTF_TYPE_SIZE) throw headerCutError(id, sectionOffset + offset);
  const nameOff = r.u32();
  const info = r.u32();
  const sizeType = r.u32();
  const kind = infoKind(info);
  const vlen = infoVlen(info);
  const kflag = infoKflag(info);
  const trailing = trailingSize(kind, vlen, layout);
  if (trailing < 0) throw unknownKindError(id, sectionOffset + offset, kind);
  if (trailing > r.remaining) {
    throw new FormatError(
      `btf: type id ${id}: offset ${sectionOffset + offset}: ${kindName(kind)} with vlen ${vlen} needs ${trailing} bytes past its header, ${r.remaining} left in the type section`,
      { offset: sectionOffset + offset, typeID: id },
    );
  }
  switch (kind) {
    case BTF_KIND.INT: {
      const w = r.u32();
      return {
        kind,
        nameOff,
        kflag,
        size: sizeType,
        encoding: intEncoding(w),
        bitOffset: intBitOffset(w),
        bits: intBits(w),
      };
    }
    case BTF_KIND.PTR:
    case BTF_KIND.TYPEDEF:
    case BTF_KIND.VOLATILE:
    case BTF_KIND.CONST:
    case BTF_KIND.RESTRICT:
    case BTF_KIND.TYPE_TAG:
      return { kind, nameOff, kflag, type: sizeType };
    case BTF_KIND.ARRAY: {
      const type = r.u32();
      const indexType = r.u32();
      const nelems = r.u32();
      return { kind, nameOff, kflag, type, indexType, nelems };
    }
    case BTF_KIND.STRUCT:
    case BTF_KIND.UNION: {
      const members: MemberRecord[] = new Array(vlen);
      for (let i = 0; i < vlen; i++) {
        members[i] = { nameOff: r.u32(), type: r.u32(), offset: r.u32() };
      }
      return { kind, nameOff, kflag, size: sizeType, members };
    }
    case BTF_KIND.ENUM: {
      const values: EnumValueRecord[] = new Array(vlen);
      for (let i = 0; i < vlen; i++) {
        const n = r.u32();
        const v = kflag ? r.i32() : r.u32();
        values[i] = { nameOff: n, value: v };
      }
      return { kind, nameOff, kflag, size: sizeType, values };
    }
    case BTF_KIND.ENUM64: {
      const values: Enum64ValueRecord[] = new Array(vlen);
      for (let i = 0; i < vlen; i++) {
        const n = r.u32();
        const lo = r.u32();
        const hi = r.u32();
        const u = (BigInt(hi) << 32n) | BigInt(lo);
        values[i] = { nameOff: n, value: kflag ? BigInt.asIntN(64, u) : u };
      }
      return { kind, nameOff, kflag, size: sizeType, values };
    }
    case BTF_KIND.FWD:
      return { kind, nameOff, kflag };
    case BTF_KIND.FUNC:
      return { kind, nameOff, kflag, type: sizeType, linkage: vlen };
    case BTF_KIND.FUNC_PROTO: {
      const params: ParamRecord[] = new Array(vlen);
      for (let i = 0; i < vlen; i++) params[i] = { nameOff: r.u32(), type: r.u32() };
      return { kind, nameOff, kflag, returnType: sizeType, params };
    }
    case BTF_KIND.VAR:
      return { kind, nameOff, kflag, type: sizeType, linkage: r.u32() };
    case BTF_KIND.DATASEC: {
      const entries: VarSecinfoRecord[] = new Array(vlen);
      for (let i = 0; i < vlen; i++) {
        entries[i] = { type: r.u32(), offset: r.u32(), size: r.u32() };
      }
      return { kind, nameOff, kflag, size: sizeType, entries };
    }
    case BTF_KIND.FLOAT:
      return { kind, nameOff, kflag, size: sizeType };
    case BTF_KIND.DECL_TAG:
      return { kind, nameOff, kflag, type: sizeType, componentIdx: r.i32() };
    default:
      return {
        kind: BTF_KIND.UNKN,
        rawKind: kind,
        opaque: true,
        nameOff,
        kflag,
        vlen,
        sizeType,
        data: r.take(trailing),
      };
  }
}

/** Whether a record is of a kind this package does not know. */
export function isOpaque(rec: BtfRecord): rec is OpaqueRecord {
  return rec.kind === BTF_KIND.UNKN;
}

/**
 * Appends a record's wire encoding to `w`.
 * @throws EncodeError when a field does not fit its bits
 */
export function encodeRecord(w: ByteWriter, rec: BtfRecord): void {
  if (isOpaque(rec)) {
    w.u32(rec.nameOff);
    w.u32(makeInfo(rec.rawKind, rec.vlen, rec.kflag));
    w.u32(rec.sizeType);
    w.bytes(rec.data);
    return;
  }
  switch (rec.kind) {
    case BTF_KIND.INT:
      head(w, rec, 0, rec.size);
      w.u32(makeIntWord(rec.encoding, rec.bitOffset, rec.bits));
      return;
    case BTF_KIND.PTR:
    case BTF_KIND.TYPEDEF:
    case BTF_KIND.VOLATILE:
    case BTF_KIND.CONST:
    case BTF_KIND.RESTRICT:
    case BTF_KIND.TYPE_TAG:
      head(w, rec, 0, rec.type);
      return;
    case BTF_KIND.ARRAY:
      head(w, rec, 0, 0);
      w.u32(rec.type);
      w.u32(rec.indexType);
      w.u32(rec.nelems);
      return;
    case BTF_KIND.STRUCT:
    case BTF_KIND.UNION:
      head(w, rec, rec.members.length, rec.size);
      for (const m of rec.members) w.u32x3(m.nameOff, m.type, m.offset);
      return;
    case BTF_KIND.ENUM:
      head(w, rec, rec.values.length, rec.size);
      for (const v of rec.values) {
        w.u32(v.nameOff);
        w.u32(v.value);
      }
      return;
    case BTF_KIND.ENUM64:
      head(w, rec, rec.values.length, rec.size);
      for (const v of rec.values) {
        const u = BigInt.asUintN(64, v.value);
        w.u32x3(v.nameOff, Number(u & 0xffffffffn), Number(u >> 32n));
      }
      return;
    case BTF_KIND.FWD:
      head(w, rec, 0, 0);
      return;
    case BTF_KIND.FUNC:
      head(w, rec, rec.linkage, rec.type);
      return;
    case BTF_KIND.FUNC_PROTO:
      head(w, rec, rec.params.length, rec.returnType);
      for (const p of rec.params) {
        w.u32(p.nameOff);
        w.u32(p.type);
      }
      return;
    case BTF_KIND.VAR:
      head(w, rec, 0, rec.type);
      w.u32(rec.linkage);
      return;
    case BTF_KIND.DATASEC:
      head(w, rec, rec.entries.length, rec.size);
      for (const e of rec.entries) w.u32x3(e.type, e.offset, e.size);
      return;
    case BTF_KIND.FLOAT:
      head(w, rec, 0, rec.size);
      return;
    case BTF_KIND.DECL_TAG:
      head(w, rec, 0, rec.type);
      w.u32(rec.componentIdx);
      return;
    default: {
      // Every known kind is listed above: the compiler rejects this line when one is missing.
      const missing: never = rec;
      throw new EncodeError(`btf: cannot encode record ${JSON.stringify(missing)}`);
    }
  }
}

function head(
  w: ByteWriter,
  rec: RecordBase & { kind: number },
  vlen: number,
  sizeType: number,
): void {
  w.u32x3(rec.nameOff, makeInfo(rec.kind, vlen, rec.kflag), sizeType);
}
