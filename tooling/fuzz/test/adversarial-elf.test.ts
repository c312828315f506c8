import { ElfFile, loadRawBtfFromElf, loadSpecAndExtInfosFromBytes } from '@btfkit/elf';
import { BtfError, FormatError, NotFoundError } from '@btfkit/wire';
import { describe, expect, it } from 'vitest';
import { expectContract, fixture, measure } from './helpers.js';

/** An error class, for `toBeInstanceOf`. */
type ErrorClass = abstract new (...args: never[]) => Error;

// ELF64 header fields.
const E_SHOFF = 0x28;
const E_SHENTSIZE = 0x3a;
const E_SHNUM = 0x3c;
const E_SHSTRNDX = 0x3e;
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
  const bytes = fixture('objects', file).slice();
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
  expectContract(bytes, ['elf']);
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
        expectContract(e.bytes, ['elf']);
      }
    });

    it('the file cut anywhere in its headers', () => {
      const whole = fixture('objects', file);
      for (const n of [0, 3, 4, 16, 52, 63, 64, whole.byteLength - 1]) {
        expectResultOr(() => loadRawBtfFromElf(whole.slice(0, n)), BtfError);
        expectContract(whole.slice(0, n), ['elf']);
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
        expectContract(e.bytes, ['elf']);
      });
    }

    it('sh_size not a multiple of the entry size is a FormatError', () => {
      const e = edit(file);
      const at = e.header('.symtab') + SH_SIZE;
      e.view.setBigUint64(at, e.view.getBigUint64(at, e.le) - 5n, e.le);
      const elf = ElfFile.open(e.bytes);
      expect(() => elf.symbolTable()).toThrow(FormatError);
      expectContract(e.bytes, ['elf']);
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
        expectContract(e.bytes, ['elf']);
      }
    });

    it('sh_link naming itself or no section', () => {
      for (const link of [0, 33, 34, 0xffff_ffff]) {
        const e = edit(file);
        e.view.setUint32(e.header('.symtab') + SH_LINK, link, e.le);
        expectResultOr(() => ElfFile.open(e.bytes).symbolTable());
        expectContract(e.bytes, ['elf']);
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
        expectContract(e.bytes, ['elf']);
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
      expectContract(e.bytes, ['elf']);
    });
  });
}
