import {
  ByteReader,
  bytesSource,
  FormatError,
  NotFoundError,
  type RandomAccessSource,
} from '@btfkit/wire';
import { DEFAULT_MAX_SECTION_SIZE, type Decompressors, decompressSection } from './decompress.js';
import { ELFCLASS, ELFDATA, SHF, SHN, SHT, STB, STT } from './elf-constants.js';

/** One entry of the section header table, with its name resolved. */
export interface ElfSection {
  /** Index in the section header table. */
  readonly index: number;
  /** Name from the section header string table; empty when the file has none. */
  readonly name: string;
  /** `sh_type`, an {@link SHT} value or another number. */
  readonly type: number;
  /** `sh_flags`. */
  readonly flags: bigint;
  /** `sh_addr`. */
  readonly addr: bigint;
  /** `sh_offset`: where the section's bytes start in the file. */
  readonly offset: number;
  /** `sh_size`: bytes in the file (for `SHF_COMPRESSED`, the compressed size with header). */
  readonly size: number;
  /** `sh_link`. */
  readonly link: number;
  /** `sh_info`. */
  readonly info: number;
  /** `sh_addralign`. */
  readonly addralign: bigint;
  /** `sh_entsize`. */
  readonly entsize: number;
  /** Where this section's header is in the file, for error messages. */
  readonly headerOffset: number;
}

/** One entry of a symbol table, with its name and section index resolved. */
export interface ElfSymbol {
  /** Index in its symbol table. */
  readonly index: number;
  /** The symbol's name; empty for an unnamed symbol. */
  readonly name: string;
  /** `ELF_ST_TYPE(st_info)`, an {@link STT} value. */
  readonly type: number;
  /** `ELF_ST_BIND(st_info)`, an {@link STB} value. */
  readonly bind: number;
  /** `ELF_ST_VISIBILITY(st_other)`, an {@link STV} value. */
  readonly visibility: number;
  /**
   * The section the symbol is defined in: a real index (from `SHT_SYMTAB_SHNDX` when
   * `st_shndx` is `SHN_XINDEX`), or a reserved value such as `SHN_UNDEF` or `SHN_ABS`.
   */
  readonly sectionIndex: number;
  /** `st_value`: for relocatable objects, the offset in its section. */
  readonly value: bigint;
  /** `st_size`. */
  readonly size: bigint;
}

/** Options for {@link ElfFile.open}. */
export interface ElfOpenOptions {
  /**
   * The largest section, after decompression, that {@link ElfFile.sectionData} returns.
   * Defaults to {@link DEFAULT_MAX_SECTION_SIZE}.
   */
  readonly maxSectionSize?: number;
  /**
   * The decoders of compressed sections, each replacing a built-in one: btfkit's own zlib
   * inflate and fzstd. Pass Node's, for example, to use native code:
   * `{ zlib: (payload, size) => inflateSync(payload, { maxOutputLength: size }) }`.
   */
  readonly decompressors?: Decompressors;
}

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];
const EI_NIDENT = 16;

/**
 * A read-only view of an ELF file through a {@link RandomAccessSource}: the ELF header and
 * the section header table are read and checked when the file is opened; section contents,
 * names and symbols are read on request. Both classes (ELF32, ELF64) and both byte orders,
 * extended section numbering (`e_shnum` 0, `e_shstrndx` `SHN_XINDEX`), and `SHF_COMPRESSED`
 * sections (zlib, zstd) are supported.
 *
 * Every offset and size is checked against the source before it is used: malformed input
 * gives a {@link FormatError} whose message starts with `elf: offset N:`.
 * @see https://refspecs.linuxfoundation.org/elf/gabi4+/ch4.sheader.html
 */
export class ElfFile {
  /** Where the bytes come from. */
  readonly source: RandomAccessSource;
  /** Whether the file is ELF64 (otherwise ELF32). */
  readonly is64: boolean;
  /** Whether the file is little-endian (`ELFDATA2LSB`). */
  readonly littleEndian: boolean;
  /** `e_type` (1 relocatable, 2 executable, 3 shared object). */
  readonly fileType: number;
  /** `e_machine` (247 for BPF). */
  readonly machine: number;
  /** Every section header, index 0 (the null section) included. */
  readonly sections: readonly ElfSection[];
  /** Index of the section header string table, or 0 when there is none. */
  readonly shstrndx: number;
  private readonly maxSectionSize: number;
  private readonly decompressors: Decompressors;
  private readonly symbolCache = new Map<number, readonly ElfSymbol[]>();

  private constructor(
    source: RandomAccessSource,
    is64: boolean,
    littleEndian: boolean,
    fileType: number,
    machine: number,
    sections: ElfSection[],
    shstrndx: number,
    maxSectionSize: number,
    decompressors: Decompressors,
  ) {
    this.source = source;
    this.is64 = is64;
    this.littleEndian = littleEndian;
    this.fileType = fileType;
    this.machine = machine;
    this.sections = sections;
    this.shstrndx = shstrndx;
    this.maxSectionSize = maxSectionSize;
    this.decompressors = decompressors;
  }

  /**
   * Whether `bytes` start with the ELF magic; a cheap test before {@link ElfFile.open}.
   */
  static hasMagic(bytes: Uint8Array): boolean {
    return ELF_MAGIC.every((b, i) => bytes[i] === b);
  }

  /**
   * Opens an ELF file: reads and checks the ELF header, the section header table and the
   * section names. Nothing else is read.
   * @param source - the file's bytes, or a random-access source over them
   * @throws FormatError for anything that is not a well-formed ELF file, naming the offset
   */
  static open(source: RandomAccessSource | Uint8Array, options: ElfOpenOptions = {}): ElfFile {
    const src = source instanceof Uint8Array ? bytesSource(source) : source;
    const maxSectionSize = options.maxSectionSize ?? DEFAULT_MAX_SECTION_SIZE;
    const decompressors = options.decompressors ?? {};
    const fileSize = src.size;
    if (fileSize < EI_NIDENT) {
      fail(0, `${fileSize} bytes is too short for an ELF header`);
    }
    const ident = src.read(0, EI_NIDENT);
    if (!ElfFile.hasMagic(ident)) fail(0, 'bad magic, not an ELF file');
    const cls = ident[4];
    if (cls !== ELFCLASS.ELF32 && cls !== ELFCLASS.ELF64) fail(4, `unknown class ${cls}`);
    const data = ident[5];
    if (data !== ELFDATA.LSB && data !== ELFDATA.MSB) fail(5, `unknown byte order ${data}`);
    if (ident[6] !== 1) fail(6, `unknown version ${ident[6]}`);
    const is64 = cls === ELFCLASS.ELF64;
    const le = data === ELFDATA.LSB;
    const ehsize = is64 ? 64 : 52;
    if (fileSize < ehsize)
      fail(0, `${fileSize} bytes is too short for a ${ehsize}-byte ELF header`);
    const h = new ByteReader(src.read(0, ehsize), le, 0, 'elf');
    h.pos = 16;
    const fileType = h.u16('e_type');
    const machine = h.u16('e_machine');
    h.pos = is64 ? 40 : 32;
    const shoff = is64 ? toNumber(h.u64('e_shoff'), h.pos - 8, 'e_shoff') : h.u32('e_shoff');
    h.pos = is64 ? 58 : 46;
    const shentsize = h.u16('e_shentsize');
    let shnum = h.u16('e_shnum');
    let shstrndx = h.u16('e_shstrndx');
    const shnumAt = is64 ? 60 : 48;
    const shstrndxAt = shnumAt + 2;

    const entSize = is64 ? 64 : 40;
    if (shoff === 0) {
      // No section header table. Legal, but then there is nothing for us to find.
      if (shnum !== 0) fail(shnumAt, `e_shnum is ${shnum} but e_shoff is 0`);
      return new ElfFile(src, is64, le, fileType, machine, [], 0, maxSectionSize, decompressors);
    }
    if (shentsize !== entSize) {
      fail(shnumAt - 2, `e_shentsize is ${shentsize}, expected ${entSize}`);
    }
    if (shoff < ehsize || shoff + entSize > fileSize) {
      fail(is64 ? 40 : 32, `section header table at ${shoff} is outside the ${fileSize}-byte file`);
    }
    if (shnum >= SHN.LORESERVE) {
      fail(shnumAt, `e_shnum ${shnum} is in the reserved range (extended numbering uses 0)`);
    }
    const first = readSectionHeader(
      new ByteReader(src.read(shoff, entSize), le, shoff, 'elf'),
      is64,
    );
    if (shnum === 0) {
      // Extended numbering: the real count is in section 0's sh_size.
      shnum = first.size;
      if (shnum === 0) fail(shoff + (is64 ? 32 : 20), 'e_shnum is 0 and section 0 has no count');
    }
    if (shstrndx === SHN.XINDEX) shstrndx = first.link;
    else if (shstrndx >= SHN.LORESERVE) {
      fail(shstrndxAt, `e_shstrndx ${shstrndx} is in the reserved range`);
    }
    if (shnum > (fileSize - shoff) / entSize) {
      fail(
        shoff,
        `section header table of ${shnum} entries runs past the end of the ${fileSize}-byte file`,
      );
    }
    if (shstrndx >= shnum) {
      fail(shstrndxAt, `e_shstrndx ${shstrndx} is out of range (${shnum} sections)`);
    }
    const tableSize = shnum * entSize;
    const table = new ByteReader(src.read(shoff, tableSize), le, shoff, 'elf');
    const raw: RawHeader[] = new Array(shnum);
    for (let i = 0; i < shnum; i++) {
      table.pos = i * entSize;
      const sh = readSectionHeader(table, is64);
      if (sh.type !== SHT.NOBITS && sh.type !== SHT.NULL && sh.offset + sh.size > fileSize) {
        fail(
          sh.headerOffset,
          `section ${i} [${sh.offset}, ${sh.offset + sh.size}) runs past the end of the ${fileSize}-byte file`,
        );
      }
      raw[i] = sh;
    }
    checkOverlaps(raw, ehsize, shoff, tableSize);

    let names: Uint8Array | undefined;
    let namesAt = 0;
    if (shstrndx !== SHN.UNDEF) {
      const strtab = raw[shstrndx]!;
      if (strtab.type !== SHT.STRTAB) {
        fail(
          strtab.headerOffset,
          `section header string table (section ${shstrndx}) has type ${strtab.type}, not SHT_STRTAB`,
        );
      }
      if ((strtab.flags & BigInt(SHF.COMPRESSED)) !== 0n) {
        fail(strtab.headerOffset, 'section header string table is compressed');
      }
      names = src.read(strtab.offset, strtab.size);
      namesAt = strtab.offset;
    }
    const sections: ElfSection[] = raw.map((sh, index) => ({
      ...sh,
      index,
      name: names ? readString(names, sh.nameOffset, namesAt, sh.headerOffset, 'section name') : '',
    }));
    return new ElfFile(
      src,
      is64,
      le,
      fileType,
      machine,
      sections,
      shstrndx,
      maxSectionSize,
      decompressors,
    );
  }

  /** The first section called `name`, or undefined. */
  section(name: string): ElfSection | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /** Whether the section is `SHF_COMPRESSED`. */
  isCompressed(section: ElfSection): boolean {
    return (section.flags & BigInt(SHF.COMPRESSED)) !== 0n;
  }

  /**
   * The size of the section's contents: `sh_size`, or for a compressed section the
   * decompressed size from its compression header.
   * @throws FormatError when the compression header is malformed
   */
  contentSize(section: ElfSection): number {
    if (section.type === SHT.NOBITS || !this.isCompressed(section)) return section.size;
    return this.compressionHeader(section).size;
  }

  /**
   * The contents of a section, decompressed when it is `SHF_COMPRESSED`. Uncompressed
   * contents come straight from the source (a view for a bytes source).
   * @throws FormatError for `SHT_NOBITS` (no bytes in the file), a malformed compression
   *   header or corrupt compressed data, or contents over the size limit
   * @throws NotSupportedError for an unknown compression type
   */
  sectionData(section: ElfSection): Uint8Array {
    if (section.type === SHT.NOBITS) {
      fail(
        section.headerOffset,
        `section ${section.index} (${section.name}) is SHT_NOBITS and has no data in the file`,
      );
    }
    if (!this.isCompressed(section)) {
      if (section.size > this.maxSectionSize) {
        fail(
          section.headerOffset,
          `section ${section.index} (${section.name}) of ${section.size} bytes is over the limit of ${this.maxSectionSize}`,
        );
      }
      return this.source.read(section.offset, section.size);
    }
    const chdr = this.compressionHeader(section);
    const payloadAt = section.offset + chdr.headerSize;
    const payload = this.source.read(payloadAt, section.size - chdr.headerSize);
    return decompressSection(chdr.type, payload, chdr.size, payloadAt, this.decompressors);
  }

  private compressionHeader(section: ElfSection): {
    type: number;
    size: number;
    headerSize: number;
  } {
    const headerSize = this.is64 ? 24 : 12;
    if (section.size < headerSize) {
      fail(
        section.offset,
        `compressed section ${section.index} (${section.name}) of ${section.size} bytes has no room for its ${headerSize}-byte header`,
      );
    }
    const r = new ByteReader(
      this.source.read(section.offset, headerSize),
      this.littleEndian,
      section.offset,
      'elf',
    );
    const type = r.u32('ch_type');
    let size: number;
    if (this.is64) {
      r.u32('ch_reserved');
      size = toNumber(r.u64('ch_size'), section.offset + 8, 'ch_size');
    } else {
      size = r.u32('ch_size');
    }
    if (size > this.maxSectionSize) {
      fail(
        section.offset + (this.is64 ? 8 : 4),
        `compressed section ${section.index} (${section.name}) claims ${size} bytes, over the limit of ${this.maxSectionSize}`,
      );
    }
    return { type, size, headerSize };
  }

  /**
   * The symbols of a symbol table section (`SHT_SYMTAB` or `SHT_DYNSYM`), index 0
   * included, with names from the string table its `sh_link` names and section indexes
   * resolved through `SHT_SYMTAB_SHNDX` where needed. Cached per section.
   * @throws FormatError when the table or a symbol is malformed: entry size, string table,
   *   name offset, or a section index past the section table
   */
  symbols(table: ElfSection): readonly ElfSymbol[] {
    const cached = this.symbolCache.get(table.index);
    if (cached) return cached;
    const symbols = this.readSymbols(table);
    this.symbolCache.set(table.index, symbols);
    return symbols;
  }

  /**
   * The symbols of the file's `SHT_SYMTAB` section; see {@link symbols}.
   * @throws NotFoundError when the file has no symbol table
   * @throws FormatError as {@link symbols} does
   */
  symbolTable(): readonly ElfSymbol[] {
    const table = this.sections.find((s) => s.type === SHT.SYMTAB);
    if (!table) throw new NotFoundError('elf: no symbol table');
    return this.symbols(table);
  }

  private readSymbols(table: ElfSection): ElfSymbol[] {
    if (table.type !== SHT.SYMTAB && table.type !== SHT.DYNSYM) {
      fail(table.headerOffset, `section ${table.index} (${table.name}) is not a symbol table`);
    }
    const entSize = this.is64 ? 24 : 16;
    if (table.entsize !== entSize) {
      fail(
        table.headerOffset,
        `symbol table ${table.name} has sh_entsize ${table.entsize}, expected ${entSize}`,
      );
    }
    if (table.size % entSize !== 0) {
      fail(
        table.headerOffset,
        `symbol table ${table.name} size ${table.size} is not a multiple of ${entSize}`,
      );
    }
    const strtab = this.sections[table.link];
    if (!strtab || strtab.type !== SHT.STRTAB) {
      fail(
        table.headerOffset,
        `symbol table ${table.name} sh_link ${table.link} is not a string table`,
      );
    }
    const names = this.sectionData(strtab);
    const count = table.size / entSize;
    let shndxTable: ByteReader | undefined;
    const shndxSection = this.sections.find(
      (s) => s.type === SHT.SYMTAB_SHNDX && s.link === table.index,
    );
    if (shndxSection) {
      if (shndxSection.size < count * 4) {
        fail(
          shndxSection.headerOffset,
          `SHT_SYMTAB_SHNDX section ${shndxSection.index} has ${shndxSection.size / 4} entries for ${count} symbols`,
        );
      }
      shndxTable = new ByteReader(
        this.sectionData(shndxSection),
        this.littleEndian,
        shndxSection.offset,
        'elf',
      );
    }
    const r = new ByteReader(this.sectionData(table), this.littleEndian, table.offset, 'elf');
    const out: ElfSymbol[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const at = i * entSize;
      r.pos = at;
      let nameOff: number;
      let info: number;
      let other: number;
      let shndx: number;
      let value: bigint;
      let size: bigint;
      if (this.is64) {
        nameOff = r.u32('st_name');
        info = r.u8('st_info');
        other = r.u8('st_other');
        shndx = r.u16('st_shndx');
        value = r.u64('st_value');
        size = r.u64('st_size');
      } else {
        nameOff = r.u32('st_name');
        value = BigInt(r.u32('st_value'));
        size = BigInt(r.u32('st_size'));
        info = r.u8('st_info');
        other = r.u8('st_other');
        shndx = r.u16('st_shndx');
      }
      const symAt = table.offset + at;
      if (shndx === SHN.XINDEX) {
        if (!shndxTable)
          fail(
            symAt,
            `symbol ${i} has st_shndx SHN_XINDEX but there is no SHT_SYMTAB_SHNDX section`,
          );
        shndxTable.pos = i * 4;
        shndx = shndxTable.u32('extended section index');
        if (shndx >= this.sections.length) {
          fail(
            shndxTable.base + i * 4,
            `symbol ${i} extended section index ${shndx} is out of range (${this.sections.length} sections)`,
          );
        }
      } else if (shndx < SHN.LORESERVE && shndx >= this.sections.length) {
        fail(
          symAt,
          `symbol ${i} section index ${shndx} is out of range (${this.sections.length} sections)`,
        );
      }
      out[i] = {
        index: i,
        name: readString(names, nameOff, strtab.offset, symAt, 'symbol name'),
        type: info & 0xf,
        bind: info >> 4,
        visibility: other & 0x3,
        sectionIndex: shndx,
        value,
        size,
      };
    }
    return out;
  }
}

/** Whether a symbol is defined in a real section (not undefined, absolute or common). */
export function isInSection(sym: ElfSymbol): boolean {
  return (
    sym.sectionIndex !== SHN.UNDEF &&
    (sym.sectionIndex < SHN.LORESERVE || sym.sectionIndex > SHN.HIRESERVE)
  );
}

/** Whether a symbol is a global or weak object (a variable libbpf can match to BTF). */
export function isGlobalObject(sym: ElfSymbol): boolean {
  return sym.type === STT.OBJECT && (sym.bind === STB.GLOBAL || sym.bind === STB.WEAK);
}

/** A section header as read: its name still an offset, its index not yet known. */
interface RawHeader extends Omit<ElfSection, 'index' | 'name'> {
  /** `sh_name`: the name's offset in the section header string table. */
  readonly nameOffset: number;
}

function readSectionHeader(r: ByteReader, is64: boolean): RawHeader {
  // Elf32_Shdr and Elf64_Shdr have the same fields in the same order; the address-sized
  // ones (flags, addr, offset, size, addralign, entsize) are 4 or 8 bytes by class.
  const headerOffset = r.base + r.pos;
  return {
    nameOffset: r.u32('sh_name'),
    type: r.u32('sh_type'),
    flags: readXword(r, is64, 'sh_flags'),
    addr: readXword(r, is64, 'sh_addr'),
    offset: readXwordNumber(r, is64, 'sh_offset'),
    size: readXwordNumber(r, is64, 'sh_size'),
    link: r.u32('sh_link'),
    info: r.u32('sh_info'),
    addralign: readXword(r, is64, 'sh_addralign'),
    entsize: readXwordNumber(r, is64, 'sh_entsize'),
    headerOffset,
  };
}

/** An address-sized field: 8 bytes in a 64-bit ELF file, 4 in a 32-bit one. */
function readXword(r: ByteReader, is64: boolean, what: string): bigint {
  return is64 ? r.u64(what) : BigInt(r.u32(what));
}

/** {@link readXword} as a number; FormatError naming the field's offset past 2^53. */
function readXwordNumber(r: ByteReader, is64: boolean, what: string): number {
  const at = r.base + r.pos;
  return is64 ? toNumber(r.u64(what), at, what) : r.u32(what);
}

/**
 * Sections with bytes in the file must not overlap each other, the ELF header or the
 * section header table: a reader that trusted such a file could be led to decode the same
 * bytes as two different things.
 */
function checkOverlaps(
  raw: readonly RawHeader[],
  ehsize: number,
  shoff: number,
  tableSize: number,
): void {
  const ranges: { start: number; end: number; what: string; at: number }[] = [
    { start: 0, end: ehsize, what: 'the ELF header', at: 0 },
    { start: shoff, end: shoff + tableSize, what: 'the section header table', at: shoff },
  ];
  raw.forEach((sh, i) => {
    if (sh.type === SHT.NOBITS || sh.type === SHT.NULL || sh.size === 0) return;
    ranges.push({
      start: sh.offset,
      end: sh.offset + sh.size,
      what: `section ${i}`,
      at: sh.headerOffset,
    });
  });
  ranges.sort((a, b) => a.start - b.start || a.end - b.end);
  for (let i = 1; i < ranges.length; i++) {
    const prev = ranges[i - 1]!;
    const cur = ranges[i]!;
    if (cur.start < prev.end) {
      const at = cur.at > 0 ? cur.at : prev.at;
      fail(
        at,
        `${cur.what} [${cur.start}, ${cur.end}) overlaps ${prev.what} [${prev.start}, ${prev.end})`,
      );
    }
  }
}

function readString(
  table: Uint8Array,
  off: number,
  tableAt: number,
  refAt: number,
  what: string,
): string {
  if (off >= table.byteLength) {
    if (off === 0) return '';
    fail(
      refAt,
      `${what} offset ${off} is out of range (string table of ${table.byteLength} bytes at ${tableAt})`,
    );
  }
  const end = table.indexOf(0, off);
  if (end < 0) fail(tableAt + off, `${what} at string table offset ${off} is not NUL-terminated`);
  return utf8.decode(table.subarray(off, end));
}

const utf8 = new TextDecoder('utf-8');

function toNumber(v: bigint, at: number, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(at, `${what} 0x${v.toString(16)} is too large`);
  return Number(v);
}

function fail(offset: number, message: string): never {
  throw new FormatError(`elf: offset ${offset}: ${message}`, { offset });
}
