import { join } from 'node:path';
import {
  ElfFile,
  loadRawBtfFromElf,
  loadSpecAndExtInfosFromBytes,
  SHN,
  SHT,
  STB,
  STT,
} from '@btfkit/elf';
import { BtfError, FormatError, NotFoundError } from '@btfkit/wire';
import { describe, expect, it } from 'vitest';
import { measure } from '../../../tooling/test-fixtures.ts';
import { writeElf } from './elf-writer.js';
import { objectFixtures, readBytes, testdata } from './helpers.js';

const fixture = objectFixtures().find((f) => f.id === 'basic-el')!;
const good = () => readBytes(fixture.path).slice();

/** Offsets of the ELF64 little-endian header fields the tests corrupt. */
const E_SHOFF = 40;
const E_SHNUM = 60;
const E_SHSTRNDX = 62;

function expectFormatError(fn: () => unknown, message: RegExp): FormatError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(FormatError);
  const err = caught as FormatError;
  expect(err.message).toMatch(/^elf: offset \d+: /);
  expect(err.message).toMatch(message);
  expect(err.offset).toBe(Number(/offset (\d+)/.exec(err.message)![1]));
  return err;
}

describe('malformed ELF files give typed errors', () => {
  it('empty and truncated headers', () => {
    expectFormatError(() => ElfFile.open(new Uint8Array(0)), /too short for an ELF header/);
    expectFormatError(
      () => ElfFile.open(good().subarray(0, 40)),
      /too short for a 64-byte ELF header/,
    );
  });

  it('bad magic, class, byte order and version', () => {
    const b = good();
    b[1] = 0;
    expectFormatError(() => ElfFile.open(b), /bad magic/);
    for (const [at, what] of [
      [4, /unknown class 9/],
      [5, /unknown byte order 9/],
      [6, /unknown version 9/],
    ] as const) {
      const c = good();
      c[at] = 9;
      const err = expectFormatError(() => ElfFile.open(c), what);
      expect(err.offset).toBe(at);
    }
  });

  it('a file truncated anywhere before its end', () => {
    const b = good();
    // Sections and the section table are at the end, so every cut loses something.
    for (const cut of [64, 100, b.byteLength / 2, b.byteLength - 1]) {
      expect(() => ElfFile.open(b.subarray(0, Math.floor(cut)))).toThrow(FormatError);
    }
  });

  it('section table past the end', () => {
    const b = good();
    new DataView(b.buffer).setBigUint64(E_SHOFF, BigInt(b.byteLength - 10), true);
    expectFormatError(() => ElfFile.open(b), /section header table/);
    const c = good();
    new DataView(c.buffer).setBigUint64(E_SHOFF, 2n ** 60n, true);
    expectFormatError(() => ElfFile.open(c), /too large|outside/);
  });

  it('more sections than the table has room for', () => {
    const b = good();
    new DataView(b.buffer).setUint16(E_SHNUM, 0xfe00, true);
    expectFormatError(() => ElfFile.open(b), /runs past the end/);
  });

  it('0xffff sections (a reserved count)', () => {
    const b = good();
    new DataView(b.buffer).setUint16(E_SHNUM, 0xffff, true);
    const err = expectFormatError(() => ElfFile.open(b), /e_shnum 65535 is in the reserved range/);
    expect(err.offset).toBe(E_SHNUM);
  });

  it('e_shstrndx out of range or reserved', () => {
    const b = good();
    new DataView(b.buffer).setUint16(E_SHSTRNDX, 200, true);
    expectFormatError(() => ElfFile.open(b), /e_shstrndx 200 is out of range/);
    const c = good();
    new DataView(c.buffer).setUint16(E_SHSTRNDX, 0xff05, true);
    expectFormatError(() => ElfFile.open(c), /reserved range/);
  });

  it('a section whose data runs past the end', () => {
    const { bytes, layout } = writeElf(
      [{ name: '.BTF', type: SHT.PROGBITS, data: new Uint8Array(16) }],
      { is64: true, littleEndian: true },
    );
    new DataView(bytes.buffer).setBigUint64(layout.shoff + 64 + 32, 1n << 40n, true);
    expectFormatError(() => ElfFile.open(bytes), /section 1 .* runs past the end/);
  });

  it('section name offsets out of range', () => {
    const { bytes, layout } = writeElf(
      [{ name: '.BTF', type: SHT.PROGBITS, data: new Uint8Array(16) }],
      { is64: true, littleEndian: true },
    );
    new DataView(bytes.buffer).setUint32(layout.shoff + 64, 5000, true);
    const err = expectFormatError(
      () => ElfFile.open(bytes),
      /section name offset 5000 is out of range/,
    );
    expect(err.offset).toBe(layout.shoff + 64);
  });

  it('a section name without its NUL', () => {
    const { bytes, layout } = writeElf(
      [{ name: '.BTF', type: SHT.PROGBITS, data: new Uint8Array(16) }],
      { is64: true, littleEndian: true },
    );
    // Drop the NUL that ends .shstrtab by shortening the section by one byte.
    const shstrtab = layout.shoff + 2 * 64;
    const v = new DataView(bytes.buffer);
    v.setBigUint64(shstrtab + 32, v.getBigUint64(shstrtab + 32, true) - 1n, true);
    expectFormatError(() => ElfFile.open(bytes), /not NUL-terminated/);
  });

  it('overlapping sections', () => {
    const { bytes, layout } = writeElf(
      [
        { name: '.a', type: SHT.PROGBITS, data: new Uint8Array(32) },
        { name: '.b', type: SHT.PROGBITS, data: new Uint8Array(32) },
      ],
      { is64: true, littleEndian: true },
    );
    new DataView(bytes.buffer).setBigUint64(
      layout.shoff + 2 * 64 + 24,
      BigInt(layout.offsets[1]! + 8),
      true,
    );
    expectFormatError(() => ElfFile.open(bytes), /section 2 .* overlaps section 1/);
  });

  it('a section overlapping the ELF header or the section table', () => {
    const { bytes, layout } = writeElf(
      [{ name: '.a', type: SHT.PROGBITS, data: new Uint8Array(32) }],
      { is64: true, littleEndian: true },
    );
    const v = new DataView(bytes.buffer);
    v.setBigUint64(layout.shoff + 64 + 24, 0n, true);
    expectFormatError(
      () => ElfFile.open(bytes),
      /ELF header .*overlaps section 1|section 1 .*overlaps the ELF header/,
    );
    v.setBigUint64(layout.shoff + 64 + 24, BigInt(layout.shoff), true);
    v.setBigUint64(layout.shoff + 64 + 32, 8n, true);
    expectFormatError(() => ElfFile.open(bytes), /overlaps|section header table/);
  });

  it('a wrong e_shentsize', () => {
    const b = good();
    new DataView(b.buffer).setUint16(58, 40, true);
    expectFormatError(() => ElfFile.open(b), /e_shentsize is 40, expected 64/);
  });

  it('section header string table of the wrong type', () => {
    const b = good();
    const elf = ElfFile.open(b);
    const hdr = elf.sections[elf.shstrndx]!.headerOffset;
    new DataView(b.buffer).setUint32(hdr + 4, SHT.PROGBITS, true);
    expectFormatError(() => ElfFile.open(b), /not SHT_STRTAB/);
  });

  const symtabElf = (symbol: { shndx: number; name?: number }, entsize = 24) => {
    const strtab = new TextEncoder().encode('\0var\0');
    const sym = new Uint8Array(48);
    const v = new DataView(sym.buffer);
    v.setUint32(24, symbol.name ?? 1, true);
    sym[24 + 4] = (STB.GLOBAL << 4) | STT.OBJECT;
    v.setUint16(24 + 6, symbol.shndx, true);
    return writeElf(
      [
        { name: '.data', type: SHT.PROGBITS, data: new Uint8Array(8) },
        { name: '.strtab', type: SHT.STRTAB, data: strtab },
        { name: '.symtab', type: SHT.SYMTAB, data: sym, link: 2, info: 1, entsize },
      ],
      { is64: true, littleEndian: true },
    );
  };

  it('reads a well-formed symbol table', () => {
    const elf = ElfFile.open(symtabElf({ shndx: 1 }).bytes);
    const syms = elf.symbolTable();
    expect(syms.map((s) => [s.name, s.sectionIndex, s.type, s.bind])).toEqual([
      ['', 0, 0, 0],
      ['var', 1, STT.OBJECT, STB.GLOBAL],
    ]);
  });

  it('symbol section index out of range', () => {
    const { bytes, layout } = symtabElf({ shndx: 77 });
    const err = expectFormatError(
      () => ElfFile.open(bytes).symbolTable(),
      /symbol 1 section index 77 is out of range/,
    );
    expect(err.offset).toBe(layout.offsets[3]! + 24);
    // Reserved indexes are not section indexes and pass.
    expect(ElfFile.open(symtabElf({ shndx: SHN.ABS }).bytes).symbolTable()[1]!.sectionIndex).toBe(
      SHN.ABS,
    );
  });

  it('SHN_XINDEX without SHT_SYMTAB_SHNDX', () => {
    expectFormatError(
      () => ElfFile.open(symtabElf({ shndx: SHN.XINDEX }).bytes).symbolTable(),
      /no SHT_SYMTAB_SHNDX/,
    );
  });

  it('symbol name offset out of range', () => {
    expectFormatError(
      () => ElfFile.open(symtabElf({ shndx: 1, name: 999 }).bytes).symbolTable(),
      /symbol name offset 999/,
    );
  });

  it('symbol table with a wrong entry size', () => {
    expectFormatError(
      () => ElfFile.open(symtabElf({ shndx: 1 }, 16).bytes).symbolTable(),
      /sh_entsize 16, expected 24/,
    );
  });

  it('an ELF without .BTF gives NotFoundError', () => {
    const { bytes } = writeElf([{ name: '.text', type: SHT.PROGBITS, data: new Uint8Array(8) }], {
      is64: true,
      littleEndian: true,
    });
    expect(() => loadRawBtfFromElf(bytes)).toThrow(NotFoundError);
  });

  it('.BTF in the other byte order than the ELF', () => {
    const btf = readBytes(
      objectFixtures()
        .find((f) => f.id === 'basic-eb')!
        .stem.concat('.btf'),
    );
    const { bytes } = writeElf([{ name: '.BTF', type: SHT.PROGBITS, data: btf }], {
      is64: true,
      littleEndian: true,
    });
    expectFormatError(
      () => loadRawBtfFromElf(bytes),
      /\.BTF is big-endian but the ELF file is little-endian/,
    );
  });

  it('a DATASEC with no ELF section to size it', () => {
    // basic-el's .BTF without its data sections.
    const btf = readBytes(`${fixture.stem}.btf`);
    const { bytes } = writeElf([{ name: '.BTF', type: SHT.PROGBITS, data: btf }], {
      is64: true,
      littleEndian: true,
    });
    expect(() => loadRawBtfFromElf(bytes)).toThrow(/DATASEC \.bss: no ELF section gives its size/);
  });

  it('all errors are BtfErrors', () => {
    expect(new FormatError('x')).toBeInstanceOf(BtfError);
  });
});

describe('extended section numbering', () => {
  it('reads e_shnum 0 and e_shstrndx SHN_XINDEX from section 0', () => {
    const sections = [
      { name: '.one', type: SHT.PROGBITS, data: Uint8Array.of(1) },
      { name: '.two', type: SHT.PROGBITS, data: Uint8Array.of(2, 2) },
    ];
    for (const is64 of [true, false]) {
      for (const littleEndian of [true, false]) {
        const { bytes } = writeElf(sections, { is64, littleEndian, extendedNumbering: true });
        const elf = ElfFile.open(bytes);
        expect(elf.sections.map((s) => s.name)).toEqual(['', '.one', '.two', '.shstrtab']);
        expect(elf.sectionData(elf.section('.two')!)).toEqual(Uint8Array.of(2, 2));
      }
    }
  });

  it('reads a file with more than 0xff00 sections', () => {
    const n = 0xff10;
    const sections = Array.from({ length: n }, (_, i) => ({
      name: `s${i}`,
      type: SHT.NOBITS,
      data: new Uint8Array(0),
      size: i,
    }));
    const { bytes } = writeElf(sections, { is64: true, littleEndian: true });
    const elf = ElfFile.open(bytes);
    expect(elf.sections.length).toBe(n + 2);
    expect(elf.shstrndx).toBe(n + 1);
    expect(elf.sections[n]!.name).toBe(`s${n - 1}`);
    expect(elf.sections[n]!.size).toBe(n - 1);
  });

  it('e_shnum 0 with no count in section 0', () => {
    const { bytes, layout } = writeElf(
      [{ name: '.one', type: SHT.PROGBITS, data: Uint8Array.of(1) }],
      {
        is64: true,
        littleEndian: true,
        extendedNumbering: true,
      },
    );
    new DataView(bytes.buffer).setBigUint64(layout.shoff + 32, 0n, true);
    expectFormatError(() => ElfFile.open(bytes), /e_shnum is 0 and section 0 has no count/);
  });
});

// Adversarial edits of both byte orders' objects: whatever is read must end in a result or a
// typed error having allocated next to nothing (the fuzzing contract, for these inputs).
/** An error class, for `toBeInstanceOf`. */
type ErrorClass = abstract new (...args: never[]) => Error;

// ELF64 header fields not named above.
const E_SHENTSIZE = 58;
// ELF64 section header fields.
const SH_OFFSET = 24;
const SH_SIZE = 32;
const SH_LINK = 40;
const SH_ENTSIZE = 56;

interface Editable {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly le: boolean;
  /** Where the header of the named section starts. */
  header(name: string): number;
}

function edit(file: string): Editable {
  const bytes = readBytes(join(testdata, 'objects', file)).slice();
  const elf = ElfFile.open(bytes.slice());
  return {
    bytes,
    view: new DataView(bytes.buffer),
    le: elf.littleEndian,
    header(name) {
      const s = elf.sections.find((x) => x.name === name);
      if (!s) throw new Error(`${file}: no section ${name}`);
      return s.headerOffset;
    },
  };
}

/** Opening must fail with a FormatError, having allocated next to nothing. */
function expectOpenFormatError(bytes: Uint8Array): FormatError {
  const { grew, error } = measure(() => ElfFile.open(bytes));
  expect(error).toBeInstanceOf(FormatError);
  expect(grew).toBeLessThan(1024 * 1024);
  return error as FormatError;
}

/** Whatever happens must be a result or a BtfError (of `cls` when it throws). */
function expectResultOr(fn: () => unknown, cls: ErrorClass = FormatError): void {
  const { error, grew } = measure(fn);
  if (error !== undefined) expect(error).toBeInstanceOf(cls);
  expect(grew).toBeLessThan(4 * 1024 * 1024);
}

for (const file of ['basic-el.o', 'basic-eb.o']) {
  describe(`${file} with a broken section table`, () => {
    it('e_shnum 0xffff with the table at its real offset runs past the end', () => {
      const e = edit(file);
      e.view.setUint16(E_SHNUM, 0xffff, e.le);
      expectOpenFormatError(e.bytes);
    });

    it('e_shnum 0xffff with the table at offset 64', () => {
      const e = edit(file);
      e.view.setUint16(E_SHNUM, 0xffff, e.le);
      e.view.setBigUint64(E_SHOFF, 64n, e.le);
      expectOpenFormatError(e.bytes);
    });

    it('e_shnum 0 with a huge count in section 0 (extended numbering)', () => {
      for (const count of [0xffff_ffffn, 0x1_0000n, 2n ** 63n]) {
        const e = edit(file);
        const shoff = Number(e.view.getBigUint64(E_SHOFF, e.le));
        e.view.setUint16(E_SHNUM, 0, e.le);
        e.view.setBigUint64(shoff + SH_SIZE, count, e.le);
        expectOpenFormatError(e.bytes);
      }
    });

    it('e_shoff past the end, or ending past it', () => {
      for (const at of [
        (n: number) => BigInt(n),
        (n: number) => BigInt(n + 64),
        (n: number) => BigInt(n - 100),
        () => 0xffff_ffffn,
        () => 2n ** 63n,
        () => 2n ** 64n - 1n,
      ]) {
        const e = edit(file);
        e.view.setBigUint64(E_SHOFF, at(e.bytes.byteLength), e.le);
        expectOpenFormatError(e.bytes);
      }
    });

    it('e_shentsize other than 64', () => {
      for (const size of [0, 1, 40, 63, 65, 0xffff]) {
        const e = edit(file);
        e.view.setUint16(E_SHENTSIZE, size, e.le);
        expectOpenFormatError(e.bytes);
      }
    });

    it('e_shstrndx past the section count', () => {
      for (const idx of [34, 0xff00, 0xffff]) {
        const e = edit(file);
        e.view.setUint16(E_SHSTRNDX, idx, e.le);
        expectResultOr(() => ElfFile.open(e.bytes));
      }
    });

    it('the file cut anywhere in its headers', () => {
      const whole = readBytes(join(testdata, 'objects', file));
      for (const n of [0, 3, 4, 16, 52, 63, 64, whole.byteLength - 1]) {
        expectResultOr(() => loadRawBtfFromElf(whole.slice(0, n)), BtfError);
      }
    });
  });

  describe(`${file} with a broken symbol table`, () => {
    for (const entsize of [0n, 1n, 23n, 25n, 48n, 0xffff_ffffn, 2n ** 63n]) {
      it(`sh_entsize ${entsize} is a FormatError`, () => {
        const e = edit(file);
        e.view.setBigUint64(e.header('.symtab') + SH_ENTSIZE, entsize, e.le);
        const { error } = measure(() => ElfFile.open(e.bytes).symbolTable());
        expect(error).toBeInstanceOf(FormatError);
        expect((error as FormatError).message).toMatch(/^elf: /);
        expectResultOr(() => loadSpecAndExtInfosFromBytes(e.bytes), BtfError);
      });
    }

    it('sh_size not a multiple of the entry size is a FormatError', () => {
      const e = edit(file);
      const at = e.header('.symtab') + SH_SIZE;
      e.view.setBigUint64(at, e.view.getBigUint64(at, e.le) - 5n, e.le);
      const elf = ElfFile.open(e.bytes);
      expect(() => elf.symbolTable()).toThrow(FormatError);
    });

    it('sh_offset and sh_size past the end are FormatErrors', () => {
      for (const [field, v] of [
        [SH_OFFSET, 0xffff_fff0n],
        [SH_SIZE, 0xffff_fff0n],
        [SH_SIZE, 2n ** 63n],
      ] as const) {
        const e = edit(file);
        e.view.setBigUint64(e.header('.symtab') + field, v, e.le);
        const { error } = measure(() => ElfFile.open(e.bytes).symbolTable());
        expect(error).toBeInstanceOf(FormatError);
      }
    });

    it('sh_link naming itself or no section', () => {
      for (const link of [0, 33, 34, 0xffff_ffff]) {
        const e = edit(file);
        e.view.setUint32(e.header('.symtab') + SH_LINK, link, e.le);
        expectResultOr(() => ElfFile.open(e.bytes).symbolTable());
      }
    });
  });

  describe(`${file} with a broken .BTF section`, () => {
    it('.BTF past the end, huge, or empty', () => {
      for (const [field, v] of [
        [SH_OFFSET, 0xffff_fff0n],
        [SH_SIZE, 0xffff_fff0n],
        [SH_SIZE, 0n],
        [SH_SIZE, 2n ** 63n],
      ] as const) {
        const e = edit(file);
        e.view.setBigUint64(e.header('.BTF') + field, v, e.le);
        expectResultOr(() => loadRawBtfFromElf(e.bytes));
      }
    });

    it('no .BTF at all is a NotFoundError', () => {
      const e = edit(file);
      // Rename `.BTF` to `.BTX`: the section's name is in .strtab's bytes.
      const nameAt = e.view.getUint32(e.header('.BTF'), e.le);
      const strtab = Number(e.view.getBigUint64(e.header('.strtab') + SH_OFFSET, e.le));
      for (let i = strtab + nameAt; ; i++) {
        if (e.bytes[i] === 0) {
          e.bytes[i - 1] = 0x58;
          break;
        }
      }
      expect(() => loadRawBtfFromElf(e.bytes)).toThrow(NotFoundError);
    });
  });
}
