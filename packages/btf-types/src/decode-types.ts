import {
  BTF_KIND,
  FormatError,
  kindName,
  NotFoundError,
  NotSupportedError,
  type RawBtf,
} from '@btfkit/wire';
import {
  ArrayType,
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

/** Where a decoded type remembers its ID; checked against the cache, so copies do not match. */
const TYPE_ID: unique symbol = Symbol('btfkit.typeId');

interface WithId {
  [TYPE_ID]?: number;
}

/**
 * Inflates the types of one blob into model objects on demand and caches them. A type is
 * stored in the cache before its children are resolved (a shell with placeholder children),
 * and children are resolved from an explicit work stack, so cycles terminate and no depth of
 * input nesting grows the call stack. Records are read straight from the type section's
 * `DataView`; no intermediate record object is made.
 */
export class TypeDecoder {
  /** The blob. */
  readonly raw: RawBtf;
  /** The decoder of the base blob, for split BTF. */
  readonly base: TypeDecoder | undefined;
  /** The ID of the first type of this blob. */
  readonly firstTypeId: number;
  /** One past the last type ID of this blob. */
  readonly nextTypeId: number;
  private readonly cache: (Type | undefined)[];
  private readonly view: DataView;
  private readonly le: boolean;
  private readonly offsets: Uint32Array;
  private readonly strBytes: Uint8Array;
  private readonly strFirst: number;
  private readonly stack: number[] = [];
  private created: number[] = [];
  /** The own string section as one string, once enough names were decoded and it is ASCII. */
  private strText: string | undefined;
  private namesDecoded = 0;
  /**
   * Names decoded from {@link strText}, by offset (the table is deduplicated, so one offset
   * is one name used by many members): in a Map at first; past {@link SLOTS_AFTER} names, as
   * `nameSlot[rel]` = 1 + the name's index in {@link names} (0: not decoded yet), which is
   * faster than the Map but costs 4 bytes per byte of the string section.
   */
  private readonly nameCache = new Map<number, string>();
  private nameSlot: Int32Array | undefined;
  private readonly names: string[] = [];

  /**
   * @param raw - the blob
   * @param base - the decoder of `raw.base`, for split BTF
   */
  constructor(raw: RawBtf, base: TypeDecoder | undefined) {
    this.raw = raw;
    this.base = base;
    this.firstTypeId = raw.firstTypeId;
    this.nextTypeId = raw.nextTypeId;
    this.cache = new Array(raw.offsets.length);
    this.view = raw.reader.view;
    this.le = raw.littleEndian;
    this.offsets = raw.offsets;
    this.strBytes = raw.strings.bytes;
    this.strFirst = raw.strings.firstOffset;
  }

  /** The cached type of a local ID, if inflated. */
  cached(id: number): Type | undefined {
    return this.cache[id - this.firstTypeId];
  }

  /** Stores an already-built type (from a copy) under its ID. */
  seed(id: number, type: Type): void {
    this.cache[id - this.firstTypeId] = type;
    (type as WithId)[TYPE_ID] = id;
  }

  /**
   * The type with ID `id` (0 is void), inflating it and everything it references.
   * @throws NotFoundError for an ID past the end
   * @throws FormatError naming the type ID when a record is malformed
   */
  typeByID(id: number): Type {
    if (id === 0) return VOID;
    if (id < this.firstTypeId) {
      if (!this.base || id < 0) throw new NotFoundError(`btf: type id ${id}: not found`);
      return this.base.typeByID(id);
    }
    if (id >= this.nextTypeId || !Number.isInteger(id)) {
      throw new NotFoundError(`btf: type id ${id}: not found`);
    }
    const hit = this.cache[id - this.firstTypeId];
    if (hit) return hit;
    this.created.length = 0;
    try {
      const t = this.shell(id);
      this.drain();
      return t;
    } catch (err) {
      // Leave no half-built type behind: a later call must see the same error.
      for (const c of this.created) {
        this.cache[c - this.firstTypeId] = undefined;
      }
      this.stack.length = 0;
      throw err;
    }
  }

  /** The ID of `type` in this blob or its base, or undefined. */
  idOf(type: Type): number | undefined {
    if (type.kind === 'void') return 0;
    const id = (type as WithId)[TYPE_ID];
    if (id === undefined) return undefined;
    if (id >= this.firstTypeId) {
      return id < this.nextTypeId && this.cache[id - this.firstTypeId] === type ? id : undefined;
    }
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

  /** Moves the decoded names from the Map to the slot index. */
  private slotNames(): void {
    const slots = new Int32Array(this.strBytes.byteLength);
    for (const [rel, name] of this.nameCache) slots[rel] = this.names.push(name);
    this.nameCache.clear();
    this.nameSlot = slots;
  }

  private drain(): void {
    const stack = this.stack;
    while (stack.length > 0) this.fill(stack.pop()!);
  }

  private name(id: number, off: number): string {
    if (off === 0) return '';
    const rel = off - this.strFirst;
    if (rel >= 0) {
      const bytes = this.strBytes;
      if (rel < bytes.byteLength) {
        const text = this.strText;
        if (text !== undefined) {
          const slots = this.nameSlot;
          if (slots !== undefined) {
            const slot = slots[rel]!;
            if (slot !== 0) return this.names[slot - 1]!;
            const name = text.slice(rel, text.indexOf('\0', rel));
            slots[rel] = this.names.push(name);
            return name;
          }
          const known = this.nameCache.get(rel);
          if (known !== undefined) return known;
          const name = text.slice(rel, text.indexOf('\0', rel));
          this.nameCache.set(rel, name);
          if (this.nameCache.size === SLOTS_AFTER) this.slotNames();
          return name;
        }
        if (++this.namesDecoded === TEXT_AFTER) this.decodeTable();
        return decodeName(bytes, rel);
      }
    } else {
      const s = this.raw.strings.tryAt(off);
      if (s !== undefined) return s;
    }
    throw new FormatError(
      `btf: type id ${id}: name offset ${off} is past the end of the string table`,
      {
        typeId: id,
      },
    );
  }

  /** The type `ref` refers to from type `from`, creating a shell when not yet inflated. */
  private ref(from: number, ref: number, what: string): Type {
    if (ref === 0) return VOID;
    if (ref >= this.firstTypeId) {
      if (ref < this.nextTypeId) return this.cache[ref - this.firstTypeId] ?? this.shell(ref);
    } else if (this.base) {
      return this.base.typeByID(ref);
    }
    throw new FormatError(`btf: type id ${from}: ${what} type id ${ref} out of range`, {
      typeId: from,
    });
  }

  /**
   * Creates the object for `id` with placeholder children, caches it, and queues it for
   * {@link fill} when it has children.
   */
  private shell(id: number): Type {
    const view = this.view;
    const le = this.le;
    const off = this.offsets[id - this.firstTypeId]!;
    const nameOff = view.getUint32(off, le);
    const info = view.getUint32(off + 4, le);
    const sizeType = view.getUint32(off + 8, le);
    const kind = (info >>> 24) & 0x7f;
    const vlen = info & 0xffff_ff;
    const kflag = info >>> 31 === 1;
    let t: Type;
    let children = true;
    switch (kind) {
      case BTF_KIND.INT: {
        const w = view.getUint32(off + 12, le);
        t = new Int(
          this.name(id, nameOff),
          sizeType,
          (w >>> 24) & 0x0f,
          w & 0xff,
          (w >>> 16) & 0xff,
        );
        children = false;
        break;
      }
      case BTF_KIND.PTR:
        t = new Pointer(VOID);
        break;
      case BTF_KIND.ARRAY:
        t = new ArrayType(VOID, VOID, view.getUint32(off + 20, le));
        break;
      case BTF_KIND.STRUCT:
        t = new Struct(this.name(id, nameOff), sizeType, NO_MEMBERS);
        break;
      case BTF_KIND.UNION:
        t = new Union(this.name(id, nameOff), sizeType, NO_MEMBERS);
        break;
      case BTF_KIND.ENUM: {
        const values: EnumValue[] = new Array(vlen);
        for (let i = 0, p = off + 12; i < vlen; i++, p += 8) {
          const v = kflag ? view.getInt32(p + 4, le) : view.getUint32(p + 4, le);
          values[i] = { name: this.name(id, view.getUint32(p, le)), value: bigint(v) };
        }
        t = new Enum(this.name(id, nameOff), sizeType, values, kflag, false);
        children = false;
        break;
      }
      case BTF_KIND.ENUM64: {
        const values: EnumValue[] = new Array(vlen);
        for (let i = 0, p = off + 12; i < vlen; i++, p += 12) {
          const u = (BigInt(view.getUint32(p + 8, le)) << 32n) | BigInt(view.getUint32(p + 4, le));
          values[i] = {
            name: this.name(id, view.getUint32(p, le)),
            value: kflag ? BigInt.asIntN(64, u) : u,
          };
        }
        t = new Enum(this.name(id, nameOff), sizeType, values, kflag, true);
        children = false;
        break;
      }
      case BTF_KIND.FWD:
        t = new Fwd(this.name(id, nameOff), kflag ? 'union' : 'struct');
        children = false;
        break;
      case BTF_KIND.TYPEDEF:
        t = new Typedef(this.name(id, nameOff), VOID);
        break;
      case BTF_KIND.VOLATILE:
        t = new Volatile(VOID);
        break;
      case BTF_KIND.CONST:
        t = new Const(VOID);
        break;
      case BTF_KIND.RESTRICT:
        t = new Restrict(VOID);
        break;
      case BTF_KIND.FUNC: {
        const linkage = FUNC_LINKAGES[vlen];
        if (linkage === undefined) {
          throw new FormatError(`btf: type id ${id}: FUNC has unknown linkage ${vlen}`, {
            typeId: id,
          });
        }
        t = new Func(this.name(id, nameOff), PLACEHOLDER_PROTO, linkage);
        break;
      }
      case BTF_KIND.FUNC_PROTO:
        t = new FuncProto(VOID, NO_PARAMS, false);
        break;
      case BTF_KIND.VAR: {
        const l = view.getUint32(off + 12, le);
        const linkage = VAR_LINKAGES[l];
        if (linkage === undefined) {
          throw new FormatError(`btf: type id ${id}: VAR has unknown linkage ${l}`, { typeId: id });
        }
        t = new Var(this.name(id, nameOff), VOID, linkage);
        break;
      }
      case BTF_KIND.DATASEC:
        t = new Datasec(this.name(id, nameOff), sizeType, NO_VARS);
        break;
      case BTF_KIND.FLOAT:
        t = new Float(this.name(id, nameOff), sizeType);
        children = false;
        break;
      case BTF_KIND.DECL_TAG:
        t = new DeclTag(this.name(id, nameOff), VOID, view.getInt32(off + 12, le), kflag);
        break;
      case BTF_KIND.TYPE_TAG:
        t = new TypeTag(this.name(id, nameOff), VOID, kflag);
        break;
      default:
        throw new NotSupportedError(`btf: type id ${id}: kind ${kindName(kind)} is not supported`);
    }
    this.cache[id - this.firstTypeId] = t;
    (t as WithId)[TYPE_ID] = id;
    this.created.push(id);
    if (children) this.stack.push(id);
    return t;
  }

  /** Resolves the children of a shell. */
  private fill(id: number): void {
    const t = this.cache[id - this.firstTypeId]!;
    const view = this.view;
    const le = this.le;
    const off = this.offsets[id - this.firstTypeId]!;
    const sizeType = view.getUint32(off + 8, le);
    const vlen = view.getUint32(off + 4, le) & 0xffff_ff;
    switch (t.kind) {
      case 'pointer':
        t.target = this.ref(id, sizeType, 'pointee');
        return;
      case 'typedef':
      case 'volatile':
      case 'const':
      case 'restrict':
      case 'type_tag':
      case 'decl_tag':
      case 'var':
        t.type = this.ref(id, sizeType, 'target');
        return;
      case 'array':
        t.type = this.ref(id, view.getUint32(off + 12, le), 'element');
        t.index = this.ref(id, view.getUint32(off + 16, le), 'index');
        return;
      case 'struct':
      case 'union': {
        const kflag = view.getUint32(off + 4, le) >>> 31 === 1;
        const members: Member[] = new Array(vlen);
        for (let i = 0, p = off + 12; i < vlen; i++, p += 12) {
          const o = view.getUint32(p + 8, le);
          members[i] = {
            name: this.name(id, view.getUint32(p, le)),
            type: this.ref(id, view.getUint32(p + 4, le), 'member'),
            bitOffset: kflag ? o & 0xffffff : o,
            bitfieldSize: kflag ? o >>> 24 : 0,
          };
        }
        t.members = members;
        return;
      }
      case 'func': {
        const proto = this.ref(id, sizeType, 'prototype');
        if (proto.kind !== 'func_proto') {
          throw new FormatError(
            `btf: type id ${id}: FUNC type id ${sizeType} is not a FUNC_PROTO`,
            {
              typeId: id,
            },
          );
        }
        t.type = proto;
        return;
      }
      case 'func_proto': {
        t.returnType = this.ref(id, sizeType, 'return');
        let n = vlen;
        const last = off + 12 + (vlen - 1) * 8;
        if (vlen > 0 && view.getUint32(last, le) === 0 && view.getUint32(last + 4, le) === 0) {
          t.variadic = true;
          n--;
        }
        const params: FuncParam[] = new Array(n);
        for (let i = 0, p = off + 12; i < n; i++, p += 8) {
          const typeId = view.getUint32(p + 4, le);
          // Only the nameless trailing marker of varargs may be void; the kernel rejects any
          // other void parameter, and the model could not encode it back unchanged.
          if (typeId === 0) {
            throw new FormatError(
              `btf: type id ${id}: parameter ${i} of FUNC_PROTO is void but not the varargs marker`,
              { typeId: id },
            );
          }
          params[i] = {
            name: this.name(id, view.getUint32(p, le)),
            type: this.ref(id, typeId, 'parameter'),
          };
        }
        t.params = params;
        return;
      }
      case 'datasec': {
        const vars: VarSecinfo[] = new Array(vlen);
        for (let i = 0, p = off + 12; i < vlen; i++, p += 12) {
          vars[i] = {
            type: this.ref(id, view.getUint32(p, le), 'variable'),
            offset: view.getUint32(p + 4, le),
            size: view.getUint32(p + 8, le),
          };
        }
        t.vars = vars;
        return;
      }
      default:
        return;
    }
  }
}

/** Names decoded byte by byte before the whole string section is decoded at once. */
const TEXT_AFTER = 2048;
/** Distinct names kept in a Map before they move to a slot index (see `nameSlot`). */
const SLOTS_AFTER = 32768;

// Shells hold these until fill() gives them their own arrays (in the same typeByID call,
// or the shell is dropped): one shared empty array instead of one per shell.
const NO_MEMBERS: Member[] = [];
const NO_PARAMS: FuncParam[] = [];
const NO_VARS: VarSecinfo[] = [];

/** BigInts of the small values most enumerators have, made once. */
const SMALL_BIGINTS: readonly bigint[] = Array.from({ length: 1024 }, (_, i) => BigInt(i));

/** `BigInt(v)` of a 32-bit value, shared for small ones. */
function bigint(v: number): bigint {
  return v >= 0 && v < 1024 ? SMALL_BIGINTS[v]! : BigInt(v);
}

/** Stands in for a FUNC's prototype until it is resolved; never visible to callers. */
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
