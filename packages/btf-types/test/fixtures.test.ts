import { Spec } from '@btfkit/types';
import { RawBtf, rawDump } from '@btfkit/wire';
import { describe, expect, it } from 'vitest';
import { listFixtures, parseRawGolden, readFixture, readText, wireKind } from './helpers.js';

const objects = listFixtures('objects', '.btf');

describe('clang-16 object fixtures', () => {
  it('exist in both byte orders', () => {
    expect(objects.filter((f) => f.endsWith('-eb.btf')).length).toBeGreaterThanOrEqual(3);
  });

  for (const file of objects) {
    describe(file, () => {
      const bytes = readFixture('objects', file);
      const golden = readText('objects', file.replace(/\.btf$/, '.raw.golden'));

      it('inflates every type with the kind and name bpftool prints', () => {
        const spec = Spec.parse(bytes);
        const got = [...spec.entries()].map(
          ([id, t]) => `${id} ${wireKind(t)} ${t.name || '(anon)'}`,
        );
        const want = parseRawGolden(golden).map((g) => `${g.id} ${g.kind} ${g.name}`);
        expect(got).toEqual(want);
      });

      it('marshals to the same dump and the same bytes', () => {
        const spec = Spec.parse(bytes);
        const out = spec.marshal();
        expect(rawDump(RawBtf.parse(out))).toBe(golden);
        expect(Buffer.from(out).equals(Buffer.from(bytes))).toBe(true);
      });

      it('marshals in the other byte order to the same dump', () => {
        const spec = Spec.parse(bytes);
        const other = spec.byteOrder === 'little' ? 'big' : 'little';
        const raw = RawBtf.parse(spec.marshal({ byteOrder: other }));
        expect(raw.littleEndian).toBe(other === 'little');
        expect(rawDump(raw)).toBe(golden);
      });

      it('a copy marshals to the same dump', () => {
        const spec = Spec.parse(bytes);
        for (const _ of spec) {
          // decode everything so copy() copies objects rather than re-decoding
        }
        expect(rawDump(RawBtf.parse(spec.copy().marshal()))).toBe(golden);
      });
    });
  }
});

describe('pahole split BTF', () => {
  const baseBytes = readFixture('pahole', 'base.btf');
  const splitBytes = readFixture('pahole', 'split.btf');

  it('base round-trips', () => {
    const base = Spec.parse(baseBytes);
    const out = base.marshal();
    expect(rawDump(RawBtf.parse(out))).toBe(readText('pahole', 'base.raw.golden'));
    expect(Buffer.from(out).equals(Buffer.from(baseBytes))).toBe(true);
  });

  it('split over base: IDs continue, lookups see both, round-trips', () => {
    const base = Spec.parse(baseBytes);
    const split = Spec.parse(splitBytes, { base });
    const golden = readText('pahole', 'split.raw.golden');
    const g = parseRawGolden(golden);
    expect(split.firstTypeId).toBe(base.nextTypeId);
    expect(g[0]!.id).toBe(split.firstTypeId);
    for (const x of g)
      expect(`${x.id} ${wireKind(split.typeByID(x.id))}`).toBe(`${x.id} ${x.kind}`);
    // A base type is the same object through the split Spec.
    expect(split.typeByID(1) === base.typeByID(1)).toBe(true);
    // Name lookups see base types first, then split types.
    for (const x of parseRawGolden(readText('pahole', 'base.raw.golden'))) {
      if (x.name === '(anon)') continue;
      const ids = split.anyTypesByName(x.name).map((t) => split.typeID(t));
      expect(ids[0]).toBe(base.anyTypesByName(x.name).map((t) => base.typeID(t))[0]);
    }
    for (const x of g) {
      if (x.name === '(anon)') continue;
      expect(split.anyTypesByName(x.name).map((t) => split.typeID(t))).toContain(x.id);
    }
    const out = split.marshal();
    const raw = RawBtf.parse(out, { base: base.raw });
    expect(rawDump(raw)).toBe(golden);
    expect(Buffer.from(out).equals(Buffer.from(splitBytes))).toBe(true);
  });
});
