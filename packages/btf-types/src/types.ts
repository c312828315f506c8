/**
 * The BTF type model: one class per kind, discriminated on `readonly kind`, children held as
 * object references (not IDs). Objects come from decoding a {@link Spec} or are built by hand;
 * the {@link Builder} encodes either. Fields other than `kind` are mutable so a graph can be
 * edited and re-encoded. A decoded type's children are decoded when first read (their fields
 * are accessors), so a graph is only as large as what was looked at.
 * @see https://docs.kernel.org/bpf/btf.html#type-encoding
 */

import type { RawBtf } from '@btfkit/wire';

/** The kind discriminator of every model type. */
export type TypeKind = Type['kind'];

/** Any BTF type. Narrow on `kind`. */
export type Type =
  | Void
  | Int
  | Pointer
  | ArrayType
  | Struct
  | Union
  | Enum
  | Fwd
  | Typedef
  | Volatile
  | Const
  | Restrict
  | Func
  | FuncProto
  | Var
  | Datasec
  | Float
  | DeclTag
  | TypeTag;

/** The model type of a kind: `TypeOfKind<'struct'>` is {@link Struct}. */
export type TypeOfKind<K extends TypeKind> = Extract<
  Type,
  {
    /** The kind to pick. */
    readonly kind: K;
  }
>;

/** Types whose only child is one referenced type: typedefs, qualifiers and tags. */
export type Qualifier = Volatile | Const | Restrict | TypeTag;

/** Struct or union. */
export type Composite = Struct | Union;

/**
 * Fills in the children of a type decoded from a Spec the first time one of them is read.
 * Implemented by the Spec's decoder; internal to btfkit.
 * @internal
 */
export interface ChildSource {
  /** Resolves every child field of `type` that is still unresolved. */
  fill(type: Type): void;
  /** The blob the type was decoded from. */
  readonly raw: RawBtf;
  /** The ID of a type this decoder made (or was seeded with), else undefined. */
  idOf(type: Type): number | undefined;
}

/**
 * What every model type carries besides its own fields: for a type decoded from a Spec, the
 * decoder that made it and its type ID there, so that its children can be decoded only when
 * they are first read (a type does not pull in everything it reaches) and so that the Spec
 * finds its ID without a lookup.
 */
abstract class TypeBase {
  /** @internal The decoder of a decoded type; undefined for a type built by hand. */
  declare _src: ChildSource | undefined;
  /** @internal The type ID of a decoded type in its decoder; 0 otherwise. */
  declare _id: number;
  constructor() {
    // Plain stores, not class fields: a field initializer shared by every subclass defines
    // properties on objects of 19 shapes, which V8 does far more slowly than these stores.
    // The decoder overwrites both right after constructing a decoded type.
    this._src = undefined;
    this._id = 0;
  }
}

/** Resolves the pending children of a decoded type, then returns it. */
function pull<T extends Type>(t: T): T {
  // Only a decoded type has unresolved children; a type built by hand has what its
  // constructor was given.
  t._src?.fill(t);
  return t;
}

/**
 * A type with one child, `type`: typedefs, qualifiers, tags and variables. Its getter decodes
 * the child on first read when the type was decoded from a Spec.
 */
abstract class OneChild extends TypeBase {
  /** @internal The child; undefined until a decoded type's child is first read. */
  declare _type: Type | undefined;
  constructor(type: Type) {
    super();
    this._type = type;
  }
  /** The referenced type. */
  get type(): Type {
    return this._type ?? pull(this as unknown as Type & OneChild)._type!;
  }
  /** Sets the referenced type. */
  set type(type: Type) {
    this._type = type;
  }
}

/**
 * The `void` type, type ID 0. Any `Void` object encodes as ID 0; {@link VOID} is a shared one.
 */
export class Void extends TypeBase {
  /** Discriminator. */
  readonly kind = 'void';
  /** Always empty. */
  get name(): string {
    return '';
  }
}

/** A shared {@link Void}. Decoding returns this object for ID 0. */
export const VOID: Void = new Void();

/** INT encoding: neither signed, char nor bool (`0`). */
export const INT_UNSIGNED = 0;
/** INT encoding bit: signed (`BTF_INT_SIGNED`). */
export const INT_SIGNED = 1;
/** INT encoding bit: a character type (`BTF_INT_CHAR`). */
export const INT_CHAR = 2;
/** INT encoding bit: a boolean (`BTF_INT_BOOL`). */
export const INT_BOOL = 4;

/**
 * An integer (`BTF_KIND_INT`, Linux 4.18).
 * @see https://docs.kernel.org/bpf/btf.html#btf-kind-int
 */
export class Int extends TypeBase {
  /** Discriminator. */
  readonly kind = 'int';
  /**
   * @param name - e.g. `unsigned int`
   * @param size - size in bytes
   * @param encoding - {@link INT_SIGNED}, {@link INT_CHAR}, {@link INT_BOOL} or 0
   * @param bits - number of value bits; defaults to `size * 8`
   * @param bitOffset - bit offset of the value, 0 in everything compilers emit today
   */
  constructor(
    public name: string,
    public size: number,
    public encoding = INT_UNSIGNED,
    public bits = size * 8,
    public bitOffset = 0,
  ) {
    super();
  }

  /** Whether the `BTF_INT_SIGNED` bit is set. */
  get signed(): boolean {
    return (this.encoding & INT_SIGNED) !== 0;
  }
}

/**
 * A pointer (`BTF_KIND_PTR`, Linux 4.18). Pointers are 8 bytes, as libbpf assumes for BPF.
 * @see https://docs.kernel.org/bpf/btf.html#btf-kind-ptr
 */
export class Pointer extends TypeBase {
  /** Discriminator. */
  readonly kind = 'pointer';
  /** @internal The pointee; undefined until a decoded pointer's pointee is first read. */
  declare _target: Type | undefined;
  /** @param target - the pointee */
  constructor(target: Type) {
    super();
    this._target = target;
  }
  /** The pointee. */
  get target(): Type {
    return this._target ?? pull(this)._target!;
  }
  /** Sets the pointee. */
  set target(target: Type) {
    this._target = target;
  }
  /** Always empty: pointers are anonymous. */
  get name(): string {
    return '';
  }
}

/**
 * An array (`BTF_KIND_ARRAY`, Linux 4.18). Named `ArrayType` to keep the global `Array` usable.
 * @see https://docs.kernel.org/bpf/btf.html#btf-kind-array
 */
export class ArrayType extends TypeBase {
  /** Discriminator. */
  readonly kind = 'array';
  /** @internal The element type; undefined until a decoded array's children are first read. */
  declare _type: Type | undefined;
  /** @internal The index type, like `_type`. */
  declare _index: Type | undefined;
  /**
   * @param type - the element type
   * @param index - the index type (an INT; compilers use a 4-byte unsigned int)
   * @param nelems - number of elements
   */
  constructor(
    type: Type,
    index: Type,
    public nelems: number,
  ) {
    super();
    this._type = type;
    this._index = index;
  }
  /** The element type. */
  get type(): Type {
    return this._type ?? pull(this)._type!;
  }
  /** Sets the element type. */
  set type(type: Type) {
    this._type = type;
  }
  /** The index type. */
  get index(): Type {
    return this._index ?? pull(this)._index!;
  }
  /** Sets the index type. */
  set index(index: Type) {
    this._index = index;
  }
  /** Always empty: arrays are anonymous. */
  get name(): string {
    return '';
  }
}

/** A struct or union member (`struct btf_member`). */
export interface Member {
  /** Member name; empty for anonymous members. */
  name: string;
  /** Member type. */
  type: Type;
  /** Offset from the start of the struct, in bits. */
  bitOffset: number;
  /** Size in bits of a bitfield member; 0 when the member is not a bitfield. */
  bitfieldSize: number;
}

/** The fields and members every struct and union has. */
abstract class Members extends TypeBase {
  /** @internal The members; undefined until a decoded type's members are first read. */
  declare _members: Member[] | undefined;
  /**
   * @param name - empty for an anonymous struct or union
   * @param size - size in bytes
   * @param members - in declaration order
   */
  constructor(
    public name: string,
    public size: number,
    members: Member[],
  ) {
    super();
    this._members = members;
  }
  /** The members, in declaration order. */
  get members(): Member[] {
    return this._members ?? pull(this as unknown as Composite)._members!;
  }
  /** Sets the members, in declaration order. */
  set members(members: Member[]) {
    this._members = members;
  }
}

/**
 * A struct (`BTF_KIND_STRUCT`, Linux 4.18). Bitfields are encoded with kind_flag set.
 * @see https://docs.kernel.org/bpf/btf.html#btf-kind-struct
 */
export class Struct extends Members {
  /** Discriminator. */
  readonly kind = 'struct';
}

/**
 * A union (`BTF_KIND_UNION`, Linux 4.18).
 * @see https://docs.kernel.org/bpf/btf.html#btf-kind-union
 */
export class Union extends Members {
  /** Discriminator. */
  readonly kind = 'union';
}

/** An enumerator. */
export interface EnumValue {
  /** The enumerator's name. */
  name: string;
  /** Its value; negative only in a signed enum. */
  value: bigint;
}

/**
 * An enumeration: `BTF_KIND_ENUM` (Linux 4.18, signedness since 6.0) and `BTF_KIND_ENUM64`
 * (Linux 6.0) in one class, as cilium/ebpf does. {@link Enum.enum64} says which kind it
 * encodes to.
 * @see https://docs.kernel.org/bpf/btf.html#btf-kind-enum
 * @see https://docs.kernel.org/bpf/btf.html#btf-kind-enum64
 */
export class Enum extends TypeBase {
  /** Discriminator. */
  readonly kind = 'enum';
  /** Whether this encodes as ENUM64 (values of up to 64 bits) rather than ENUM. */
  enum64: boolean;
  /** @internal The enumerators; undefined until a decoded enum's values are first read. */
  declare _values: EnumValue[] | undefined;
  /**
   * @param name - empty for an anonymous enum
   * @param size - size in bytes (1, 2, 4 or 8)
   * @param values - the enumerators; empty for a forward-declared enum
   * @param signed - whether values are signed (the kind_flag)
   * @param enum64 - encode as ENUM64; defaults to true when `size` is 8 or a value does not
   *   fit in 32 bits
   */
  constructor(
    public name: string,
    public size: number,
    values: EnumValue[],
    public signed = false,
    enum64?: boolean,
  ) {
    super();
    this._values = values;
    this.enum64 = enum64 ?? (size === 8 || values.some((v) => !fits32(v.value, signed)));
  }
  /** The enumerators; empty for a forward-declared enum. */
  get values(): EnumValue[] {
    return this._values ?? pull(this)._values!;
  }
  /** Sets the enumerators; empty for a forward-declared enum. */
  set values(values: EnumValue[]) {
    this._values = values;
  }
}

function fits32(v: bigint, signed: boolean): boolean {
  return signed ? v >= -0x80000000n && v <= 0x7fffffffn : v >= 0n && v <= 0xffffffffn;
}

/**
 * A forward declaration of a struct or union (`BTF_KIND_FWD`, Linux 4.18).
 * @see https://docs.kernel.org/bpf/btf.html#btf-kind-fwd
 */
export class Fwd extends TypeBase {
  /** Discriminator. */
  readonly kind = 'fwd';
  /**
   * @param name - the declared name
   * @param fwdKind - what is declared
   */
  constructor(
    public name: string,
    public fwdKind: 'struct' | 'union' = 'struct',
  ) {
    super();
  }
}

/**
 * A typedef (`BTF_KIND_TYPEDEF`, Linux 4.18).
 * @see https://docs.kernel.org/bpf/btf.html#btf-kind-typedef
 */
export class Typedef extends OneChild {
  /** Discriminator. */
  readonly kind = 'typedef';
  /**
   * @param name - the new name
   * @param type - the aliased type
   */
  constructor(
    public name: string,
    type: Type,
  ) {
    super(type);
  }
}

/**
 * The `volatile` qualifier (`BTF_KIND_VOLATILE`, Linux 4.18).
 * @see https://docs.kernel.org/bpf/btf.html#btf-kind-volatile
 */
export class Volatile extends OneChild {
  /** Discriminator. */
  readonly kind = 'volatile';
  /** Always empty. */
  get name(): string {
    return '';
  }
}

/**
 * The `const` qualifier (`BTF_KIND_CONST`, Linux 4.18).
 * @see https://docs.kernel.org/bpf/btf.html#btf-kind-const
 */
export class Const extends OneChild {
  /** Discriminator. */
  readonly kind = 'const';
  /** Always empty. */
  get name(): string {
    return '';
  }
}

/**
 * The `restrict` qualifier (`BTF_KIND_RESTRICT`, Linux 4.18).
 * @see https://docs.kernel.org/bpf/btf.html#btf-kind-restrict
 */
export class Restrict extends OneChild {
  /** Discriminator. */
  readonly kind = 'restrict';
  /** Always empty. */
  get name(): string {
    return '';
  }
}

/** FUNC linkage as a name (`enum btf_func_linkage`). */
export type FuncLinkage = 'static' | 'global' | 'extern';

/**
 * A function (`BTF_KIND_FUNC`, Linux 5.0; linkage since 5.6).
 * @see https://docs.kernel.org/bpf/btf.html#btf-kind-func
 */
export class Func extends TypeBase {
  /** Discriminator. */
  readonly kind = 'func';
  /** @internal The prototype; undefined until a decoded function's prototype is first read. */
  declare _type: FuncProto | undefined;
  /**
   * @param name - the function's name
   * @param type - its prototype
   * @param linkage - static, global or extern
   */
  constructor(
    public name: string,
    type: FuncProto,
    public linkage: FuncLinkage = 'static',
  ) {
    super();
    this._type = type;
  }
  /** The prototype. */
  get type(): FuncProto {
    return this._type ?? pull(this)._type!;
  }
  /** Sets the prototype. */
  set type(type: FuncProto) {
    this._type = type;
  }
}

/** A function parameter. */
export interface FuncParam {
  /** Parameter name; empty when unnamed. */
  name: string;
  /** Parameter type. */
  type: Type;
}

/**
 * A function prototype (`BTF_KIND_FUNC_PROTO`, Linux 5.0). A trailing `...` is the
 * `variadic` flag (on the wire, a last parameter with no name and type 0).
 * @see https://docs.kernel.org/bpf/btf.html#btf-kind-func-proto
 */
export class FuncProto extends TypeBase {
  /** Discriminator. */
  readonly kind = 'func_proto';
  /** @internal The return type; undefined until a decoded prototype's children are read. */
  declare _returnType: Type | undefined;
  /** @internal The parameters, like `_returnType`. */
  declare _params: FuncParam[] | undefined;
  /**
   * @param returnType - the return type, {@link VOID} for none
   * @param params - the named or unnamed parameters, without the varargs marker
   * @param variadic - whether the prototype ends in `...`
   */
  constructor(
    returnType: Type,
    params: FuncParam[],
    public variadic = false,
  ) {
    super();
    this._returnType = returnType;
    this._params = params;
  }
  /** The return type, {@link VOID} for none. */
  get returnType(): Type {
    return this._returnType ?? pull(this)._returnType!;
  }
  /** Sets the return type, {@link VOID} for none. */
  set returnType(type: Type) {
    this._returnType = type;
  }
  /** The named or unnamed parameters, without the varargs marker. */
  get params(): FuncParam[] {
    return this._params ?? pull(this)._params!;
  }
  /** Sets the named or unnamed parameters, without the varargs marker. */
  set params(params: FuncParam[]) {
    this._params = params;
  }
  /** Always empty: prototypes are anonymous. */
  get name(): string {
    return '';
  }
}

/** VAR linkage as a name (`enum btf_var_linkage`). */
export type VarLinkage = 'static' | 'global' | 'extern';

/**
 * A variable (`BTF_KIND_VAR`, Linux 5.2).
 * @see https://docs.kernel.org/bpf/btf.html#btf-kind-var
 */
export class Var extends OneChild {
  /** Discriminator. */
  readonly kind = 'var';
  /**
   * @param name - the variable's name
   * @param type - its type
   * @param linkage - static, global (allocated) or extern
   */
  constructor(
    public name: string,
    type: Type,
    public linkage: VarLinkage = 'static',
  ) {
    super(type);
  }
}

/** A variable's place in a {@link Datasec} (`struct btf_var_secinfo`). */
export interface VarSecinfo {
  /** The variable (usually a {@link Var}). */
  type: Type;
  /** Offset in the section, in bytes. */
  offset: number;
  /** Size in bytes. */
  size: number;
}

/**
 * A section of variables (`BTF_KIND_DATASEC`, Linux 5.2).
 * @see https://docs.kernel.org/bpf/btf.html#btf-kind-datasec
 */
export class Datasec extends TypeBase {
  /** Discriminator. */
  readonly kind = 'datasec';
  /** @internal The variables; undefined until a decoded section's variables are first read. */
  declare _vars: VarSecinfo[] | undefined;
  /**
   * @param name - the section name, e.g. `.data`
   * @param size - size of the section in bytes (0 until an ELF loader fills it in)
   * @param vars - the variables in the section
   */
  constructor(
    public name: string,
    public size: number,
    vars: VarSecinfo[],
  ) {
    super();
    this._vars = vars;
  }
  /** The variables in the section. */
  get vars(): VarSecinfo[] {
    return this._vars ?? pull(this)._vars!;
  }
  /** Sets the variables in the section. */
  set vars(vars: VarSecinfo[]) {
    this._vars = vars;
  }
}

/**
 * A floating-point type (`BTF_KIND_FLOAT`, Linux 5.13).
 * @see https://docs.kernel.org/bpf/btf.html#btf-kind-float
 */
export class Float extends TypeBase {
  /** Discriminator. */
  readonly kind = 'float';
  /**
   * @param name - e.g. `double`
   * @param size - size in bytes
   */
  constructor(
    public name: string,
    public size: number,
  ) {
    super();
  }
}

/**
 * A declaration tag (`BTF_KIND_DECL_TAG`, Linux 5.16): `__attribute__((btf_decl_tag("x")))` on
 * a type, a member, a parameter, a function or a variable. `name` is the tag's value.
 * @see https://docs.kernel.org/bpf/btf.html#btf-kind-decl-tag
 */
export class DeclTag extends OneChild {
  /** Discriminator. */
  readonly kind = 'decl_tag';
  /**
   * @param name - the tag's value
   * @param type - the tagged struct, union, typedef, func or var
   * @param componentIdx - the member or parameter index, or -1 for the type itself
   * @param attribute - the tag is a C attribute written out verbatim, not a `btf_decl_tag`
   *   (kind_flag set; Linux 6.13)
   */
  constructor(
    public name: string,
    type: Type,
    public componentIdx = -1,
    public attribute = false,
  ) {
    super(type);
  }
}

/**
 * A type tag (`BTF_KIND_TYPE_TAG`, Linux 5.17): `__attribute__((btf_type_tag("x")))` on a
 * pointee. `name` is the tag's value.
 * @see https://docs.kernel.org/bpf/btf.html#btf-kind-type-tag
 */
export class TypeTag extends OneChild {
  /** Discriminator. */
  readonly kind = 'type_tag';
  /**
   * @param name - the tag's value
   * @param type - the tagged type
   * @param attribute - the tag is a C attribute written out verbatim, not a `btf_type_tag`
   *   (kind_flag set; Linux 6.13)
   */
  constructor(
    public name: string,
    type: Type,
    public attribute = false,
  ) {
    super(type);
  }
}
