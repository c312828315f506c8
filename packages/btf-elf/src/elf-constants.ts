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
  /** An unused section header. */
  NULL: 0,
  /** Data the program defines (code, `.data`, `.BTF`). */
  PROGBITS: 1,
  /** A symbol table. */
  SYMTAB: 2,
  /** A string table. */
  STRTAB: 3,
  /** Relocations with explicit addends. */
  RELA: 4,
  /** Space that takes no bytes in the file (`.bss`). */
  NOBITS: 8,
  /** Relocations without addends. */
  REL: 9,
  /** The dynamic linking symbol table. */
  DYNSYM: 11,
  /** Extended section indexes of the symbols of the SYMTAB named by `sh_link`. */
  SYMTAB_SHNDX: 18,
} as const;

/** Section flag bits (`sh_flags`). */
export const SHF = {
  /** Writable at run time. */
  WRITE: 0x1,
  /** Occupies memory at run time. */
  ALLOC: 0x2,
  /** Holds executable instructions. */
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
  /** No type given. */
  NOTYPE: 0,
  /** A data object (a variable, an array). */
  OBJECT: 1,
  /** A function. */
  FUNC: 2,
  /** A section itself. */
  SECTION: 3,
  /** The source file of the object. */
  FILE: 4,
} as const;

/** Symbol bindings (`ELF_ST_BIND(st_info)`). */
export const STB = {
  /** Visible only in its object. */
  LOCAL: 0,
  /** Visible to every object linked with it. */
  GLOBAL: 1,
  /** Global, but a global definition elsewhere wins. */
  WEAK: 2,
} as const;

/** Symbol visibilities (`ELF_ST_VISIBILITY(st_other)`). */
export const STV = {
  /** Visibility as the binding says. */
  DEFAULT: 0,
  /** Hidden, with processor-specific extra restrictions. */
  INTERNAL: 1,
  /** Not visible outside the component that defines it. */
  HIDDEN: 2,
  /** Visible outside, but references within resolve to this definition. */
  PROTECTED: 3,
} as const;
