import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import {
  decompressSection,
  ELFCOMPRESS,
  ElfFile,
  loadRawBtfFromElf,
  loadSpecFromBytes,
  readBtfSections,
  SHF,
  SHT,
} from '@btfkit/elf';
import { FormatError, NotSupportedError, rawDump } from '@btfkit/wire';
import { describe, expect, it } from 'vitest';
import { cloneElf, withChdr, writeElf } from './elf-writer.js';
import { objectFixtures, packageTestdata, readBytes } from './helpers.js';

const fixtures = objectFixtures();

describe('SHF_COMPRESSED .BTF and .BTF.ext', () => {
  for (const fx of fixtures) {
    it(`${fx.id}: zlib-compressed copy loads and equals the uncompressed`, () => {
      const plain = ElfFile.open(readBytes(fx.path));
      const zlib = ElfFile.open(
        cloneElf(plain, { compress: { '.BTF': { type: 'zlib' }, '.BTF.ext': { type: 'zlib' } } }),
      );
      expect(zlib.isCompressed(zlib.section('.BTF')!)).toBe(true);
      expect(zlib.section('.BTF')!.size).not.toBe(plain.section('.BTF')!.size);
      expect(readBtfSections(zlib).btf).toEqual(readBytes(`${fx.stem}.btf`));
      expect(readBtfSections(zlib).btfExt).toEqual(readBytes(`${fx.stem}.btf.ext`));
      expect(rawDump(loadRawBtfFromElf(zlib).btf)).toBe(rawDump(loadRawBtfFromElf(plain).btf));
    });

    it(`${fx.id}: ELF32 copy with zlib sections equals the ELF64 original`, () => {
      const plain = ElfFile.open(readBytes(fx.path));
      const elf32 = ElfFile.open(
        cloneElf(plain, { is64: false, compress: { '.BTF': { type: 'zlib' } } }),
      );
      expect(elf32.is64).toBe(false);
      expect(elf32.sections.map((s) => [s.name, s.type, s.link, s.info])).toEqual(
        plain.sections.map((s) => [s.name, s.type, s.link, s.info]),
      );
      expect(elf32.symbolTable()).toEqual(plain.symbolTable());
      expect(rawDump(loadRawBtfFromElf(elf32).btf)).toBe(rawDump(loadRawBtfFromElf(plain).btf));
    });
  }

  const zstdFiles = readdirSync(packageTestdata)
    .filter((f) => f.endsWith('.zstd.o'))
    .sort();
  it('has a committed zstd copy of every fixture object', () => {
    expect(zstdFiles).toEqual(fixtures.map((f) => `${f.id}.zstd.o`));
  });
  for (const file of zstdFiles) {
    it(`${file}: zstd-compressed copy loads and equals the uncompressed`, () => {
      const fx = fixtures.find((f) => `${f.id}.zstd.o` === file)!;
      const zstd = ElfFile.open(readBytes(join(packageTestdata, file)));
      const btf = zstd.section('.BTF')!;
      expect(zstd.isCompressed(btf)).toBe(true);
      // The compression header says zstd.
      const hdr = zstd.source.read(btf.offset, 4);
      expect(new DataView(hdr.buffer, hdr.byteOffset).getUint32(0, zstd.littleEndian)).toBe(
        ELFCOMPRESS.ZSTD,
      );
      expect(readBtfSections(zstd).btf).toEqual(readBytes(`${fx.stem}.btf`));
      expect(readBtfSections(zstd).btfExt).toEqual(readBytes(`${fx.stem}.btf.ext`));
      const plain = ElfFile.open(readBytes(fx.path));
      expect(rawDump(loadRawBtfFromElf(zstd).btf)).toBe(rawDump(loadRawBtfFromElf(plain).btf));
    });
  }
});

describe('decoders passed by the caller', () => {
  const fx = fixtures.find((f) => f.id === 'core-el')!;
  const plain = ElfFile.open(readBytes(fx.path));
  const zlibBytes = cloneElf(plain, {
    compress: { '.BTF': { type: 'zlib' }, '.BTF.ext': { type: 'zlib' } },
  });
  const want = rawDump(loadSpecFromBytes(readBytes(fx.path)).raw);

  it("node:zlib's inflate replaces the built-in zlib decoder through the load options", () => {
    const calls: number[] = [];
    const zlib = (payload: Uint8Array, size: number) => {
      calls.push(size);
      return new Uint8Array(inflateSync(payload, { maxOutputLength: size }));
    };
    const spec = loadSpecFromBytes(zlibBytes, { decompressors: { zlib } });
    expect(rawDump(spec.raw)).toBe(want);
    const sizes = [
      readBytes(`${fx.stem}.btf`).byteLength,
      readBytes(`${fx.stem}.btf.ext`).byteLength,
    ];
    expect(calls).toEqual(sizes);
    const sections = readBtfSections(ElfFile.open(zlibBytes, { decompressors: { zlib } }));
    expect(sections.btfExt).toEqual(readBytes(`${fx.stem}.btf.ext`));
    expect(calls).toEqual([...sizes, ...sizes]);
  });

  it('a zstd decoder is used for zstd sections', () => {
    const file = join(packageTestdata, `${fx.id}.zstd.o`);
    let n = 0;
    const zstd = (payload: Uint8Array, size: number) => {
      n++;
      return decompressSection(ELFCOMPRESS.ZSTD, payload, size, 0);
    };
    expect(rawDump(loadSpecFromBytes(readBytes(file), { decompressors: { zstd } }).raw)).toBe(want);
    // .BTF and .BTF.ext.
    expect(n).toBe(2);
  });

  it("a decoder's own error becomes a FormatError with the offset and the cause", () => {
    const cause = new Error('decoder broke');
    let thrown: unknown;
    try {
      loadSpecFromBytes(zlibBytes, {
        decompressors: {
          zlib: () => {
            throw cause;
          },
        },
      });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(FormatError);
    expect((thrown as FormatError).message).toMatch(
      /^elf: offset \d+: corrupt zlib data: decoder broke$/,
    );
    expect((thrown as FormatError).offset).toBeGreaterThan(0);
    expect((thrown as FormatError).cause).toBe(cause);
  });

  it('a decoder that returns the wrong size is a FormatError', () => {
    expect(() =>
      loadSpecFromBytes(zlibBytes, { decompressors: { zlib: () => new Uint8Array(3) } }),
    ).toThrow(/^elf: offset \d+: the zlib decoder returned 3 bytes, ch_size says \d+$/);
  });
});

describe('compressed section limits and errors', () => {
  const data = new TextEncoder().encode('hello, compressed world! '.repeat(40));
  const elfWith = (chdr: Uint8Array, is64 = true) =>
    ElfFile.open(
      writeElf([{ name: '.data', type: SHT.PROGBITS, flags: BigInt(SHF.COMPRESSED), data: chdr }], {
        is64,
        littleEndian: true,
      }).bytes,
      { maxSectionSize: 1 << 20 },
    );
  const zlib = new Uint8Array(deflateSync(data));

  it('decompresses a well-formed zlib section, ELF64 and ELF32', () => {
    for (const is64 of [true, false]) {
      const elf = elfWith(withChdr(ELFCOMPRESS.ZLIB, data.byteLength, zlib, is64, true), is64);
      expect(elf.sectionData(elf.section('.data')!)).toEqual(data);
      expect(elf.contentSize(elf.section('.data')!)).toBe(data.byteLength);
    }
  });

  it('rejects ch_size smaller than the data', () => {
    const elf = elfWith(withChdr(ELFCOMPRESS.ZLIB, data.byteLength - 1, zlib, true, true));
    expect(() => elf.sectionData(elf.section('.data')!)).toThrow(/inflates past ch_size/);
  });

  it('rejects ch_size larger than the data', () => {
    const elf = elfWith(withChdr(ELFCOMPRESS.ZLIB, data.byteLength + 1, zlib, true, true));
    expect(() => elf.sectionData(elf.section('.data')!)).toThrow(FormatError);
  });

  it('rejects ch_size over the limit before allocating', () => {
    const elf = elfWith(withChdr(ELFCOMPRESS.ZLIB, 2 ** 40, zlib, true, true));
    expect(() => elf.sectionData(elf.section('.data')!)).toThrow(/over the limit/);
  });

  it('rejects corrupt zlib data with a FormatError naming the offset', () => {
    const bad = zlib.slice();
    bad.fill(0xff, 4, 20);
    const elf = elfWith(withChdr(ELFCOMPRESS.ZLIB, data.byteLength, bad, true, true));
    expect(() => elf.sectionData(elf.section('.data')!)).toThrow(/^elf: offset \d+: /);
    expect(() => elf.sectionData(elf.section('.data')!)).toThrow(FormatError);
  });

  it('rejects an unknown compression type as not supported', () => {
    const elf = elfWith(withChdr(99, data.byteLength, zlib, true, true));
    expect(() => elf.sectionData(elf.section('.data')!)).toThrow(NotSupportedError);
  });

  it('rejects a compressed section too short for its header', () => {
    const elf = elfWith(new Uint8Array(10));
    expect(() => elf.sectionData(elf.section('.data')!)).toThrow(/no room for its 24-byte header/);
  });

  it('refuses a zstd frame asking for a huge window before decoding', () => {
    // Magic, then a frame header: no single segment, window descriptor 0xf8 = 2^41 bytes.
    const frame = Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xf8, 0x01, 0x00, 0x00]);
    const elf = elfWith(withChdr(ELFCOMPRESS.ZSTD, 16, frame, true, true));
    expect(() => elf.sectionData(elf.section('.data')!)).toThrow(
      /window of \d+ bytes is over the limit/,
    );
  });

  it('rejects a zstd block that runs past the section', () => {
    // Single-segment frame of content size 16 with a raw block claiming 100 bytes.
    const frame = Uint8Array.from([
      0x28,
      0xb5,
      0x2f,
      0xfd,
      0x20,
      16,
      (100 << 3) | 1,
      0,
      0,
      1,
      2,
      3,
    ]);
    const elf = elfWith(withChdr(ELFCOMPRESS.ZSTD, 16, frame, true, true));
    expect(() => elf.sectionData(elf.section('.data')!)).toThrow(/block cut at the end/);
  });

  it('decodes a tiny hand-made zstd frame (one raw block)', () => {
    const payload = Uint8Array.from([1, 2, 3, 4, 5]);
    const frame = Uint8Array.from([
      0x28,
      0xb5,
      0x2f,
      0xfd,
      0x20,
      5,
      (5 << 3) | 1,
      0,
      0,
      ...payload,
    ]);
    const elf = elfWith(withChdr(ELFCOMPRESS.ZSTD, 5, frame, true, true));
    expect(elf.sectionData(elf.section('.data')!)).toEqual(payload);
  });
});
