export {
  BtfError,
  EncodeError,
  FormatError,
  MultipleMatchesError,
  NotFoundError,
  NotSupportedError,
} from '@btfkit/wire';
export { alignof } from './alignof.js';
export { Builder, type BuilderOptions } from './builder.js';
export * from './c-format/index.js';
export { pushChildren } from './children.js';
export { copyTypes } from './copy-types.js';
export {
  type DedupOptions,
  type DedupResult,
  type DedupSource,
  dedupBtf,
} from './dedup/dedup.js';
export {
  type DiffMember,
  type DiffOptions,
  type DiffType,
  diffSpecs,
  isEmptyDiff,
  type MemberChange,
  type MemberChangeKind,
  type SpecDiff,
  type TypeChange,
} from './diff-specs.js';
export { essentialName, essentialNameLength } from './essential-name.js';
export { formatType } from './format-type.js';
export {
  type ByteOrder,
  HOST_BYTE_ORDER,
  type MarshalOptions,
  type SanitizeOptions,
} from './marshal-types.js';
export { sizeof } from './sizeof.js';
export { Spec, type SpecOptions } from './spec.js';
export * from './ts-format/index.js';
export {
  ArrayType,
  type Composite,
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
  INT_BOOL,
  INT_CHAR,
  INT_SIGNED,
  INT_UNSIGNED,
  Int,
  type Member,
  Pointer,
  type Qualifier,
  Restrict,
  Struct,
  type Type,
  Typedef,
  type TypeKind,
  type TypeOfKind,
  TypeTag,
  Union,
  Var,
  type VarLinkage,
  type VarSecinfo,
  VOID,
  Void,
  Volatile,
} from './types.js';
export { MAX_RESOLVE_DEPTH, qualifiedType, underlyingType } from './underlying-type.js';
