import {
  BTF_KIND,
  FormatError,
  infoKflag,
  infoKind,
  infoVlen,
  intBitOffset,
  intBits,
  intEncoding,
  kindName,
  memberBitfieldSize,
  memberBitOffset,
  NotFoundError,
  NotSupportedError,
  type RawBtf,
} from '@btfkit/wire';
import {
  ArrayType,
  type ChildSource,
  Const,
  Datasec,
  DeclTag,
  Enum,
  type EnumValue,
  Float,
  Func,
  type FuncLinkage,
  type FuncParam,
  FuncProto,
  Fwd,
  Int,
  type Member,
  Pointer,
  Restrict,
  Struct,
  type Type,
  Typedef,
  TypeTag,
  Union,
  Var,
  type VarLinkage,
  type VarSecinfo,
  VOID,
  Volatile,
} from './types.js';

const FUNC_LINKAGES: readonly FuncLinkage[] = ['static', 'global', 'extern'];
const VAR_LINKAGES: readonly VarLinkage[] = ['static', 'global', 'extern'];

const utf8 = new TextDecoder('utf-8');

/**
 * Inflates the types of one blob into model objects on demand and caches them. A type is made
 * from its own record only: its children are resolved the first time one of them is read
 * (see {@link ChildSource}), each becoming an object of its own whose children wait in turn.
 * So finding one type costs one object, cycles need no care, and no depth of input nesting
 * grows the call stack. Records are read straight from the type section's `DataView`; no
 * intermediate record object is made.
 */
export class TypeDecoder implements ChildSource {
  /** The blob. */
  readonly raw: RawBtf;
  /** The decoder of the base blob, for split BTF. */
  readonly base: TypeDecoder | undefined;
  /** The ID of the first type of this blob. */
  readonly firstTypeID: number;
  /** One past the last type ID of this blob. */
  readonly nextTypeID: number;
  /**
   * Decoded types by local index: in a Map while there are few (allocating an array slot for
   * every type of a large blob costs more than a program that finds one type needs), then
   * in an array.
   */
  private cache: (Type | undefined)[] | undefined;
  private readonly few = new Map<number, Type>();
  private readonly view: DataView;
  private readonly le: boolean;
  private readonly offsets: Uint32Array;
  private readonly strBytes: Uint8Array;
  private readonly strFirst: number;
  /** The own string section as one string, once enough names were decoded and it is ASCII. */
  private strText: string | undefined;
  private namesDecoded = 0;

  /**
   * @param raw - the blob
   * @param base - the decoder of `raw.base`, for split BTF
   */
  constructor(raw: RawBtf, base: TypeDecoder | undefined) {
    this.raw = raw;
    this.base = base;
    this.firstTypeID = raw.firstTypeID;
    this.nextTypeID = raw.nextTypeID;
    this.view = raw.reader.view;
    this.le = raw.littleEndian;
    this.offsets = raw.offsets;
    this.strBytes = raw.strings.bytes;
    this.strFirst = raw.strings.firstOffset;
  }

  /** The cached type of a local ID, if inflated. */
  cached(id: number): Type | undefined {
    const i = id - this.firstTypeID;
    return this.cache !== undefined ? this.cache[i] : this.few.get(i);
  }

  /** Every decoded type with its ID, ascending; nothing to walk when few are decoded. */
  cachedTypes(): [id: number, type: Type][] {
    const out: [number, Type][] = [];
    const first = this.firstTypeID;
    const cache = this.cache;
    if (cache === undefined) {
      for (const [i, t] of this.few) out.push([first + i, t]);
      return out.sort((a, b) => a[0] - b[0]);
    }
    for (let i = 0; i < cache.length; i++) {
      const t = cache[i];
      if (t !== undefined) out.push([first + i, t]);
    }
    return out;
  }

  /** Caches `type` as the type of local index `i`. */
  private store(i: number, type: Type): void {
    const cache = this.cache;
    if (cache !== undefined) {
      cache[i] = type;
      return;
    }
    this.few.set(i, type);
    if (this.few.size < ARRAY_CACHE_AFTER) return;
    const all: (Type | undefined)[] = new Array(this.nextTypeID - this.firstTypeID);
    for (const [k, t] of this.few) all[k] = t;
    this.few.clear();
    this.cache = all;
  }

  /** Stores an already-built type (from a copy) under its ID. */
  seed(id: number, type: Type): void {
    this.store(id - this.firstTypeID, type);
    type._src = this;
    type._id = id;
  }

  /**
   * The type with ID `id` (0 is void), decoded from its record. Its children are decoded
   * when first read.
   * @throws NotFoundError for an ID past the end
   * @throws FormatError naming the type ID when the record is malformed
   */
  typeByID(id: number): Type {
    if (id === 0) return VOID;
    if (id < this.firstTypeID) {
      if (!this.base || id < 0) throw new NotFoundError(`btf: type id ${id}: not found`);
      return this.base.typeByID(id);
    }
    if (id >= this.nextTypeID || !Number.isInteger(id)) {
      throw new NotFoundError(`btf: type id ${id}: not found`);
    }
    return this.cached(id) ?? this.shell(id);
  }

  /** The ID of `type` in this blob or its base, or undefined. */
  idOf(type: Type): number | undefined {
    if (type.kind === 'void') return 0;
    if (type._src === this) return type._id;
    return this.base?.idOf(type);
  }

  /**
   * Decodes the whole string section once: names are then slices of it, one allocation
   * each. Only a pure ASCII section qualifies (UTF-8 would shift the offsets).
   */
  private decodeTable(): void {
    const text = utf8.decode(this.strBytes);
    if (text.length === this.strBytes.byteLength) this.strText = text;
  }

  private name(id: number, off: number): string {
    if (off === 0) return '';
    const rel = off - this.strFirst;
    if (rel >= 0) {
      const bytes = this.strBytes;
      if (rel < bytes.byteLength) {
        // Each name is sliced where it is used, not shared through a cache by offset: a type
        // or member is decoded once, and a cache costs more memory than the few names that
        // repeat (short names are copies, longer ones slices of the one table string).
        const text = this.strText;
        if (text !== undefined) return text.slice(rel, text.indexOf('\0', rel));
        if (++this.namesDecoded === TEXT_AFTER) this.decodeTable();
        return decodeName(bytes, rel);
      }
    } else {
      const s = this.raw.strings.tryAt(off);
      if (s !== undefined) return s;
    }
    throw badName(id, off);
  }

  /**
   * The type `ref` refers to from type `from`: cached, or made from its record now. `ref` was
   * range-checked when `from` was made.
   */
  private ref(ref: number): Type {
    if (ref === 0) return VOID;
    if (ref >= this.firstTypeID) return this.cached(ref) ?? this.shell(ref);
    return this.base!.typeByID(ref);
  }

  /** Throws unless `off` is the offset of a name in the string table (base included). */
  private checkName(from: number, off: number): void {
    const rel = off - this.strFirst;
    if (rel >= 0 ? rel < this.strBytes.byteLength : this.raw.strings.tryAt(off) !== undefined) {
      return;
    }
    throw badName(from, off);
  }

  /** Throws unless `ref` is a type ID that type `from` may reference (void included). */
  private check(from: number, ref: number, what: string): void {
    if (ref < this.nextTypeID && (ref >= this.firstTypeID || ref === 0 || this.base)) return;
    throw new FormatError(`btf: type id ${from}: ${what} type id ${ref} out of range`, {
      typeID: from,
    });
  }

  /**
   * Makes the object for `id` from its record alone, with its children unresolved, and caches
   * it. Everything the record says about itself is checked here, references included (in
   * range; a FUNC's is a FUNC_PROTO; only varargs is a void parameter), so reading a child
   * later fails only when the child's own record is malformed.
   */
  private shell(id: number): Type {
    const view = this.view;
    const le = this.le;
    const off = this.offsets[id - this.firstTypeID]!;
    const nameOff = view.getUint32(off, le);
    const info = view.getUint32(off + 4, le);
    const sizeType = view.getUint32(off + 8, le);
    const kind = infoKind(info);
    const vlen = infoVlen(info);
    const kflag = infoKflag(info);
    let t: Type;
    // Each case gives its new object this decoder and its ID right after constructing it:
    // a store site per class stays monomorphic, where one store after the switch would see
    // the objects of all 19 classes and be slow.
    switch (kind) {
      case BTF_KIND.INT: {
        const w = view.getUint32(off + 12, le);
        t = new Int(this.name(id, nameOff), sizeType, intEncoding(w), intBits(w), intBitOffset(w));
        t._src = this;
        t._id = id;
        break;
      }
      case BTF_KIND.PTR:
        this.check(id, sizeType, 'pointee');
        t = new Pointer(VOID);
        t._target = undefined;
        t._src = this;
        t._id = id;
        break;
      case BTF_KIND.ARRAY:
        this.check(id, view.getUint32(off + 12, le), 'element');
        this.check(id, view.getUint32(off + 16, le), 'index');
        t = new ArrayType(VOID, VOID, view.getUint32(off + 20, le));
        t._type = undefined;
        t._index = undefined;
        t._src = this;
        t._id = id;
        break;
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION:
        for (let i = 0, p = off + 12; i < vlen; i++, p += 12) {
          this.checkName(id, view.getUint32(p, le));
          this.check(id, view.getUint32(p + 4, le), 'member');
        }
        t =
          kind === BTF_KIND.STRUCT
            ? new Struct(this.name(id, nameOff), sizeType, NO_MEMBERS)
            : new Union(this.name(id, nameOff), sizeType, NO_MEMBERS);
        t._members = undefined;
        t._src = this;
        t._id = id;
        break;
      case BTF_KIND.ENUM:
      case BTF_KIND.ENUM64: {
        const step = kind === BTF_KIND.ENUM ? 8 : 12;
        for (let i = 0, p = off + 12; i < vlen; i++, p += step) {
          this.checkName(id, view.getUint32(p, le));
        }
        t = new Enum(this.name(id, nameOff), sizeType, NO_VALUES, kflag, kind === BTF_KIND.ENUM64);
        t._values = undefined;
        t._src = this;
        t._id = id;
        break;
      }
      case BTF_KIND.FWD:
        t = new Fwd(this.name(id, nameOff), kflag ? 'union' : 'struct');
        t._src = this;
        t._id = id;
        break;
      case BTF_KIND.TYPEDEF:
        this.check(id, sizeType, 'target');
        t = new Typedef(this.name(id, nameOff), VOID);
        t._type = undefined;
        t._src = this;
        t._id = id;
        break;
      case BTF_KIND.VOLATILE:
        this.check(id, sizeType, 'target');
        t = new Volatile(VOID);
        t._type = undefined;
        t._src = this;
        t._id = id;
        break;
      case BTF_KIND.CONST:
        this.check(id, sizeType, 'target');
        t = new Const(VOID);
        t._type = undefined;
        t._src = this;
        t._id = id;
        break;
      case BTF_KIND.RESTRICT:
        this.check(id, sizeType, 'target');
        t = new Restrict(VOID);
        t._type = undefined;
        t._src = this;
        t._id = id;
        break;
      case BTF_KIND.FUNC: {
        const linkage = FUNC_LINKAGES[vlen];
        if (linkage === undefined) {
          throw new FormatError(`btf: type id ${id}: FUNC has unknown linkage ${vlen}`, {
            typeID: id,
          });
        }
        this.check(id, sizeType, 'prototype');
        if (this.kindOf(sizeType) !== BTF_KIND.FUNC_PROTO) {
          throw new FormatError(
            `btf: type id ${id}: FUNC type id ${sizeType} is not a FUNC_PROTO`,
            {
              typeID: id,
            },
          );
        }
        t = new Func(this.name(id, nameOff), PLACEHOLDER_PROTO, linkage);
        t._type = undefined;
        t._src = this;
        t._id = id;
        break;
      }
      case BTF_KIND.FUNC_PROTO: {
        this.check(id, sizeType, 'return');
        // Only the nameless trailing marker of varargs may be void; the kernel rejects any
        // other void parameter, and the model could not encode it back unchanged.
        for (let i = 0, p = off + 12; i < vlen; i++, p += 8) {
          const ref = view.getUint32(p + 4, le);
          this.checkName(id, view.getUint32(p, le));
          this.check(id, ref, 'parameter');
          if (ref === 0 && (i !== vlen - 1 || view.getUint32(p, le) !== 0)) {
            throw new FormatError(
              `btf: type id ${id}: parameter ${i} of FUNC_PROTO is void but not the varargs marker`,
              { typeID: id },
            );
          }
        }
        const last = off + 12 + (vlen - 1) * 8;
        const variadic =
          vlen > 0 && view.getUint32(last, le) === 0 && view.getUint32(last + 4, le) === 0;
        t = new FuncProto(VOID, NO_PARAMS, variadic);
        t._returnType = undefined;
        t._params = undefined;
        t._src = this;
        t._id = id;
        break;
      }
      case BTF_KIND.VAR: {
        const l = view.getUint32(off + 12, le);
        const linkage = VAR_LINKAGES[l];
        if (linkage === undefined) {
          throw new FormatError(`btf: type id ${id}: VAR has unknown linkage ${l}`, {
            typeID: id,
          });
        }
        this.check(id, sizeType, 'target');
        t = new Var(this.name(id, nameOff), VOID, linkage);
        t._type = undefined;
        t._src = this;
        t._id = id;
        break;
      }
      case BTF_KIND.DATASEC:
        for (let i = 0, p = off + 12; i < vlen; i++, p += 12) {
          this.check(id, view.getUint32(p, le), 'variable');
        }
        t = new Datasec(this.name(id, nameOff), sizeType, NO_VARS);
        t._vars = undefined;
        t._src = this;
        t._id = id;
        break;
      case BTF_KIND.FLOAT:
        t = new Float(this.name(id, nameOff), sizeType);
        t._src = this;
        t._id = id;
        break;
      case BTF_KIND.DECL_TAG:
        this.check(id, sizeType, 'target');
        t = new DeclTag(this.name(id, nameOff), VOID, view.getInt32(off + 12, le), kflag);
        t._type = undefined;
        t._src = this;
        t._id = id;
        break;
      case BTF_KIND.TYPE_TAG:
        this.check(id, sizeType, 'target');
        t = new TypeTag(this.name(id, nameOff), VOID, kflag);
        t._type = undefined;
        t._src = this;
        t._id = id;
        break;
      default:
        throw new NotSupportedError(`btf: type id ${id}: kind ${kindName(kind)} is not supported`);
    }
    this.store(id - this.firstTypeID, t);
    return t;
  }

  /** The wire kind of a type ID's record (0 for void). */
  private kindOf(id: number): number {
    if (id === 0) return 0;
    if (id < this.firstTypeID) return this.base!.kindOf(id);
    return this.raw.kinds[id - this.firstTypeID]!;
  }

  /**
   * Resolves the children of a decoded type that are still unresolved (a child set through
   * a setter in the meantime is kept). Every reference was range-checked by {@link shell}.
   * @throws FormatError naming a child's type ID when the child's record is malformed
   */
  fill(t: Type): void {
    const id = t._id;
    const view = this.view;
    const le = this.le;
    const off = this.offsets[id - this.firstTypeID]!;
    const info = view.getUint32(off + 4, le);
    const sizeType = view.getUint32(off + 8, le);
    const vlen = infoVlen(info);
    switch (t.kind) {
      case 'pointer':
        t._target ??= this.ref(sizeType);
        return;
      case 'typedef':
      case 'volatile':
      case 'const':
      case 'restrict':
      case 'type_tag':
      case 'decl_tag':
      case 'var':
        t._type ??= this.ref(sizeType);
        return;
      case 'func':
        t._type ??= this.ref(sizeType) as FuncProto;
        return;
      case 'array':
        t._type ??= this.ref(view.getUint32(off + 12, le));
        t._index ??= this.ref(view.getUint32(off + 16, le));
        return;
      case 'struct':
      case 'union': {
        if (t._members !== undefined) return;
        const kflag = infoKflag(info);
        const members: Member[] = new Array(vlen);
        for (let i = 0, p = off + 12; i < vlen; i++, p += 12) {
          const o = view.getUint32(p + 8, le);
          members[i] = {
            name: this.name(id, view.getUint32(p, le)),
            type: this.ref(view.getUint32(p + 4, le)),
            bitOffset: memberBitOffset(kflag, o),
            bitfieldSize: memberBitfieldSize(kflag, o),
          };
        }
        t._members = members;
        return;
      }
      case 'enum': {
        if (t._values !== undefined) return;
        const values: EnumValue[] = new Array(vlen);
        if (t.enum64) {
          for (let i = 0, p = off + 12; i < vlen; i++, p += 12) {
            const u =
              (BigInt(view.getUint32(p + 8, le)) << 32n) | BigInt(view.getUint32(p + 4, le));
            values[i] = {
              name: this.name(id, view.getUint32(p, le)),
              value: t.signed ? BigInt.asIntN(64, u) : u,
            };
          }
        } else {
          for (let i = 0, p = off + 12; i < vlen; i++, p += 8) {
            const v = t.signed ? view.getInt32(p + 4, le) : view.getUint32(p + 4, le);
            values[i] = { name: this.name(id, view.getUint32(p, le)), value: bigint(v) };
          }
        }
        t._values = values;
        return;
      }
      case 'func_proto': {
        t._returnType ??= this.ref(sizeType);
        if (t._params !== undefined) return;
        const n = t.variadic ? vlen - 1 : vlen;
        const params: FuncParam[] = new Array(n);
        for (let i = 0, p = off + 12; i < n; i++, p += 8) {
          params[i] = {
            name: this.name(id, view.getUint32(p, le)),
            type: this.ref(view.getUint32(p + 4, le)),
          };
        }
        t._params = params;
        return;
      }
      case 'datasec': {
        if (t._vars !== undefined) return;
        const vars: VarSecinfo[] = new Array(vlen);
        for (let i = 0, p = off + 12; i < vlen; i++, p += 12) {
          vars[i] = {
            type: this.ref(view.getUint32(p, le)),
            offset: view.getUint32(p + 4, le),
            size: view.getUint32(p + 8, le),
          };
        }
        t._vars = vars;
        return;
      }
      case 'void':
      case 'int':
      case 'fwd':
      case 'float':
        return;
      default: {
        // Every kind is listed above: the compiler rejects this line when one is missing.
        const missing: never = t;
        throw new TypeError(`btf: fill: unknown type ${String(missing)}`);
      }
    }
  }
}

/** The error for a name offset of type `id` that is not in the string table. */
function badName(id: number, off: number): FormatError {
  return new FormatError(
    `btf: type id ${id}: name offset ${off} is past the end of the string table`,
    { typeID: id },
  );
}

/** Types kept in a Map before the cache becomes an array (see `TypeDecoder.cache`). */
const ARRAY_CACHE_AFTER = 1024;
/** Names decoded byte by byte before the whole string section is decoded at once. */
const TEXT_AFTER = 2048;
// Constructor arguments of shells, replaced by `undefined` (unresolved) right away: one
// shared empty array instead of one per shell.
const NO_MEMBERS: Member[] = [];
const NO_PARAMS: FuncParam[] = [];
const NO_VARS: VarSecinfo[] = [];
const NO_VALUES: EnumValue[] = [];

/** BigInts of the small values most enumerators have, made once. */
const SMALL_BIGINTS: readonly bigint[] = Array.from({ length: 1024 }, (_, i) => BigInt(i));

/** `BigInt(v)` of a 32-bit value, shared for small ones. */
function bigint(v: number): bigint {
  return v >= 0 && v < 1024 ? SMALL_BIGINTS[v]! : BigInt(v);
}

/** A FUNC shell's constructor argument, replaced by `undefined` (unresolved) right away. */
const PLACEHOLDER_PROTO = new FuncProto(VOID, []);

/** Decodes a NUL-terminated name, ASCII fast path first. */
function decodeName(bytes: Uint8Array, start: number): string {
  let end = start;
  let ascii = true;
  while (true) {
    const b = bytes[end];
    if (b === 0 || b === undefined) break;
    if (b >= 0x80) ascii = false;
    end++;
  }
  if (!ascii || end - start > 64) return utf8.decode(bytes.subarray(start, end));
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}
