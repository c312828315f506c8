import {
  BTF_KIND,
  type BtfKindName,
  FormatError,
  infoKind,
  MultipleMatchesError,
  NotFoundError,
  RawBtf,
  StringTableBuilder,
} from '@btfkit/wire';
import { copyTypes } from './copy-types.js';
import { TypeDecoder } from './decode-types.js';
import { type ByteOrder, encodeTypes, type MarshalOptions } from './marshal-types.js';
import { ALL_KINDS, NameIndex } from './name-index.js';
import { type DeclTag, type Type, type TypeKind, type TypeOfKind, VOID } from './types.js';

/** Options for {@link Spec.parse}. */
export interface SpecOptions {
  /** The base Spec, when the blob is split BTF (a kernel module's, or pahole's `--btf_base`). */
  readonly base?: Spec;
}

/**
 * A set of BTF types with lookups by ID and name: the TypeScript counterpart of cilium/ebpf's
 * `btf.Spec`. Loading indexes record offsets only; each type is decoded into a model object on
 * first access and cached, so a type has one object per Spec. A type's children (`members`,
 * `type`, `params`, ...) are decoded the first time they are read, so finding one type does not
 * decode everything it reaches; a malformed child record throws `FormatError` (naming the
 * child's ID) from the getter that reads it.
 *
 * Split BTF is a Spec over a base Spec: IDs and string offsets continue the base's and every
 * lookup sees the base's types too.
 */
export class Spec implements Iterable<Type> {
  /** The wire-level blob. */
  readonly raw: RawBtf;
  /** The base Spec of split BTF. */
  readonly base: Spec | undefined;
  private readonly decoder: TypeDecoder;
  private names: NameIndex | undefined;
  private tagIndex: Map<number, number[]> | undefined;

  /**
   * Wraps a parsed blob. For split BTF, `raw` must have been parsed over `base.raw`.
   * @throws FormatError when `raw`'s base is not `base`'s blob
   */
  constructor(raw: RawBtf, base?: Spec) {
    if ((raw.base ?? undefined) !== (base?.raw ?? undefined)) {
      throw new FormatError('btf: split BTF must be parsed over the raw BTF of its base Spec');
    }
    this.raw = raw;
    this.base = base;
    this.decoder = new TypeDecoder(raw, base?.decoder);
  }

  /**
   * Parses a BTF blob. Only the header, the string section and the ID→offset index are
   * looked at; types are decoded when first used.
   * @throws FormatError naming the offset (and type ID) of the first problem
   */
  static parse(bytes: Uint8Array, options: SpecOptions = {}): Spec {
    const base = options.base;
    const raw = RawBtf.parse(bytes, base ? { base: base.raw } : {});
    return new Spec(raw, base);
  }

  /** The byte order of the blob. */
  get byteOrder(): ByteOrder {
    return this.raw.littleEndian ? 'little' : 'big';
  }

  /** The ID of this Spec's first type: 1, or the base's next ID for split BTF. */
  get firstTypeID(): number {
    return this.raw.firstTypeID;
  }

  /** One past the highest type ID. */
  get nextTypeID(): number {
    return this.raw.nextTypeID;
  }

  /**
   * The type with ID `id`; 0 is void. Decodes it on first use; its children are decoded when
   * first read. Its own record is checked whole here, references included.
   * @throws NotFoundError when there is no such ID
   * @throws FormatError naming the type ID when its record is malformed
   */
  typeByID(id: number): Type {
    return this.decoder.typeByID(id);
  }

  /**
   * The ID of a type of this Spec (or its base).
   * @throws NotFoundError when the type is not one of this Spec's objects
   */
  typeID(type: Type): number {
    const id = this.decoder.idOf(type);
    if (id === undefined) {
      throw new NotFoundError(`btf: ${type.kind} '${type.name}': not a type of this spec`);
    }
    return id;
  }

  /** The ID of a type of this Spec or its base, or undefined. */
  typeIDOrUndefined(type: Type): number | undefined {
    return this.decoder.idOf(type);
  }

  /**
   * Every type whose full name is `name`, base types first, in ID order. A Spec's first
   * lookups go through a column of every name's first four bytes, searched natively (names
   * shorter than that by a scan of the records); once they have cost what building it does, a
   * hash index of essential names (see {@link essentialName}), built once straight from the
   * string table, answers them.
   * @throws NotFoundError when no type has that name
   */
  anyTypesByName(name: string): Type[] {
    const ids = this.idsByName(name);
    if (ids.length === 0) throw new NotFoundError(`btf: type '${name}': not found`);
    return ids.map((id) => this.typeByID(id));
  }

  /**
   * Every type whose name is `name` or whose essential name is `name` (see
   * {@link essentialName}): `struct foo___v1` and `struct foo` for `foo`, as CO-RE matches
   * flavors. Base types first, in ID order.
   * @throws NotFoundError when no type matches
   */
  anyTypesByEssentialName(name: string): Type[] {
    const ids = this.idsByEssentialName(name);
    if (ids.length === 0) throw new NotFoundError(`btf: type '${name}': not found`);
    return ids.map((id) => this.typeByID(id));
  }

  /**
   * The IDs of the types whose essential name (see {@link essentialName}) is exactly `name`,
   * base types first, ascending; no type is decoded. This is CO-RE's candidate rule: `foo`
   * finds `foo` and `foo___v1`, while `foo___v1` finds neither (unlike
   * {@link anyTypesByEssentialName}, a full name does not match).
   * @param kinds - wire kinds (`BTF_KIND.*`) to keep; every kind when omitted
   */
  typeIDsByEssentialName(name: string, kinds?: readonly number[]): number[] {
    let mask = ALL_KINDS;
    if (kinds) {
      mask = 0;
      for (const k of kinds) if (k >= 0 && k < 32) mask |= 1 << k;
    }
    return this.idsByEssentialOnly(name, mask);
  }

  /**
   * The one type named `name`, of any kind.
   * @throws NotFoundError when none has that name
   * @throws MultipleMatchesError when several do
   */
  anyTypeByName(name: string): Type {
    const ids = this.idsByName(name);
    if (ids.length === 0) throw new NotFoundError(`btf: type '${name}': not found`);
    if (ids.length > 1) {
      throw new MultipleMatchesError(
        `btf: type '${name}': ${ids.length} matches (ids ${ids.join(', ')})`,
      );
    }
    return this.typeByID(ids[0]!);
  }

  /**
   * The one type named `name` of the given kind; the result has that kind's type.
   * @throws NotFoundError when none matches
   * @throws MultipleMatchesError when several do
   */
  typeByName<K extends TypeKind>(name: string, kind: K): TypeOfKind<K> {
    const t = this.typeByNameOrUndefined(name, kind);
    if (t === undefined) throw new NotFoundError(`btf: ${kind} '${name}': not found`);
    return t;
  }

  /**
   * {@link typeByName} for names that may be absent: undefined instead of a `NotFoundError`.
   * Throwing costs a few microseconds (the stack trace); a miss here costs what a hit does,
   * which matters to code that probes many names (feature checks, CO-RE candidates).
   * @throws MultipleMatchesError when several types match
   */
  typeByNameOrUndefined<K extends TypeKind>(name: string, kind: K): TypeOfKind<K> | undefined {
    const ids = this.idsByName(name, WIRE_KINDS[kind]);
    if (ids.length === 0) return undefined;
    if (ids.length > 1) {
      throw new MultipleMatchesError(
        `btf: ${kind} '${name}': ${ids.length} matches (ids ${ids.join(', ')})`,
      );
    }
    return this.typeByID(ids[0]!) as TypeOfKind<K>;
  }

  /**
   * The declaration tags that tag `type` (or its members or parameters), in ID order.
   * @throws NotFoundError when the type is not one of this Spec's
   */
  declTags(type: Type): DeclTag[] {
    const id = this.typeID(type);
    const out: DeclTag[] = [];
    if (this.base && id < this.firstTypeID) out.push(...this.base.declTags(type));
    for (const tagID of this.tags().get(id) ?? []) out.push(this.typeByID(tagID) as DeclTag);
    return out;
  }

  /** Every type, base types first, in ID order (void excluded). Decodes as it goes. */
  *[Symbol.iterator](): IterableIterator<Type> {
    for (let id = 1; id < this.nextTypeID; id++) yield this.typeByID(id);
  }

  /** `[id, type]` for every type, base types first, in ID order (void excluded). */
  *entries(): IterableIterator<[number, Type]> {
    for (let id = 1; id < this.nextTypeID; id++) yield [id, this.typeByID(id)];
  }

  /**
   * A deep copy: the same IDs and blob, new type objects, so changes to one Spec's types are
   * not seen by the other. Types already decoded (and perhaps edited) are copied; the rest
   * are decoded fresh when used. A split Spec's base is copied too.
   */
  copy(): Spec {
    const base = this.base?.copy();
    const out = new Spec(this.raw, base);
    // Only what was decoded: a Spec fresh from its blob (a cached kernel Spec) copies in no
    // time, instead of in a walk over every ID.
    const own = this.decoder.cachedTypes().map(([, t]) => t);
    const oldBase = this.base;
    // Copying reads the children of every cached type, which decodes those not read yet:
    // every copied type that has an ID here gets the same ID in the copy.
    const map = copyTypes(
      own,
      oldBase && base
        ? (t) => {
            const id = oldBase.typeIDOrUndefined(t);
            return id === undefined ? undefined : base.typeByID(id);
          }
        : undefined,
    );
    for (const [t, c] of map) {
      const id = this.decoder.idOf(t);
      if (id !== undefined && id >= this.firstTypeID) out.decoder.seed(id, c);
    }
    return out;
  }

  /**
   * Encodes this Spec's types (not a base's) into a blob with the same IDs and order, and the
   * original string section first, so an unedited Spec encodes to its original bytes. Edited
   * types are encoded as they are now; to add new types, use a {@link Builder}. Types never
   * decoded cannot have been edited: in the blob's own byte order and without rewrites their
   * records are copied as they are (not decoded, so not checked either), and names and
   * references that still match the original record keep its offsets and IDs unlooked-up.
   * @throws NotFoundError when an edited type references a type that is not in this Spec
   * @throws BtfError naming the type ID when a field does not fit its encoding
   */
  marshal(options: MarshalOptions = {}): Uint8Array {
    const first = this.firstTypeID;
    const order = options.byteOrder ?? this.byteOrder;
    const san = options.sanitize;
    // Records never decoded cannot have been edited: without rewrites they are copied.
    const copy =
      order === this.byteOrder &&
      this.raw.layout === undefined &&
      options.stripFuncLinkage !== true &&
      (san === undefined || !Object.values(san).some((v) => v === true));
    const types: (Type | undefined)[] = new Array(this.nextTypeID - first);
    for (let id = first; id < this.nextTypeID; id++) {
      types[id - first] = copy ? this.decoder.cached(id) : this.typeByID(id);
    }
    const strings = new StringTableBuilder(this.base?.raw.strings);
    strings.seed(this.raw.strings);
    const decoder = this.decoder;
    return encodeTypes(
      {
        types,
        firstTypeID: first,
        strings,
        source: this.raw,
        typeAt: (id) =>
          id === 0 ? VOID : id >= first && id < this.nextTypeID ? decoder.cached(id) : undefined,
        idOf: (t) => {
          const id = decoder.idOf(t);
          if (id === undefined) {
            throw new NotFoundError(
              `btf: ${t.kind} '${t.name}': referenced but not a type of this spec (use a Builder to add types)`,
            );
          }
          return id;
        },
      },
      { byteOrder: this.byteOrder, ...options },
    );
  }

  /** IDs named `name`, base first; `kinds` is a mask of wire kinds as in `NameIndex`. */
  private idsByName(name: string, kinds = ALL_KINDS): number[] {
    if (!this.names) this.names = new NameIndex(this.raw);
    const own = this.names.lookup(name, kinds);
    if (!this.base) return own;
    return [...this.base.idsByName(name, kinds), ...own];
  }

  private idsByEssentialName(name: string): number[] {
    if (!this.names) this.names = new NameIndex(this.raw);
    const own = [...new Set([...this.names.lookupEssential(name), ...this.names.lookup(name)])];
    own.sort((a, b) => a - b);
    if (!this.base) return own;
    return [...this.base.idsByEssentialName(name), ...own];
  }

  private idsByEssentialOnly(name: string, kinds: number): number[] {
    if (!this.names) this.names = new NameIndex(this.raw);
    const own = this.names.lookupEssential(name, kinds);
    if (!this.base) return own;
    const base = this.base.idsByEssentialOnly(name, kinds);
    return base.length === 0 ? own : [...base, ...own];
  }

  private tags(): Map<number, number[]> {
    if (this.tagIndex) return this.tagIndex;
    const index = new Map<number, number[]>();
    const raw = this.raw;
    const view = raw.reader.view;
    for (let i = 0; i < raw.offsets.length; i++) {
      const off = raw.offsets[i]!;
      if (infoKind(view.getUint32(off + 4, raw.littleEndian)) !== BTF_KIND.DECL_TAG) continue;
      const target = view.getUint32(off + 8, raw.littleEndian);
      const list = index.get(target);
      if (list) list.push(raw.firstTypeID + i);
      else index.set(target, [raw.firstTypeID + i]);
    }
    this.tagIndex = index;
    return index;
  }
}

/**
 * The model kind each wire kind decodes to. The mapped type makes the compiler reject a
 * table that misses a kind of `BTF_KIND`.
 */
const MODEL_KIND: { readonly [K in BtfKindName]: TypeKind } = {
  UNKN: 'void',
  INT: 'int',
  PTR: 'pointer',
  ARRAY: 'array',
  STRUCT: 'struct',
  UNION: 'union',
  ENUM: 'enum',
  FWD: 'fwd',
  TYPEDEF: 'typedef',
  VOLATILE: 'volatile',
  CONST: 'const',
  RESTRICT: 'restrict',
  FUNC: 'func',
  FUNC_PROTO: 'func_proto',
  VAR: 'var',
  DATASEC: 'datasec',
  FLOAT: 'float',
  DECL_TAG: 'decl_tag',
  TYPE_TAG: 'type_tag',
  ENUM64: 'enum',
};

/** For each model kind, the mask of the wire kinds that decode to it (`1 << BTF_KIND_*`). */
const WIRE_KINDS = {} as Record<TypeKind, number>;
for (const [name, k] of Object.entries(MODEL_KIND) as [BtfKindName, TypeKind][]) {
  WIRE_KINDS[k] = (WIRE_KINDS[k] ?? 0) | (1 << BTF_KIND[name]);
}
