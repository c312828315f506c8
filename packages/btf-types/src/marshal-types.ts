import { assembleBtf, BTF_KIND, BtfError } from '@btfkit/wire';
import type { StringTableWriter } from './string-table-writer.js';
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
  /** A DATASEC whose name starts with `?` gets `_` instead (Linux 5.19 accepts `?`). */
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
  /** The types to encode, in ID order. */
  readonly types: readonly Type[];
  /** The ID of `types[0]`: 1, or the base's next ID for split BTF. */
  readonly firstTypeId: number;
  /** The ID of any type a record references. */
  readonly idOf: (t: Type) => number;
  /** Where names go; a base's table for split BTF. */
  readonly strings: StringTableWriter;
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
  const { types, firstTypeId, idOf, strings } = input;
  const w = new Writer(le, types.length * 24 + 64);
  let placeholderId = 0;
  const placeholder = (): number => {
    if (placeholderId === 0) placeholderId = firstTypeId + types.length;
    return placeholderId;
  };
  for (let i = 0; i < types.length; i++) {
    const t = types[i]!;
    const id = firstTypeId + i;
    switch (t.kind) {
      case 'void':
        throw new BtfError(`btf: type id ${id}: void cannot be encoded as a type; it is ID 0`);
      case 'int':
        w.head(strings.add(t.name), info(BTF_KIND.INT, 0, false), t.size);
        w.u32(((t.encoding & 0x0f) << 24) | ((t.bitOffset & 0xff) << 16) | (t.bits & 0xff));
        break;
      case 'pointer':
        w.head(0, info(BTF_KIND.PTR, 0, false), idOf(t.target));
        break;
      case 'array':
        w.head(0, info(BTF_KIND.ARRAY, 0, false), 0);
        w.u32(idOf(t.type));
        w.u32(idOf(t.index));
        w.u32(t.nelems);
        break;
      case 'struct':
      case 'union': {
        const members = t.members;
        let kflag = false;
        for (const m of members) if (m.bitfieldSize !== 0) kflag = true;
        const kind = t.kind === 'struct' ? BTF_KIND.STRUCT : BTF_KIND.UNION;
        w.head(strings.add(t.name), info(kind, vlen(id, members.length), kflag), t.size);
        for (const m of members) {
          w.u32(strings.add(m.name));
          w.u32(idOf(m.type));
          if (kflag) {
            if (m.bitOffset > 0xffffff || m.bitfieldSize > 0xff) {
              throw new BtfError(
                `btf: type id ${id}: member '${m.name}' bit offset ${m.bitOffset} or bitfield size ${m.bitfieldSize} does not fit`,
              );
            }
            w.u32(((m.bitfieldSize << 24) | m.bitOffset) >>> 0);
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
          w.head(strings.add(t.name), info(BTF_KIND.UNION, n, false), t.size);
          for (const v of t.values) {
            w.u32(strings.add(v.name));
            w.u32(ph);
            w.u32(0);
          }
        } else if (t.enum64) {
          w.head(strings.add(t.name), info(BTF_KIND.ENUM64, n, t.signed), t.size);
          for (const v of t.values) {
            const u = BigInt.asUintN(64, v.value);
            w.u32(strings.add(v.name));
            w.u32(Number(u & 0xffffffffn));
            w.u32(Number(u >> 32n));
          }
        } else {
          w.head(strings.add(t.name), info(BTF_KIND.ENUM, n, t.signed && !san.enum64), t.size);
          for (const v of t.values) {
            const ok = t.signed
              ? v.value >= -0x80000000n && v.value <= 0x7fffffffn
              : v.value >= 0n && v.value <= 0xffffffffn;
            if (!ok) {
              throw new BtfError(
                `btf: type id ${id}: enumerator '${v.name}' value ${v.value} does not fit a 32-bit ENUM (set enum64)`,
              );
            }
            w.u32(strings.add(v.name));
            w.u32(Number(v.value) >>> 0);
          }
        }
        break;
      }
      case 'fwd':
        w.head(strings.add(t.name), info(BTF_KIND.FWD, 0, t.fwdKind === 'union'), 0);
        break;
      case 'typedef':
        w.head(strings.add(t.name), info(BTF_KIND.TYPEDEF, 0, false), idOf(t.type));
        break;
      case 'volatile':
        w.head(0, info(BTF_KIND.VOLATILE, 0, false), idOf(t.type));
        break;
      case 'const':
        w.head(0, info(BTF_KIND.CONST, 0, false), idOf(t.type));
        break;
      case 'restrict':
        w.head(0, info(BTF_KIND.RESTRICT, 0, false), idOf(t.type));
        break;
      case 'func':
        if (san.func) {
          w.head(strings.add(t.name), info(BTF_KIND.TYPEDEF, 0, false), idOf(t.type));
        } else {
          const linkage = strip ? 0 : FUNC_LINKAGE[t.linkage];
          w.head(strings.add(t.name), info(BTF_KIND.FUNC, linkage, false), idOf(t.type));
        }
        break;
      case 'func_proto': {
        const n = vlen(id, t.params.length + (t.variadic ? 1 : 0));
        if (san.func) {
          w.head(0, info(BTF_KIND.ENUM, n, false), 4);
        } else {
          w.head(0, info(BTF_KIND.FUNC_PROTO, n, false), idOf(t.returnType));
        }
        for (const p of t.params) {
          w.u32(strings.add(p.name));
          w.u32(idOf(p.type));
        }
        if (t.variadic) {
          w.u32(0);
          w.u32(0);
        }
        break;
      }
      case 'var':
        if (san.datasec) {
          w.head(strings.add(t.name), info(BTF_KIND.INT, 0, false), 1);
          w.u32(8);
        } else {
          w.head(strings.add(t.name), info(BTF_KIND.VAR, 0, false), idOf(t.type));
          w.u32(VAR_LINKAGE[t.linkage]);
        }
        break;
      case 'datasec': {
        const n = vlen(id, t.vars.length);
        if (san.datasec) {
          w.head(
            strings.add(t.name.replace(/[.?]/g, '_')),
            info(BTF_KIND.STRUCT, n, false),
            t.size,
          );
          for (const v of t.vars) {
            w.u32(strings.add(v.type.name));
            w.u32(idOf(v.type));
            w.u32((v.offset * 8) >>> 0);
          }
        } else {
          const name = san.qmarkDatasec && t.name.startsWith('?') ? `_${t.name.slice(1)}` : t.name;
          w.head(strings.add(name), info(BTF_KIND.DATASEC, n, false), t.size);
          for (const v of t.vars) {
            w.u32(idOf(v.type));
            w.u32(v.offset);
            w.u32(v.size);
          }
        }
        break;
      }
      case 'float':
        if (san.float) w.head(0, info(BTF_KIND.STRUCT, 0, false), t.size);
        else w.head(strings.add(t.name), info(BTF_KIND.FLOAT, 0, false), t.size);
        break;
      case 'decl_tag':
        if (san.declTag) {
          w.head(strings.add(t.name), info(BTF_KIND.INT, 0, false), 1);
          w.u32(8);
        } else {
          w.head(strings.add(t.name), info(BTF_KIND.DECL_TAG, 0, t.attribute), idOf(t.type));
          w.u32(t.componentIdx >>> 0);
        }
        break;
      case 'type_tag':
        if (san.typeTag) w.head(0, info(BTF_KIND.CONST, 0, false), idOf(t.type));
        else w.head(strings.add(t.name), info(BTF_KIND.TYPE_TAG, 0, t.attribute), idOf(t.type));
        break;
    }
  }
  if (placeholderId !== 0) {
    w.head(strings.add('enum64_placeholder'), info(BTF_KIND.INT, 0, false), 1);
    w.u32(8);
  }
  return assembleBtf(w.finish(), strings.finish(), le);
}

function info(kind: number, vlen: number, kflag: boolean): number {
  return ((kflag ? 0x80000000 : 0) | (kind << 24) | vlen) >>> 0;
}

function vlen(id: number, n: number): number {
  if (n > 0xffff)
    throw new BtfError(`btf: type id ${id}: ${n} members, values or parameters; at most 65535`);
  return n;
}

/** A doubling buffer of 32-bit words in one byte order. */
class Writer {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;
  private readonly le: boolean;

  constructor(le: boolean, capacity: number) {
    this.le = le;
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  u32(v: number): void {
    if (this.pos + 4 > this.buf.byteLength) this.grow();
    this.view.setUint32(this.pos, v >>> 0, this.le);
    this.pos += 4;
  }

  head(nameOff: number, info: number, sizeType: number): void {
    if (this.pos + 12 > this.buf.byteLength) this.grow();
    const v = this.view;
    v.setUint32(this.pos, nameOff, this.le);
    v.setUint32(this.pos + 4, info, this.le);
    v.setUint32(this.pos + 8, sizeType >>> 0, this.le);
    this.pos += 12;
  }

  private grow(): void {
    const next = new Uint8Array(this.buf.byteLength * 2);
    next.set(this.buf);
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}
