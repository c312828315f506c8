import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  decodeBtfExt,
  encodeBtf,
  encodeBtfExt,
  formatRawType,
  jsonDump,
  kindName,
  RawBtf,
  rawDump,
  rawDumpBytes,
  rawDumpChunks,
} from '@btfkit/wire';
import { describe, expect, it } from 'vitest';
import {
  byteDiff,
  listFixtures,
  readFixture,
  readText,
  testdata,
} from '../../../tooling/test-fixtures.ts';

/** Re-encodes a parsed blob from its decoded records and its string section. */
function reencode(raw: RawBtf): Uint8Array {
  return encodeBtf({
    records: raw.records(),
    strings: raw.strings.bytes,
    littleEndian: raw.littleEndian,
    ...(raw.layout ? { layout: raw.layout } : {}),
  });
}

const objects = listFixtures('objects', '.btf');

describe('clang-16 object fixtures', () => {
  it('exist in both byte orders', () => {
    expect(objects.filter((f) => f.endsWith('-el.btf')).length).toBeGreaterThanOrEqual(3);
    expect(objects.filter((f) => f.endsWith('-eb.btf')).length).toBe(
      objects.filter((f) => f.endsWith('-el.btf')).length,
    );
  });

  for (const file of objects) {
    describe(file, () => {
      const bytes = readFixture('objects', file);
      const raw = RawBtf.parse(bytes);

      it('has the byte order of its target', () => {
        expect(raw.littleEndian).toBe(!file.includes('-eb.'));
      });

      it('re-encodes byte-identical', () => {
        expect(reencode(raw)).toEqual(bytes);
      });

      it("dumps exactly as bpftool's format raw", () => {
        const golden = readText('objects', file.replace(/\.btf$/, '.raw.golden'));
        expect(rawDump(raw)).toBe(golden);
      });

      it("formats each type as its block of bpftool's format raw", () => {
        const golden = readText('objects', file.replace(/\.btf$/, '.raw.golden'));
        const blocks: string[] = [];
        for (let id = raw.firstTypeID; id < raw.nextTypeID; id++) {
          blocks.push(formatRawType(raw, id));
        }
        expect(blocks.join('')).toBe(golden);
        expect(blocks[0]).toMatch(/^\[1\] /);
      });

      it("prints JSON exactly as bpftool -j's format raw", () => {
        const golden = readText('objects', file.replace(/\.btf$/, '.json.golden'));
        expect(jsonDump(raw)).toBe(golden);
        expect(JSON.parse(golden).types.length).toBe(raw.typeCount);
      });

      it("indexes each type's kind as bpftool -j reports it", () => {
        const golden = JSON.parse(readText('objects', file.replace(/\.btf$/, '.json.golden')));
        const kinds = golden.types.map((t: { kind: string }) => t.kind);
        const names = golden.types.map((t: { name: string }) => t.name);
        for (let i = 0; i < raw.typeCount; i++) {
          expect(kindName(raw.kinds[i]!)).toBe(kinds[i]);
          expect(raw.name(raw.nameOffOf(raw.firstTypeID + i)) || '(anon)').toBe(names[i]);
        }
      });

      const extFile = `${file}.ext`;
      if (existsSync(join(testdata, 'objects', extFile))) {
        it('.BTF.ext decodes and re-encodes byte-identical', () => {
          const extBytes = readFixture('objects', extFile);
          const ext = decodeBtfExt(extBytes, raw.littleEndian);
          expect(ext.funcInfo.sections.length).toBeGreaterThan(0);
          expect(ext.lineInfo.sections.length).toBeGreaterThan(0);
          // Every section name and line string is a valid offset into .BTF's strings.
          for (const sec of [...ext.funcInfo.sections, ...ext.lineInfo.sections]) {
            expect(raw.strings.tryAt(sec.secNameOff)).toMatch(/^[.a-z_]/);
          }
          for (const sec of ext.lineInfo.sections) {
            for (const li of sec.records) {
              expect(raw.strings.tryAt(li.fileNameOff)).toMatch(/\.c$/);
              expect(raw.strings.tryAt(li.lineOff)).toBeTypeOf('string');
              expect(li.insnOff % 8).toBe(0);
            }
          }
          for (const sec of ext.funcInfo.sections) {
            for (const fi of sec.records) expect(raw.kindOf(fi.typeID)).toBe(12);
          }
          expect(encodeBtfExt(ext)).toEqual(extBytes);
        });
      }
    });
  }

  it('.BTF.ext of the CO-RE fixture has relocations whose access strings are in the table', () => {
    const raw = RawBtf.parse(readFixture('objects', 'core-el.btf'));
    const ext = decodeBtfExt(readFixture('objects', 'core-el.btf.ext'));
    const relos = ext.coreRelos?.sections.flatMap((s) => s.records) ?? [];
    expect(relos.length).toBeGreaterThan(0);
    for (const r of relos) expect(raw.strings.at(r.accessStrOff)).toMatch(/^\d+(:\d+)*$/);
  });
});

describe('vmlinux', () => {
  const bytes = readFixture('vmlinux', 'vmlinux.btf.gz');
  const raw = RawBtf.parse(bytes);

  it("dumps exactly as bpftool's format raw", () => {
    const golden = readText('vmlinux', 'vmlinux.raw.golden.gz');
    const mine = rawDump(raw);
    // Compare a line count first so a mismatch reports something readable.
    expect(mine.length).toBe(golden.length);
    expect(mine === golden).toBe(true);
  });

  it("prints JSON exactly as bpftool -j's format raw", () => {
    expect(jsonDump(raw) === readText('vmlinux', 'vmlinux.json.golden.gz')).toBe(true);
  });

  it('streams the same dump in chunks', () => {
    const whole = Buffer.from(rawDumpBytes(raw));
    const parts = [...rawDumpChunks(raw, 4096)];
    expect(parts.length).toBeGreaterThan(100);
    expect(byteDiff(Buffer.concat(parts), whole)).toBeUndefined();
  });

  it('re-encodes byte-identical', () => {
    expect(byteDiff(reencode(raw), bytes)).toBeUndefined();
  });

  it('converts to big-endian and back without loss', () => {
    const be = encodeBtf({
      records: raw.records(),
      strings: raw.strings.bytes,
      littleEndian: false,
    });
    const beRaw = RawBtf.parse(be);
    expect(beRaw.littleEndian).toBe(false);
    expect(beRaw.typeCount).toBe(raw.typeCount);
    const back = encodeBtf({
      records: beRaw.records(),
      strings: beRaw.strings.bytes,
      littleEndian: true,
    });
    expect(byteDiff(back, bytes)).toBeUndefined();
  });

  it('indexes the same records word-wise (host order, aligned) and byte-wise (otherwise)', () => {
    // Host order in an aligned copy: the word walk. The same bytes one byte off their buffer's
    // alignment, and the blob in the other byte order: the byte walk. All must agree.
    const aligned = new Uint8Array(bytes);
    const shifted = new Uint8Array(bytes.byteLength + 1).subarray(1);
    shifted.set(bytes);
    const other = encodeBtf({
      records: raw.records(),
      strings: raw.strings.bytes,
      littleEndian: false,
    });
    const a = RawBtf.parse(aligned);
    const b = RawBtf.parse(shifted);
    const c = RawBtf.parse(other);
    expect(a.words?.length).toBe(a.types.byteLength / 4);
    expect(a.words?.[a.offsets[113]! / 4 + 1]).toBe(
      new DataView(a.types.buffer, a.types.byteOffset).getUint32(a.offsets[113]! + 4, true),
    );
    expect(b.words).toBeUndefined();
    expect(c.words).toBeUndefined();
    expect(a.typeCount).toBeGreaterThan(100_000);
    for (const r of [b, c]) {
      expect(r.typeCount).toBe(a.typeCount);
      expect(
        byteDiff(
          new Uint8Array(r.offsets.buffer, r.offsets.byteOffset, r.offsets.byteLength),
          new Uint8Array(a.offsets.buffer, a.offsets.byteOffset, a.offsets.byteLength),
        ),
      ).toBeUndefined();
      expect(byteDiff(r.kinds, a.kinds)).toBeUndefined();
    }
  });
});

describe('split BTF', () => {
  const modules = existsSync(join(testdata, 'vmlinux'))
    ? listFixtures('vmlinux', '.btf').filter((f) => f.startsWith('module-'))
    : [];
  for (const file of modules) {
    it(`${file}: continues vmlinux's IDs and strings and dumps as bpftool -B`, () => {
      const base = RawBtf.parse(readFixture('vmlinux', 'vmlinux.btf.gz'));
      const bytes = readFixture('vmlinux', file);
      const split = RawBtf.parse(bytes, { base });
      expect(split.firstTypeID).toBe(base.nextTypeID);
      expect(split.strings.firstOffset).toBe(base.strings.end);
      expect(rawDump(split)).toBe(readText('vmlinux', file.replace(/\.btf$/, '.raw.golden')));
      expect(reencode(split)).toEqual(bytes);
    });
  }

  it('pahole base and split dump as bpftool', () => {
    const baseBytes = readFixture('pahole', 'base.btf');
    const base = RawBtf.parse(baseBytes);
    expect(rawDump(base)).toBe(readText('pahole', 'base.raw.golden'));
    expect(reencode(base)).toEqual(baseBytes);
    const splitBytes = readFixture('pahole', 'split.btf');
    const split = RawBtf.parse(splitBytes, { base });
    expect(split.firstTypeID).toBe(base.nextTypeID);
    expect(rawDump(split)).toBe(readText('pahole', 'split.raw.golden'));
    expect(jsonDump(base)).toBe(readText('pahole', 'base.json.golden'));
    expect(jsonDump(split)).toBe(readText('pahole', 'split.json.golden'));
    expect(reencode(split)).toEqual(splitBytes);
    // Without its base, split BTF is not valid base BTF.
    expect(() => RawBtf.parse(splitBytes)).toThrow();
  });
});
