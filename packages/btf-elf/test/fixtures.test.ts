import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeExtInfos, ElfFile, loadRawBtfFromElf, readBtfSections, SHT, STT } from '@btfkit/elf';
import type { RandomAccessSource } from '@btfkit/wire';
import { RawBtf, rawDump } from '@btfkit/wire';
import { openFile } from '@btfkit/wire/node';
import { describe, expect, it } from 'vitest';
import { resolveAccessString } from './access-string.js';
import { objectFixtures, readBytes, testdata } from './helpers.js';

const fixtures = objectFixtures();

describe('fixture objects', () => {
  it('finds the fixtures', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(2);
  });

  for (const fx of fixtures) {
    describe(fx.id, () => {
      const bytes = readBytes(fx.path);

      it('has the byte order of its name', () => {
        const elf = ElfFile.open(bytes);
        expect(elf.littleEndian).toBe(fx.order === 'el');
        expect(elf.is64).toBe(true);
        expect(elf.machine).toBe(247);
      });

      it('.BTF and .BTF.ext equal the sections llvm-objcopy extracted', () => {
        const s = readBtfSections(ElfFile.open(bytes));
        expect(s.btf).toEqual(readBytes(`${fx.stem}.btf`));
        expect(s.btfExt).toEqual(readBytes(`${fx.stem}.btf.ext`));
      });

      it('unfixed .BTF dumps as bpftool dumps the extracted section', () => {
        const r = loadRawBtfFromElf(bytes);
        expect(r.original).toEqual(readBytes(`${fx.stem}.btf`));
        expect(rawDump(RawBtf.parse(r.original))).toBe(
          readFileSync(`${fx.stem}.raw.golden`, 'utf8'),
        );
      });

      it('DATASEC fixup equals what libbpf computes at bpf_object__open', () => {
        // libbpf cannot open big-endian objects on this host; its fixup of the
        // little-endian twin is the oracle for both (their unfixed dumps are identical).
        const el = join(testdata, 'objects', `${fx.name}-el`);
        expect(readFileSync(`${fx.stem}.raw.golden`, 'utf8')).toBe(
          readFileSync(`${el}.raw.golden`, 'utf8'),
        );
        const golden = readFileSync(`${el}.libbpf.raw.golden`, 'utf8');
        const r = loadRawBtfFromElf(bytes);
        expect(rawDump(r.btf)).toBe(golden);
      });

      it('reads only the headers and the sections it needs through a file source', () => {
        using file = openFile(fx.path);
        const reads: [number, number][] = [];
        const spy: RandomAccessSource = {
          size: file.size,
          read(offset, length) {
            reads.push([offset, length]);
            return file.read(offset, length);
          },
        };
        const r = loadRawBtfFromElf(spy);
        expect(rawDump(r.btf)).toBe(rawDump(loadRawBtfFromElf(bytes).btf));
        const elf = r.elf;
        const allowed = new Set(['.BTF', '.BTF.ext', '.symtab', '.strtab']);
        const shstr = elf.sections[elf.shstrndx]!;
        const tableEnd = Math.max(...elf.sections.map((s) => s.headerOffset)) + 64;
        for (const [off, len] of reads) {
          const inHeader = off + len <= 64;
          const inTable = off >= elf.sections[0]!.headerOffset && off + len <= tableEnd;
          const inSection = elf.sections.some(
            (s) =>
              (allowed.has(s.name) || s === shstr) &&
              off >= s.offset &&
              off + len <= s.offset + s.size,
          );
          expect(inHeader || inTable || inSection, `read [${off}, ${off + len})`).toBe(true);
        }
        const code = elf.sections.filter((s) => s.type === SHT.PROGBITS && !allowed.has(s.name));
        const bytesRead = reads.reduce((n, [, len]) => n + len, 0);
        expect(bytesRead).toBeLessThan(file.size - code.reduce((n, s) => n + s.size, 0) + 1);
      });

      describe('ext infos', () => {
        const elf = ElfFile.open(bytes);
        const r = loadRawBtfFromElf(elf);
        const infos = decodeExtInfos(r.btfExt!, r.btf);
        const source = readFileSync(join(testdata, 'objects', `${fx.name}.c`), 'utf8').split('\n');
        const symbols = elf.symbolTable();

        it('has records', () => {
          expect(infos.size).toBeGreaterThan(0);
          expect([...infos.values()].some((s) => s.lineInfos.length > 0)).toBe(true);
        });

        it("each line info's text is that line of the .c file", () => {
          let n = 0;
          for (const sec of infos.values()) {
            for (const li of sec.lineInfos) {
              expect(li.fileName.endsWith(`${fx.name}.c`), li.fileName).toBe(true);
              // Line 0 marks compiler-made code, with no text.
              const want = li.line === 0 ? '' : source[li.line - 1];
              expect(li.lineText, `${sec.section}+${li.insnOff} line ${li.line}`).toBe(want);
              if (li.line > 0) n++;
            }
          }
          expect(n).toBeGreaterThan(0);
        });

        it("each func info's FUNC is the ELF function symbol at that offset", () => {
          let n = 0;
          for (const sec of infos.values()) {
            const elfSec = elf.section(sec.section);
            expect(elfSec, sec.section).toBeDefined();
            for (const fi of sec.funcInfos) {
              const sym = symbols.filter(
                (s) =>
                  s.type === STT.FUNC &&
                  s.sectionIndex === elfSec!.index &&
                  s.value === BigInt(fi.insnOff),
              );
              expect(sym.map((s) => s.name)).toEqual([fi.name]);
              n++;
            }
          }
          expect(n).toBeGreaterThan(0);
        });

        it('each CO-RE access string resolves to a name the source reads in that function', () => {
          // Instruction scheduling moves a relocation off its own line, so the oracle is the
          // lines of the enclosing function (from func info), not the nearest line info.
          for (const sec of infos.values()) {
            const starts = sec.funcInfos.map((f) => f.insnOff).sort((a, b) => a - b);
            for (const relo of sec.coreRelos) {
              const resolved = resolveAccessString(
                r.btf,
                relo.typeID,
                relo.accessString,
                relo.kind,
              );
              const start = starts.filter((o) => o <= relo.insnOff).at(-1) ?? 0;
              const end = starts.find((o) => o > relo.insnOff) ?? Number.POSITIVE_INFINITY;
              const text = sec.lineInfos
                .filter((li) => li.insnOff >= start && li.insnOff < end)
                .map((li) => li.lineText)
                .join('\n');
              expect(resolved, `${relo.kindName} ${relo.accessString}`).not.toBe('');
              expect(text, `${relo.kindName} ${relo.accessString} -> ${resolved}`).toContain(
                resolved,
              );
            }
          }
        });
      });
    });
  }

  it('the big-endian and little-endian objects have the same functions and relocations', () => {
    const names = new Set(fixtures.map((f) => f.name));
    for (const name of names) {
      const [el, eb] = ['el', 'eb'].map((o) => {
        const r = loadRawBtfFromElf(readBytes(join(testdata, 'objects', `${name}-${o}.o`)));
        // Instruction offsets and line tables differ: each byte order has its own code.
        const infos = [...decodeExtInfos(r.btfExt!, r.btf).values()];
        return {
          funcs: infos.map((s) => [s.section, s.funcInfos.map((f) => f.name)]),
          relos: new Set(
            infos.flatMap((s) =>
              s.coreRelos.map((c) => `${c.kindName} ${c.typeID} ${c.accessString}`),
            ),
          ),
        };
      });
      expect(eb!.funcs).toEqual(el!.funcs);
      // Big-endian bitfield reads add FIELD_BYTE_SIZE relocations; nothing else differs.
      for (const relo of el!.relos) expect(eb!.relos.has(relo), `${name}: ${relo}`).toBe(true);
    }
  });

  it('core.c has CO-RE relocations of every kind clang emits', () => {
    const r = loadRawBtfFromElf(readBytes(join(testdata, 'objects', 'core-el.o')));
    const kinds = new Set(
      [...decodeExtInfos(r.btfExt!, r.btf).values()].flatMap((s) =>
        s.coreRelos.map((c) => c.kindName),
      ),
    );
    expect([...kinds].sort()).toEqual(
      expect.arrayContaining([
        'FIELD_BYTE_OFFSET',
        'FIELD_EXISTS',
        'TYPE_ID_LOCAL',
        'ENUMVAL_EXISTS',
        'ENUMVAL_VALUE',
      ]),
    );
  });
});
