import { deflateSync } from 'node:zlib';
import { ELFCOMPRESS, type ElfFile, SHF, SHN, SHT } from '@btfkit/elf';

/** One section for {@link writeElf}; index 0 (the null section) is added by the writer. */
export interface WriterSection {
  readonly name: string;
  readonly type: number;
  readonly flags?: bigint;
  readonly addr?: bigint;
  /** The contents; for SHT_NOBITS only `size` counts. */
  readonly data: Uint8Array;
  /** sh_size when it is not `data.byteLength` (SHT_NOBITS). */
  readonly size?: number;
  readonly link?: number;
  readonly info?: number;
  readonly addralign?: bigint;
  readonly entsize?: number;
  /** sh_name to use when the caller supplies the name table (see `shstrndx`). */
  readonly nameOffset?: number;
}

/** Options for {@link writeElf}. */
export interface WriteElfOptions {
  readonly is64: boolean;
  readonly littleEndian: boolean;
  readonly machine?: number;
  readonly fileType?: number;
  /**
   * Index of the section holding section names, when the caller supplies it with each
   * section's `nameOffset`. Without it a `.shstrtab` is generated and appended.
   */
  readonly shstrndx?: number;
  /** Use e_shnum 0 and e_shstrndx SHN_XINDEX even when the counts would fit. */
  readonly extendedNumbering?: boolean;
}

/** The file layout {@link writeElf} chose, for tests that corrupt it afterwards. */
export interface ElfLayout {
  readonly shoff: number;
  readonly shentsize: number;
  /** File offset of each section's contents, by index (0 for the null section). */
  readonly offsets: readonly number[];
}

/**
 * Writes a relocatable ELF file: the header, each section's contents aligned to 8, then the
 * section header table. Used by tests to make ELF32, compressed and malformed files.
 */
export function writeElf(
  sections: readonly WriterSection[],
  options: WriteElfOptions,
): { bytes: Uint8Array; layout: ElfLayout } {
  const { is64, littleEndian: le } = options;
  const all: WriterSection[] = [...sections];
  let shstrndx = options.shstrndx;
  const nameOffsets: number[] = [];
  if (shstrndx === undefined) {
    const parts: number[] = [0];
    const enc = new TextEncoder();
    for (const s of all) {
      nameOffsets.push(parts.length);
      parts.push(...enc.encode(s.name), 0);
    }
    nameOffsets.push(parts.length);
    parts.push(...enc.encode('.shstrtab'), 0);
    all.push({ name: '.shstrtab', type: SHT.STRTAB, data: Uint8Array.from(parts) });
    shstrndx = all.length; // +1 for the null section, -1 for the index
  } else {
    for (const s of all) nameOffsets.push(s.nameOffset ?? 0);
  }
  const count = all.length + 1;
  const extended = options.extendedNumbering || count >= SHN.LORESERVE;
  const ehsize = is64 ? 64 : 52;
  const shentsize = is64 ? 64 : 40;
  let pos = ehsize;
  const offsets = [0];
  for (const s of all) {
    pos = align(pos, 8);
    offsets.push(pos);
    if (s.type !== SHT.NOBITS) pos += s.data.byteLength;
  }
  const shoff = align(pos, 8);
  const total = shoff + count * shentsize;
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, le ? 1 : 2, 1], 0);
  v.setUint16(16, options.fileType ?? 1, le);
  v.setUint16(18, options.machine ?? 247, le);
  v.setUint32(20, 1, le);
  const shnumField = extended ? 0 : count;
  const shstrndxField = extended || shstrndx >= SHN.LORESERVE ? SHN.XINDEX : shstrndx;
  if (is64) {
    v.setBigUint64(40, BigInt(shoff), le);
    v.setUint16(52, ehsize, le);
    v.setUint16(58, shentsize, le);
    v.setUint16(60, shnumField, le);
    v.setUint16(62, shstrndxField, le);
  } else {
    v.setUint32(32, shoff, le);
    v.setUint16(40, ehsize, le);
    v.setUint16(46, shentsize, le);
    v.setUint16(48, shnumField, le);
    v.setUint16(50, shstrndxField, le);
  }
  const header = (
    i: number,
    h: Required<Omit<WriterSection, 'data' | 'name' | 'nameOffset'>> & {
      nameOffset: number;
      offset: number;
    },
  ) => {
    const at = shoff + i * shentsize;
    v.setUint32(at, h.nameOffset, le);
    v.setUint32(at + 4, h.type, le);
    if (is64) {
      v.setBigUint64(at + 8, h.flags, le);
      v.setBigUint64(at + 16, h.addr, le);
      v.setBigUint64(at + 24, BigInt(h.offset), le);
      v.setBigUint64(at + 32, BigInt(h.size), le);
      v.setUint32(at + 40, h.link, le);
      v.setUint32(at + 44, h.info, le);
      v.setBigUint64(at + 48, h.addralign, le);
      v.setBigUint64(at + 56, BigInt(h.entsize), le);
    } else {
      v.setUint32(at + 8, Number(h.flags), le);
      v.setUint32(at + 12, Number(h.addr), le);
      v.setUint32(at + 16, h.offset, le);
      v.setUint32(at + 20, h.size, le);
      v.setUint32(at + 24, h.link, le);
      v.setUint32(at + 28, h.info, le);
      v.setUint32(at + 32, Number(h.addralign), le);
      v.setUint32(at + 36, h.entsize, le);
    }
  };
  header(0, {
    nameOffset: 0,
    type: SHT.NULL,
    flags: 0n,
    addr: 0n,
    offset: 0,
    size: extended ? count : 0,
    link: extended ? shstrndx : 0,
    info: 0,
    addralign: 0n,
    entsize: 0,
  });
  all.forEach((s, i) => {
    const idx = i + 1;
    if (s.type !== SHT.NOBITS) out.set(s.data, offsets[idx]!);
    header(idx, {
      nameOffset: nameOffsets[i]!,
      type: s.type,
      flags: s.flags ?? 0n,
      addr: s.addr ?? 0n,
      offset: offsets[idx]!,
      size: s.size ?? s.data.byteLength,
      link: s.link ?? 0,
      info: s.info ?? 0,
      addralign: s.addralign ?? 1n,
      entsize: s.entsize ?? 0,
    });
  });
  return { bytes: out, layout: { shoff, shentsize, offsets } };
}

function align(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/** Prefixes a compressed payload with an `Elf32_Chdr`/`Elf64_Chdr`. */
export function withChdr(
  type: number,
  size: number,
  payload: Uint8Array,
  is64: boolean,
  le: boolean,
  addralign = 8,
): Uint8Array {
  const hdr = is64 ? 24 : 12;
  const out = new Uint8Array(hdr + payload.byteLength);
  const v = new DataView(out.buffer);
  v.setUint32(0, type, le);
  if (is64) {
    v.setBigUint64(8, BigInt(size), le);
    v.setBigUint64(16, BigInt(addralign), le);
  } else {
    v.setUint32(4, size, le);
    v.setUint32(8, addralign, le);
  }
  out.set(payload, hdr);
  return out;
}

/** How {@link cloneElf} compresses a section: zlib here, or a payload compressed elsewhere. */
export type Compression =
  | { readonly type: 'zlib' }
  | { readonly type: 'zstd'; readonly payload: Uint8Array };

/** Options for {@link cloneElf}. */
export interface CloneOptions {
  /** Write ELF32 instead of the source's class (symbol tables are re-encoded). */
  readonly is64?: boolean;
  /** Sections to store `SHF_COMPRESSED`, by name. */
  readonly compress?: Readonly<Record<string, Compression>>;
  readonly extendedNumbering?: boolean;
}

/**
 * Rewrites an ELF file section by section, keeping indexes, names (the name table is copied
 * as is), links and symbols: to another class, or with some sections compressed.
 */
export function cloneElf(elf: ElfFile, options: CloneOptions = {}): Uint8Array {
  const is64 = options.is64 ?? elf.is64;
  const le = elf.littleEndian;
  const sections: WriterSection[] = elf.sections.slice(1).map((s) => {
    let data = s.type === SHT.NOBITS ? new Uint8Array(0) : elf.sectionData(s);
    let flags = s.flags;
    let entsize = s.entsize;
    let size: number | undefined = s.type === SHT.NOBITS ? s.size : undefined;
    if (s.type === SHT.SYMTAB && is64 !== elf.is64) {
      data = encodeSymbols(elf, s.index, is64, le);
      entsize = is64 ? 24 : 16;
    }
    const c = options.compress?.[s.name];
    if (c) {
      const payload = c.type === 'zlib' ? new Uint8Array(deflateSync(data)) : c.payload;
      data = withChdr(
        c.type === 'zlib' ? ELFCOMPRESS.ZLIB : ELFCOMPRESS.ZSTD,
        data.byteLength,
        payload,
        is64,
        le,
      );
      flags |= BigInt(SHF.COMPRESSED);
      size = undefined;
    }
    return {
      name: s.name,
      nameOffset: nameOffsetOf(elf, s.index),
      type: s.type,
      flags,
      addr: s.addr,
      data,
      ...(size === undefined ? {} : { size }),
      link: s.link,
      info: s.info,
      addralign: s.addralign,
      entsize,
    };
  });
  return writeElf(sections, {
    is64,
    littleEndian: le,
    machine: elf.machine,
    fileType: elf.fileType,
    shstrndx: elf.shstrndx,
    ...(options.extendedNumbering ? { extendedNumbering: true } : {}),
  }).bytes;
}

/** sh_name of a section, read back from the file's section header. */
function nameOffsetOf(elf: ElfFile, index: number): number {
  const s = elf.sections[index]!;
  const hdr = elf.source.read(s.headerOffset, 4);
  return new DataView(hdr.buffer, hdr.byteOffset, 4).getUint32(0, elf.littleEndian);
}

/** Re-encodes a symbol table in the other class, names kept by offset. */
function encodeSymbols(elf: ElfFile, index: number, is64: boolean, le: boolean): Uint8Array {
  const table = elf.sections[index]!;
  const raw = elf.sectionData(table);
  const rv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const syms = elf.symbols(table);
  const ent = is64 ? 24 : 16;
  const out = new Uint8Array(syms.length * ent);
  const v = new DataView(out.buffer);
  const srcEnt = elf.is64 ? 24 : 16;
  syms.forEach((sym, i) => {
    const nameOff = rv.getUint32(i * srcEnt, le);
    const info = (sym.bind << 4) | sym.type;
    const shndx = sym.sectionIndex;
    const at = i * ent;
    v.setUint32(at, nameOff, le);
    if (is64) {
      out[at + 4] = info;
      out[at + 5] = sym.visibility;
      v.setUint16(at + 6, shndx, le);
      v.setBigUint64(at + 8, sym.value, le);
      v.setBigUint64(at + 16, sym.size, le);
    } else {
      v.setUint32(at + 4, Number(sym.value), le);
      v.setUint32(at + 8, Number(sym.size), le);
      out[at + 12] = info;
      out[at + 13] = sym.visibility;
      v.setUint16(at + 14, shndx, le);
    }
  });
  return out;
}
