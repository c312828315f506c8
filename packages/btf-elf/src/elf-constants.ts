/**
 * The ELF constants this package reads, with the values from the System V gABI and
 * `<elf.h>`. Only what the reader needs; everything else passes through as a number.
 * @see https://refspecs.linuxfoundation.org/elf/gabi4+/ch4.intro.html
 */

/** `EI_CLASS` values. */
export const ELFCLASS = {
  /** 32-bit objects. */
  ELF32: 1,
  /** 64-bit objects. */
  ELF64: 2,
} as const;

/** `EI_DATA` values. */
export const ELFDATA = {
  /** Two's complement, little-endian. */
  LSB: 1,
  /** Two's complement, big-endian. */
  MSB: 2,
} as const;

/** Section types (`sh_type`) the reader gives meaning to. */
export const SHT = {
  NULL: 0,
  PROGBITS: 1,
  SYMTAB: 2,
  STRTAB: 3,
  RELA: 4,
  NOBITS: 8,
  REL: 9,
  DYNSYM: 11,
  /** Extended section indexes of the symbols of the SYMTAB named by `sh_link`. */
  SYMTAB_SHNDX: 18,
} as const;

/** Section flag bits (`sh_flags`). */
export const SHF = {
  WRITE: 0x1,
  ALLOC: 0x2,
  EXECINSTR: 0x4,
  /** The section starts with an `Elf32_Chdr`/`Elf64_Chdr` and holds compressed data. */
  COMPRESSED: 0x800,
} as const;

/** Special section indexes. */
export const SHN = {
  /** Undefined section: an undefined (extern) symbol. */
  UNDEF: 0,
  /** First reserved index. */
  LORESERVE: 0xff00,
  /** Absolute symbol value. */
  ABS: 0xfff1,
  /** Common symbol. */
  COMMON: 0xfff2,
  /** The real index is elsewhere: in section 0 or in SHT_SYMTAB_SHNDX. */
  XINDEX: 0xffff,
  /** Last reserved index. */
  HIRESERVE: 0xffff,
} as const;

/** `ch_type` values of a compression header. */
export const ELFCOMPRESS = {
  /** zlib (RFC 1950) stream. */
  ZLIB: 1,
  /** Zstandard (RFC 8878) frames. */
  ZSTD: 2,
} as const;

/** Symbol types (`ELF_ST_TYPE(st_info)`). */
export const STT = {
  NOTYPE: 0,
  OBJECT: 1,
  FUNC: 2,
  SECTION: 3,
  FILE: 4,
} as const;

/** Symbol bindings (`ELF_ST_BIND(st_info)`). */
export const STB = {
  LOCAL: 0,
  GLOBAL: 1,
  WEAK: 2,
} as const;

/** Symbol visibilities (`ELF_ST_VISIBILITY(st_other)`). */
export const STV = {
  DEFAULT: 0,
  INTERNAL: 1,
  HIDDEN: 2,
  PROTECTED: 3,
} as const;
