import {
  assembleBtf,
  BTF_KIND,
  BTF_MAX_VLEN,
  BtfError,
  ByteWriter,
  MEMBER_BIT_OFFSET_LIMIT,
  MEMBER_BITFIELD_SIZE_LIMIT,
  makeInfo,
  makeIntWord,
  packMemberOffset,
  type RawBtf,
  type StringTableBuilder,
} from '@btfkit/wire';
import type { Type } from './types.js';

/** Byte order of an encoded blob. */
export type ByteOrder = 'little' | 'big';

/**
 * Rewrites for kernels that lack a BTF feature, exactly as libbpf's `bpf_object__sanitize_btf`
 * does them (libbpf 1.x, `src/libbpf.c`). Type IDs never change, except that `enum64` appends
 * one INT at the end.
 */
export interface SanitizeOptions {
  /** DECL_TAG (Linux 5.16) becomes a 1-byte INT with the tag's name. */
  readonly declTag?: boolean;
  /** TYPE_TAG (Linux 5.17) becomes an anonymous CONST of the same type. */
  readonly typeTag?: boolean;
  /**
   * ENUM64 (Linux 6.0) becomes a UNION of the same size whose members, named after the
   * enumerators, all have type `enum64_placeholder` (a 1-byte INT appended as the last type);
   * signed ENUMs lose their kind_flag.
   */
  readonly enum64?: boolean;
  /** FLOAT (Linux 5.13) becomes an anonymous empty STRUCT of the same size. */
  readonly float?: boolean;
  /**
   * VAR and DATASEC (Linux 5.2): a VAR becomes a 1-byte INT with its name; a DATASEC becomes a
   * STRUCT of the same size whose members are the variables (name, type, offset × 8), with
   * `.` and `?` in its name replaced by `_`.
   */
  readonly datasec?: boolean;
  /**
   * A DATASEC whose name starts with `?` gets `_` instead (Linux 6.9 accepts `?`: kernel commit
   * bd70a8fb7ca4, "bpf: Allow all printable characters in BTF DATASEC names").
   */
  readonly qmarkDatasec?: boolean;
  /**
   * FUNC and FUNC_PROTO (Linux 5.0): a FUNC becomes a TYPEDEF of its prototype; a FUNC_PROTO
   * becomes a 4-byte ENUM whose values are the parameters' names and type IDs.
   */
  readonly func?: boolean;
}

/** Options for encoding types into a BTF blob. */
export interface MarshalOptions {
  /** Byte order of the blob; defaults to the host's (a Spec's marshal keeps its own). */
  readonly byteOrder?: ByteOrder;
  /** Encode every FUNC as static (Linux before 5.6 only accepts static). */
  readonly stripFuncLinkage?: boolean;
  /** libbpf's rewrites for older kernels. */
  readonly sanitize?: SanitizeOptions;
}

/** The host's byte order. */
export const HOST_BYTE_ORDER: ByteOrder =
  new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 'little' : 'big';

const FUNC_LINKAGE = { static: 0, global: 1, extern: 2 } as const;
const VAR_LINKAGE = { static: 0, global: 1, extern: 2 } as const;

/** The inputs of {@link encodeTypes}. */
export interface EncodeTypesInput {
  /**
   * The types to encode, in ID order. With a {@link source}, an `undefined` entry (a type
   * never decoded) copies the source's record byte for byte.
   */
  readonly types: readonly (Type | undefined)[];
  /** The ID of `types[0]`: 1, or the base's next ID for split BTF. */
  readonly firstTypeID: number;
  /** The ID of any type a record references. */
  readonly idOf: (t: Type) => number;
  /** Where names go; a base's table for split BTF. */
  readonly strings: StringTableBuilder;
  /**
   * The type of ID `id` when it is one of {@link types} (decoded), else undefined: with a
   * {@link source}, a reference that still points where the record pointed is taken from the
   * record after this identity check, without asking {@link idOf}.
   */
  readonly typeAt?: (id: number) => Type | undefined;
  /**
   * The blob the types were decoded from, in the same ID order, its string section seeded
   * into {@link strings}: undecoded records are copied, and names keep their original
   * offsets when those still spell them. Records are copied only in the source's byte order.
   */
  readonly source?: RawBtf;
  /**
   * With a {@link source}, the index of each type's record in it (-1: none), when the types
   * are not the source's in its own order (a Builder's). Names are then only keyed by their
   * offsets in the source (see `StringTableBuilder.keyBy`), and no record is copied.
   */
  readonly sourceIndex?: Int32Array;
  /**
   * The IDs of each type's children as a graph walk found them: `types[i]`'s, in
   * `pushChildren` order, are `ids[start[i]]` up to `ids[start[i] + count[i]]`. A reference
   * whose listed ID still names the same object (`types[id - firstTypeID]`, or 0 for void)
   * takes it without asking {@link idOf}.
   */
  readonly children?: ChildIDs;
}

/** The child IDs of types, see {@link EncodeTypesInput.children}. */
export interface ChildIDs {
  readonly ids: Int32Array;
  readonly start: Int32Array;
  readonly count: Int32Array;
}

/**
 * Encodes types into a BTF blob (header, type section, string section). Records are written
 * straight into a growing buffer through one `DataView`.
 * @throws BtfError naming the type ID when a field does not fit its encoding
 */
export function encodeTypes(input: EncodeTypesInput, options: MarshalOptions = {}): Uint8Array {
  const le = (options.byteOrder ?? HOST_BYTE_ORDER) === 'little';
  const san = options.sanitize ?? {};
  const strip = options.stripFuncLinkage === true;
  const { types, firstTypeID, idOf, strings } = input;
  const src = input.source;
  const srcTypes = src?.types;
  const srcOffsets = src?.offsets;
  const sv = src?.reader.view;
  const sle = src?.littleEndian ?? le;
  const index = input.sourceIndex;
  const copyable = src !== undefined && sle === le && index === undefined;
  // Re-encoding a blob mostly reproduces its records; edits past that grow the buffer.
  let capacity = types.length * 24 + 64;
  if (index !== undefined) capacity = recordBytes(index, types.length, srcOffsets!, srcTypes!);
  else if (srcTypes !== undefined) capacity = srcTypes.byteLength + 4096;
  const w = new ByteWriter(le, capacity);
  let placeholderID = 0;
  const placeholder = (): number => {
    if (placeholderID === 0) placeholderID = firstTypeID + types.length;
    return placeholderID;
  };
  // The record of the type being written in the source: [ro, re), or ro = -1.
  let ro = -1;
  let re = -1;
  // The original name offset at byte `at` of the source record, or -1.
  const hint = (at: number): number =>
    ro >= 0 && ro + at + 4 <= re ? sv!.getUint32(ro + at, sle) : -1;
  const typeAt = input.typeAt;
  const children = input.children;
  const childIDs = children?.ids;
  // The listed child IDs of the type being written not used yet: [cp, ce).
  let cp = 0;
  let ce = 0;
  // The ID of `t`, referenced from byte `at` of the record: the listed child ID, or the
  // source's ID, when that is `t`.
  const ref = (t: Type, at: number): number => {
    if (cp < ce) {
      const id = childIDs![cp++]!;
      if (id >= firstTypeID ? types[id - firstTypeID] === t : id === 0 && t.kind === 'void')
        return id;
    }
    if (typeAt !== undefined && ro >= 0 && ro + at + 4 <= re) {
      const r = sv!.getUint32(ro + at, sle);
      if (typeAt(r) === t) return r;
    }
    return idOf(t);
  };
  for (let i = 0; i < types.length; i++) {
    const t = types[i];
    const id = firstTypeID + i;
    const k = index === undefined ? i : index[i]!;
    if (srcOffsets !== undefined && k >= 0 && k < srcOffsets.length) {
      ro = srcOffsets[k]!;
      re = k + 1 < srcOffsets.length ? srcOffsets[k + 1]! : srcTypes!.byteLength;
    } else {
      ro = -1;
      re = -1;
    }
    if (children !== undefined) {
      cp = children.start[i]!;
      ce = cp + children.count[i]!;
    }
    if (t === undefined) {
      if (!copyable || ro < 0) throw new BtfError(`btf: type id ${id}: no type to encode`);
      // A run of undecoded records is one copy.
      let j = i + 1;
      while (j < types.length && j < srcOffsets!.length && types[j] === undefined) j++;
      const end = j < srcOffsets!.length ? srcOffsets![j]! : srcTypes!.byteLength;
      w.bytes(srcTypes!.subarray(ro, end));
      i = j - 1;
      continue;
    }
    switch (t.kind) {
      case 'void':
        throw new BtfError(`btf: type id ${id}: void cannot be encoded as a type; it is ID 0`);
      case 'int':
        w.u32x3(strings.addAt(t.name, hint(0)), makeInfo(BTF_KIND.INT, 0, false), t.size);
        w.u32(makeIntWord(t.encoding, t.bitOffset, t.bits));
        break;
      case 'pointer':
        w.u32x3(0, makeInfo(BTF_KIND.PTR, 0, false), ref(t.target, 8));
        break;
      case 'array':
        w.u32x3(0, makeInfo(BTF_KIND.ARRAY, 0, false), 0);
        w.u32(ref(t.type, 12));
        w.u32(ref(t.index, 16));
        w.u32(t.nelems);
        break;
      case 'struct':
      case 'union': {
        const members = t.members;
        let kflag = false;
        for (const m of members) if (m.bitfieldSize !== 0) kflag = true;
        const kind = t.kind === 'struct' ? BTF_KIND.STRUCT : BTF_KIND.UNION;
        w.u32x3(
          strings.addAt(t.name, hint(0)),
          makeInfo(kind, vlen(id, members.length), kflag),
          t.size,
        );
        for (let j = 0; j < members.length; j++) {
          const m = members[j]!;
          w.u32(strings.addAt(m.name, hint(12 + 12 * j)));
          w.u32(ref(m.type, 16 + 12 * j));
          if (kflag) {
            if (
              m.bitOffset > MEMBER_BIT_OFFSET_LIMIT ||
              m.bitfieldSize > MEMBER_BITFIELD_SIZE_LIMIT
            ) {
              throw new BtfError(
                `btf: type id ${id}: member '${m.name}' bit offset ${m.bitOffset} or bitfield size ${m.bitfieldSize} does not fit`,
              );
            }
            w.u32(packMemberOffset(true, m.bitOffset, m.bitfieldSize));
          } else {
            w.u32(m.bitOffset);
          }
        }
        break;
      }
      case 'enum': {
        const n = vlen(id, t.values.length);
        if (t.enum64 && san.enum64) {
          const ph = placeholder();
          w.u32x3(strings.addAt(t.name, hint(0)), makeInfo(BTF_KIND.UNION, n, false), t.size);
          for (const v of t.values) {
            w.u32(strings.add(v.name));
            w.u32(ph);
            w.u32(0);
          }
        } else if (t.enum64) {
          w.u32x3(strings.addAt(t.name, hint(0)), makeInfo(BTF_KIND.ENUM64, n, t.signed), t.size);
          for (let j = 0; j < t.values.length; j++) {
            const v = t.values[j]!;
            const u = BigInt.asUintN(64, v.value);
            w.u32(strings.addAt(v.name, hint(12 + 12 * j)));
            w.u32(Number(u & 0xffffffffn));
            w.u32(Number(u >> 32n));
          }
        } else {
          w.u32x3(
            strings.addAt(t.name, hint(0)),
            makeInfo(BTF_KIND.ENUM, n, t.signed && !san.enum64),
            t.size,
          );
          for (let j = 0; j < t.values.length; j++) {
            const v = t.values[j]!;
            const ok = t.signed
              ? v.value >= -0x80000000n && v.value <= 0x7fffffffn
              : v.value >= 0n && v.value <= 0xffffffffn;
            if (!ok) {
              throw new BtfError(
                `btf: type id ${id}: enumerator '${v.name}' value ${v.value} does not fit a 32-bit ENUM (set enum64)`,
              );
            }
            w.u32(strings.addAt(v.name, hint(12 + 8 * j)));
            w.u32(Number(v.value) >>> 0);
          }
        }
        break;
      }
      case 'fwd':
        w.u32x3(
          strings.addAt(t.name, hint(0)),
          makeInfo(BTF_KIND.FWD, 0, t.fwdKind === 'union'),
          0,
        );
        break;
      case 'typedef':
        w.u32x3(
          strings.addAt(t.name, hint(0)),
          makeInfo(BTF_KIND.TYPEDEF, 0, false),
          ref(t.type, 8),
        );
        break;
      case 'volatile':
        w.u32x3(0, makeInfo(BTF_KIND.VOLATILE, 0, false), ref(t.type, 8));
        break;
      case 'const':
        w.u32x3(0, makeInfo(BTF_KIND.CONST, 0, false), ref(t.type, 8));
        break;
      case 'restrict':
        w.u32x3(0, makeInfo(BTF_KIND.RESTRICT, 0, false), ref(t.type, 8));
        break;
      case 'func':
        if (san.func) {
          w.u32x3(
            strings.addAt(t.name, hint(0)),
            makeInfo(BTF_KIND.TYPEDEF, 0, false),
            ref(t.type, 8),
          );
        } else {
          const linkage = strip ? 0 : FUNC_LINKAGE[t.linkage];
          w.u32x3(
            strings.addAt(t.name, hint(0)),
            makeInfo(BTF_KIND.FUNC, linkage, false),
            ref(t.type, 8),
          );
        }
        break;
      case 'func_proto': {
        const n = vlen(id, t.params.length + (t.variadic ? 1 : 0));
        if (san.func) {
          w.u32x3(0, makeInfo(BTF_KIND.ENUM, n, false), 4);
        } else {
          w.u32x3(0, makeInfo(BTF_KIND.FUNC_PROTO, n, false), ref(t.returnType, 8));
        }
        for (let j = 0; j < t.params.length; j++) {
          const p = t.params[j]!;
          if (p.type.kind === 'void') {
            throw new BtfError(
              `btf: type id ${id}: parameter ${j} is void; use variadic for varargs`,
            );
          }
          w.u32(strings.addAt(p.name, hint(12 + 8 * j)));
          w.u32(ref(p.type, 16 + 8 * j));
        }
        if (t.variadic) {
          w.u32(0);
          w.u32(0);
        }
        break;
      }
      case 'var':
        if (san.datasec) {
          w.u32x3(strings.addAt(t.name, hint(0)), makeInfo(BTF_KIND.INT, 0, false), 1);
          w.u32(8);
        } else {
          w.u32x3(strings.addAt(t.name, hint(0)), makeInfo(BTF_KIND.VAR, 0, false), ref(t.type, 8));
          w.u32(VAR_LINKAGE[t.linkage]);
        }
        break;
      case 'datasec': {
        const n = vlen(id, t.vars.length);
        if (san.datasec) {
          w.u32x3(
            strings.add(t.name.replace(/[.?]/g, '_')),
            makeInfo(BTF_KIND.STRUCT, n, false),
            t.size,
          );
          for (const v of t.vars) {
            w.u32(strings.add(v.type.name));
            w.u32(idOf(v.type));
            w.u32((v.offset * 8) >>> 0);
          }
        } else {
          const name = san.qmarkDatasec && t.name.startsWith('?') ? `_${t.name.slice(1)}` : t.name;
          w.u32x3(strings.addAt(name, hint(0)), makeInfo(BTF_KIND.DATASEC, n, false), t.size);
          for (let j = 0; j < t.vars.length; j++) {
            const v = t.vars[j]!;
            w.u32(ref(v.type, 12 + 12 * j));
            w.u32(v.offset);
            w.u32(v.size);
          }
        }
        break;
      }
      case 'float':
        if (san.float) w.u32x3(0, makeInfo(BTF_KIND.STRUCT, 0, false), t.size);
        else w.u32x3(strings.addAt(t.name, hint(0)), makeInfo(BTF_KIND.FLOAT, 0, false), t.size);
        break;
      case 'decl_tag':
        if (san.declTag) {
          w.u32x3(strings.addAt(t.name, hint(0)), makeInfo(BTF_KIND.INT, 0, false), 1);
          w.u32(8);
        } else {
          w.u32x3(
            strings.addAt(t.name, hint(0)),
            makeInfo(BTF_KIND.DECL_TAG, 0, t.attribute),
            ref(t.type, 8),
          );
          w.u32(t.componentIdx >>> 0);
        }
        break;
      case 'type_tag':
        if (san.typeTag) w.u32x3(0, makeInfo(BTF_KIND.CONST, 0, false), ref(t.type, 8));
        else
          w.u32x3(
            strings.addAt(t.name, hint(0)),
            makeInfo(BTF_KIND.TYPE_TAG, 0, t.attribute),
            ref(t.type, 8),
          );
        break;
    }
  }
  if (placeholderID !== 0) {
    w.u32x3(strings.add('enum64_placeholder'), makeInfo(BTF_KIND.INT, 0, false), 1);
    w.u32(8);
  }
  return assembleBtf(w.finish(), strings.finish(), le);
}

/** The encoded size of `n` types whose records are at `index` in a source, 24 bytes a type elsewhere. */
function recordBytes(
  index: Int32Array,
  n: number,
  offsets: Uint32Array,
  types: Uint8Array,
): number {
  let size = 64;
  for (let i = 0; i < n; i++) {
    const k = index[i]!;
    if (k < 0 || k >= offsets.length) size += 24;
    else size += (k + 1 < offsets.length ? offsets[k + 1]! : types.byteLength) - offsets[k]!;
  }
  return size;
}

function vlen(id: number, n: number): number {
  if (n > BTF_MAX_VLEN) {
    throw new BtfError(
      `btf: type id ${id}: ${n} members, values or parameters; at most ${BTF_MAX_VLEN}`,
    );
  }
  return n;
}
