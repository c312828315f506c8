/**
 * The BTF type model: one class per kind, discriminated on `readonly kind`, children held as
 * object references (not IDs). Objects come from decoding a {@link Spec} or are built by hand;
 * the {@link Builder} encodes either. Fields other than `kind` are mutable so a graph can be
 * edited and re-encoded, and so that decoding can store a type before its children (which is
 * how cycles terminate).
 * @see https://docs.kernel.org/bpf/btf.html#type-encoding
 */

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
export type TypeOfKind<K extends TypeKind> = Extract<Type, { readonly kind: K }>;

/** Types whose only child is one referenced type: typedefs, qualifiers and tags. */
export type Qualifier = Volatile | Const | Restrict | TypeTag;

/** Struct or union. */
export type Composite = Struct | Union;

/**
 * The `void` type, type ID 0. Any `Void` object encodes as ID 0; {@link VOID} is a shared one.
 */
export class Void {
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
export class Int {
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
  ) {}

  /** Whether the `BTF_INT_SIGNED` bit is set. */
  get signed(): boolean {
    return (this.encoding & INT_SIGNED) !== 0;
  }
}

/**
 * A pointer (`BTF_KIND_PTR`, Linux 4.18). Pointers are 8 bytes, as libbpf assumes for BPF.
 * @see https://docs.kernel.org/bpf/btf.html#btf-kind-ptr
 */
export class Pointer {
  /** Discriminator. */
  readonly kind = 'pointer';
  /** @param target - the pointee */
  constructor(public target: Type) {}
  /** Always empty: pointers are anonymous. */
  get name(): string {
    return '';
  }
}

/**
 * An array (`BTF_KIND_ARRAY`, Linux 4.18). Named `ArrayType` to keep the global `Array` usable.
 * @see https://docs.kernel.org/bpf/btf.html#btf-kind-array
 */
export class ArrayType {
  /** Discriminator. */
  readonly kind = 'array';
  /**
   * @param type - the element type
   * @param index - the index type (an INT; compilers use a 4-byte unsigned int)
   * @param nelems - number of elements
   */
  constructor(
    public type: Type,
    public index: Type,
    public nelems: number,
  ) {}
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

/**
 * A struct (`BTF_KIND_STRUCT`, Linux 4.18). Bitfields are encoded with kind_flag set.
 * @see https://docs.kernel.org/bpf/btf.html#btf-kind-struct
 */
export class Struct {
  /** Discriminator. */
  readonly kind = 'struct';
  /**
   * @param name - empty for an anonymous struct
   * @param size - size in bytes
   * @param members - in declaration order
   */
  constructor(
    public name: string,
    public size: number,
    public members: Member[],
  ) {}
}

/**
 * A union (`BTF_KIND_UNION`, Linux 4.18).
 * @see https://docs.kernel.org/bpf/btf.html#btf-kind-union
 */
export class Union {
  /** Discriminator. */
  readonly kind = 'union';
  /**
   * @param name - empty for an anonymous union
   * @param size - size in bytes
   * @param members - in declaration order
   */
  constructor(
    public name: string,
    public size: number,
    public members: Member[],
  ) {}
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
export class Enum {
  /** Discriminator. */
  readonly kind = 'enum';
  /** Whether this encodes as ENUM64 (values of up to 64 bits) rather than ENUM. */
  enum64: boolean;
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
    public values: EnumValue[],
    public signed = false,
    enum64?: boolean,
  ) {
    this.enum64 = enum64 ?? (size === 8 || values.some((v) => !fits32(v.value, signed)));
  }
}

function fits32(v: bigint, signed: boolean): boolean {
  return signed ? v >= -0x80000000n && v <= 0x7fffffffn : v >= 0n && v <= 0xffffffffn;
}

/**
 * A forward declaration of a struct or union (`BTF_KIND_FWD`, Linux 4.18).
 * @see https://docs.kernel.org/bpf/btf.html#btf-kind-fwd
 */
export class Fwd {
  /** Discriminator. */
  readonly kind = 'fwd';
  /**
   * @param name - the declared name
   * @param fwdKind - what is declared
   */
  constructor(
    public name: string,
    public fwdKind: 'struct' | 'union' = 'struct',
  ) {}
}

/**
 * A typedef (`BTF_KIND_TYPEDEF`, Linux 4.18).
 * @see https://docs.kernel.org/bpf/btf.html#btf-kind-typedef
 */
export class Typedef {
  /** Discriminator. */
  readonly kind = 'typedef';
  /**
   * @param name - the new name
   * @param type - the aliased type
   */
  constructor(
    public name: string,
    public type: Type,
  ) {}
}

/**
 * The `volatile` qualifier (`BTF_KIND_VOLATILE`, Linux 4.18).
 * @see https://docs.kernel.org/bpf/btf.html#btf-kind-volatile
 */
export class Volatile {
  /** Discriminator. */
  readonly kind = 'volatile';
  /** @param type - the qualified type */
  constructor(public type: Type) {}
  /** Always empty. */
  get name(): string {
    return '';
  }
}

/**
 * The `const` qualifier (`BTF_KIND_CONST`, Linux 4.18).
 * @see https://docs.kernel.org/bpf/btf.html#btf-kind-const
 */
export class Const {
  /** Discriminator. */
  readonly kind = 'const';
  /** @param type - the qualified type */
  constructor(public type: Type) {}
  /** Always empty. */
  get name(): string {
    return '';
  }
}

/**
 * The `restrict` qualifier (`BTF_KIND_RESTRICT`, Linux 4.18).
 * @see https://docs.kernel.org/bpf/btf.html#btf-kind-restrict
 */
export class Restrict {
  /** Discriminator. */
  readonly kind = 'restrict';
  /** @param type - the qualified type */
  constructor(public type: Type) {}
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
export class Func {
  /** Discriminator. */
  readonly kind = 'func';
  /**
   * @param name - the function's name
   * @param type - its prototype
   * @param linkage - static, global or extern
   */
  constructor(
    public name: string,
    public type: FuncProto,
    public linkage: FuncLinkage = 'static',
  ) {}
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
export class FuncProto {
  /** Discriminator. */
  readonly kind = 'func_proto';
  /**
   * @param returnType - the return type, {@link VOID} for none
   * @param params - the named or unnamed parameters, without the varargs marker
   * @param variadic - whether the prototype ends in `...`
   */
  constructor(
    public returnType: Type,
    public params: FuncParam[],
    public variadic = false,
  ) {}
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
export class Var {
  /** Discriminator. */
  readonly kind = 'var';
  /**
   * @param name - the variable's name
   * @param type - its type
   * @param linkage - static, global (allocated) or extern
   */
  constructor(
    public name: string,
    public type: Type,
    public linkage: VarLinkage = 'static',
  ) {}
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
export class Datasec {
  /** Discriminator. */
  readonly kind = 'datasec';
  /**
   * @param name - the section name, e.g. `.data`
   * @param size - size of the section in bytes (0 until an ELF loader fills it in)
   * @param vars - the variables in the section
   */
  constructor(
    public name: string,
    public size: number,
    public vars: VarSecinfo[],
  ) {}
}

/**
 * A floating-point type (`BTF_KIND_FLOAT`, Linux 5.13).
 * @see https://docs.kernel.org/bpf/btf.html#btf-kind-float
 */
export class Float {
  /** Discriminator. */
  readonly kind = 'float';
  /**
   * @param name - e.g. `double`
   * @param size - size in bytes
   */
  constructor(
    public name: string,
    public size: number,
  ) {}
}

/**
 * A declaration tag (`BTF_KIND_DECL_TAG`, Linux 5.16): `__attribute__((btf_decl_tag("x")))` on
 * a type, a member, a parameter, a function or a variable. `name` is the tag's value.
 * @see https://docs.kernel.org/bpf/btf.html#btf-kind-decl-tag
 */
export class DeclTag {
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
    public type: Type,
    public componentIdx = -1,
    public attribute = false,
  ) {}
}

/**
 * A type tag (`BTF_KIND_TYPE_TAG`, Linux 5.17): `__attribute__((btf_type_tag("x")))` on a
 * pointee. `name` is the tag's value.
 * @see https://docs.kernel.org/bpf/btf.html#btf-kind-type-tag
 */
export class TypeTag {
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
    public type: Type,
    public attribute = false,
  ) {}
}
