import { Spec } from '@btfkit/types';
import { RawBtf, rawDump } from '@btfkit/wire';
import { describe, expect, it } from 'vitest';
import { byteDiff } from '../../../tooling/test-fixtures.ts';
import { listFixtures, parseRawGolden, readFixture, readText, wireKind } from './helpers.js';

const objects = listFixtures('objects', '.btf');

function idsOrNone(spec: Spec, name: string): number[] {
  try {
    return spec.anyTypesByName(name).map((t) => spec.typeID(t));
  } catch {
    return [];
  }
}

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
        expect(byteDiff(out, bytes)).toBeUndefined();
      });

      it('marshals in the other byte order to the same dump', () => {
        const spec = Spec.parse(bytes);
        const other = spec.byteOrder === 'little' ? 'big' : 'little';
        const raw = RawBtf.parse(spec.marshal({ byteOrder: other }));
        expect(raw.littleEndian).toBe(other === 'little');
        expect(rawDump(raw)).toBe(golden);
      });

      it('marshals the same bytes with none, some or all types decoded', () => {
        // Undecoded records are copied; decoded ones are encoded from their objects.
        const some = Spec.parse(bytes);
        for (let id = 1; id < some.nextTypeID; id += 2) some.typeByID(id);
        const all = Spec.parse(bytes);
        for (const _ of all) {
          // decode everything
        }
        for (const spec of [some, all]) {
          expect(byteDiff(spec.marshal(), bytes)).toBeUndefined();
        }
      });

      it('edited types marshal with their new names; the rest is unchanged', () => {
        const spec = Spec.parse(bytes);
        const entries = [...spec.entries()];
        let named: number | undefined;
        for (const [id, t] of entries) {
          const renamable =
            t.kind === 'int' || t.kind === 'typedef' || t.kind === 'struct' || t.kind === 'union';
          if (renamable && t.name !== '') {
            t.name = 'btfkit_renamed';
            named = id;
            break;
          }
        }
        const composite = entries.find(
          ([id, t]) =>
            id !== named && (t.kind === 'struct' || t.kind === 'union') && t.members.length > 0,
        );
        if (named === undefined) return;
        const t = composite?.[1];
        if (t?.kind === 'struct' || t?.kind === 'union') t.members[0]!.name = 'btfkit_member';
        const edited = new Set([named, composite?.[0]]);
        const got = parseRawGolden(rawDump(RawBtf.parse(spec.marshal())));
        expect(got.find((g) => g.id === named)?.name).toBe('btfkit_renamed');
        if (composite) {
          expect(got.find((g) => g.id === composite[0])?.members[0]).toMatch(/^'btfkit_member' /);
        }
        const want = parseRawGolden(golden);
        expect(got.filter((g) => !edited.has(g.id))).toEqual(want.filter((g) => !edited.has(g.id)));
      });

      it('the first name lookup (a scan) and later ones (the index) agree', () => {
        const names = [...new Set(parseRawGolden(golden).map((g) => g.name))];
        for (const name of [...names, '', 'btfkit_missing', 'é']) {
          const spec = Spec.parse(bytes);
          const first = idsOrNone(spec, name);
          expect(idsOrNone(spec, name)).toEqual(first);
          expect(idsOrNone(spec, name)).toEqual(first);
        }
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
    expect(byteDiff(out, baseBytes)).toBeUndefined();
  });

  it('split over base: IDs continue, lookups see both, round-trips', () => {
    const base = Spec.parse(baseBytes);
    const split = Spec.parse(splitBytes, { base });
    const golden = readText('pahole', 'split.raw.golden');
    const g = parseRawGolden(golden);
    expect(split.firstTypeID).toBe(base.nextTypeID);
    expect(g[0]!.id).toBe(split.firstTypeID);
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
    expect(byteDiff(out, splitBytes)).toBeUndefined();
  });
});
