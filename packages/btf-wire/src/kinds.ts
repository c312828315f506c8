/**
 * BTF wire constants: kinds, INT encodings, linkages and limits, as in the kernel's
 * `include/uapi/linux/btf.h`. See https://docs.kernel.org/bpf/btf.html
 */

/**
 * The BTF kinds by name. The comment on each says which kernel added it.
 * @see https://docs.kernel.org/bpf/btf.html#type-encoding
 */
export const BTF_KIND = {
  /** Placeholder for kind 0; ID 0 is `void`. */
  UNKN: 0,
  /** Integer. Linux 4.18. */
  INT: 1,
  /** Pointer. Linux 4.18. */
  PTR: 2,
  /** Array. Linux 4.18. */
  ARRAY: 3,
  /** Struct. Linux 4.18. */
  STRUCT: 4,
  /** Union. Linux 4.18. */
  UNION: 5,
  /** Enumeration of up to 32-bit values. Linux 4.18. */
  ENUM: 6,
  /** Forward declaration of a struct or union. Linux 4.18. */
  FWD: 7,
  /** Typedef. Linux 4.18. */
  TYPEDEF: 8,
  /** `volatile` qualifier. Linux 4.18. */
  VOLATILE: 9,
  /** `const` qualifier. Linux 4.18. */
  CONST: 10,
  /** `restrict` qualifier. Linux 4.18. */
  RESTRICT: 11,
  /** Function. Linux 5.0 (linkage in `vlen` since 5.6). */
  FUNC: 12,
  /** Function prototype. Linux 5.0. */
  FUNC_PROTO: 13,
  /** Variable. Linux 5.2. */
  VAR: 14,
  /** Section of variables. Linux 5.2. */
  DATASEC: 15,
  /** Floating point number. Linux 5.13. */
  FLOAT: 16,
  /** Declaration tag. Linux 5.16. */
  DECL_TAG: 17,
  /** Type tag. Linux 5.17. */
  TYPE_TAG: 18,
  /** Enumeration of up to 64-bit values. Linux 6.0. */
  ENUM64: 19,
} as const;

/** A kind this package knows, as a number. */
export type BtfKind = (typeof BTF_KIND)[keyof typeof BTF_KIND];

/** The highest kind this package knows how to decode without a layout section. */
export const BTF_KIND_MAX = 19;

/** The highest kind the info word can carry (7 bits). */
export const BTF_KIND_LIMIT = 0x7f;

/** Kind names as bpftool prints them, indexed by kind. */
export const KIND_NAMES: readonly string[] = [
  'UNKNOWN',
  'INT',
  'PTR',
  'ARRAY',
  'STRUCT',
  'UNION',
  'ENUM',
  'FWD',
  'TYPEDEF',
  'VOLATILE',
  'CONST',
  'RESTRICT',
  'FUNC',
  'FUNC_PROTO',
  'VAR',
  'DATASEC',
  'FLOAT',
  'DECL_TAG',
  'TYPE_TAG',
  'ENUM64',
];

/** The first kernel release that accepts each kind, indexed by kind. */
export const KIND_SINCE: readonly string[] = [
  '4.18',
  '4.18',
  '4.18',
  '4.18',
  '4.18',
  '4.18',
  '4.18',
  '4.18',
  '4.18',
  '4.18',
  '4.18',
  '4.18',
  '5.0',
  '5.0',
  '5.2',
  '5.2',
  '5.13',
  '5.16',
  '5.17',
  '6.0',
];

/** Name of a kind for messages; unknown kinds print as `kind N`. */
export function kindName(kind: number): string {
  return KIND_NAMES[kind] ?? `kind ${kind}`;
}

/** INT encoding bits (`BTF_INT_ENCODING`). */
export const BTF_INT_SIGNED = 1 << 0;
/** INT encoding: a character type. */
export const BTF_INT_CHAR = 1 << 1;
/** INT encoding: a boolean. */
export const BTF_INT_BOOL = 1 << 2;

/** FUNC linkage, stored in a FUNC's `vlen` (`enum btf_func_linkage`). */
export const BTF_FUNC_LINKAGE = {
  /** Local to its object (`static`). */
  STATIC: 0,
  /** Defined here and visible to other objects. */
  GLOBAL: 1,
  /** Declared here, defined elsewhere. */
  EXTERN: 2,
} as const;

/** VAR linkage (`enum btf_var_linkage`). */
export const BTF_VAR_LINKAGE = {
  /** Local to its object (`static`). */
  STATIC: 0,
  /** Defined here and visible to other objects. */
  GLOBAL_ALLOCATED: 1,
  /** Declared here, defined elsewhere (`extern`). */
  GLOBAL_EXTERN: 2,
} as const;

/** `0xeB9F`, the BTF magic; its byte order tells the blob's. */
export const BTF_MAGIC = 0xeb9f;
/** The only BTF version. */
export const BTF_VERSION = 1;
/** Size of the original BTF header. */
export const BTF_HEADER_SIZE = 24;
/** Size of the header with the layout extension (`layout_off`, `layout_len`). */
export const BTF_HEADER_SIZE_LAYOUT = 32;
/** Size of the common part of every type record (`struct btf_type`). */
export const BTF_TYPE_SIZE = 12;

/** Highest type ID the kernel accepts (`BTF_MAX_TYPE`). */
export const BTF_MAX_TYPE = 0x000fffff;
/** Highest string offset the kernel accepts (`BTF_MAX_NAME_OFFSET`). */
export const BTF_MAX_NAME_OFFSET = 0x00ffffff;
/** Most members, values or params the kernel accepts in one type (`BTF_MAX_VLEN`). */
export const BTF_MAX_VLEN = 0xffff;
/** Largest vlen the info word can carry (bits 0–23). */
export const BTF_VLEN_LIMIT = 0xffffff;
