import {
  MultipleMatchesError,
  NotFoundError,
  Spec,
  type Struct,
  type Type,
  underlyingType,
} from '@btfkit/types';
import { RawBtf, rawDump } from '@btfkit/wire';
import { beforeAll, describe, expect, it } from 'vitest';
import { byteDiff } from '../../../tooling/test-fixtures.ts';
import { type GoldenType, parseRawGolden, readFixture, readText, wireKind } from './helpers.js';

describe('vmlinux', () => {
  let bytes: Uint8Array;
  let golden: string;
  let goldenTypes: GoldenType[];
  beforeAll(() => {
    bytes = readFixture('vmlinux', 'vmlinux.btf.gz');
    golden = readText('vmlinux', 'vmlinux.raw.golden.gz');
    goldenTypes = parseRawGolden(golden);
  });

  it('every type inflates; counts per kind equal bpftool', () => {
    const spec = Spec.parse(bytes);
    const counts = new Map<string, number>();
    let n = 0;
    const wrongIDs: number[] = [];
    for (const [id, t] of spec.entries()) {
      if (spec.typeID(t) !== id) wrongIDs.push(id);
      counts.set(wireKind(t), (counts.get(wireKind(t)) ?? 0) + 1);
      n++;
    }
    const want = new Map<string, number>();
    for (const g of goldenTypes) want.set(g.kind, (want.get(g.kind) ?? 0) + 1);
    expect(wrongIDs).toEqual([]);
    expect(n).toBe(goldenTypes.length);
    expect(goldenTypes.length).toBeGreaterThan(100_000);
    expect(counts).toEqual(want);
  });

  it("task_struct's members, offsets and sizes equal bpftool's raw dump", () => {
    const spec = Spec.parse(bytes);
    const ts = spec.typeByName('task_struct', 'struct');
    const g = goldenTypes.filter((x) => x.kind === 'STRUCT' && x.name === 'task_struct');
    expect(g).toHaveLength(1);
    const want = g[0]!;
    expect(spec.typeID(ts)).toBe(want.id);
    expect(`[${want.id}] STRUCT 'task_struct' size=${ts.size} vlen=${ts.members.length}`).toBe(
      want.line,
    );
    const lines = ts.members.map(
      (m) =>
        `'${m.name || '(anon)'}' type_id=${spec.typeID(m.type)} bits_offset=${m.bitOffset}${m.bitfieldSize ? ` bitfield_size=${m.bitfieldSize}` : ''}`,
    );
    expect(lines).toEqual(want.members);
  });

  it('name lookups return exactly the IDs bpftool lists under each name', () => {
    const spec = Spec.parse(bytes);
    const byName = new Map<string, number[]>();
    for (const g of goldenTypes) {
      if (g.name === '(anon)') continue;
      const ids = byName.get(g.name);
      if (ids) ids.push(g.id);
      else byName.set(g.name, [g.id]);
    }
    expect(byName.size).toBeGreaterThan(50_000);
    for (const [name, ids] of byName) {
      const got = spec.anyTypesByName(name).map((t) => spec.typeID(t));
      if (got.join() !== ids.join()) expect({ name, got }).toEqual({ name, got: ids });
      if (ids.length === 1 && spec.typeID(spec.anyTypeByName(name)) !== ids[0]) {
        expect(name).toBe('unique and found by anyTypeByName');
      }
    }
  });

  it('the lookups made before the name index is built find what bpftool lists too', () => {
    // A Spec's first lookups go without the hash index (which the test above reaches): names
    // of four bytes or more through the prefix column, shorter ones by a scan. Each Spec here
    // answers a few dozen names, well before its index is built.
    const byName = new Map<string, { ids: number[]; kinds: string[] }>();
    for (const g of goldenTypes) {
      if (g.name === '(anon)') continue;
      const e = byName.get(g.name) ?? { ids: [], kinds: [] };
      e.ids.push(g.id);
      e.kinds.push(g.kind);
      byName.set(g.name, e);
    }
    const all = [...byName.keys()];
    const short = all.filter((n) => n.length < 4);
    const names = [...all.filter((_, i) => i % 200 === 0), ...short];
    expect(names.length).toBeGreaterThan(250);
    expect(short.length).toBeGreaterThan(5);
    let spec = Spec.parse(bytes);
    for (const [i, name] of names.entries()) {
      if (i % 40 === 0) spec = Spec.parse(bytes);
      const { ids, kinds } = byName.get(name)!;
      expect(
        spec.anyTypesByName(name).map((t) => spec.typeID(t)),
        name,
      ).toEqual(ids);
      if (ids.length === 1 && kinds[0] === 'STRUCT') {
        expect(spec.typeID(spec.typeByName(name, 'struct')), name).toBe(ids[0]);
      }
      // A name that only starts like this one (its prefix column entry matches) is not it.
      expect(spec.typeByNameOrUndefined(`${name}_not_a_type`, 'struct'), name).toBeUndefined();
    }
    expect(() => Spec.parse(bytes).anyTypesByName('no_such_type_xyz')).toThrow(NotFoundError);
  });

  it('lookup errors carry the name', () => {
    const spec = Spec.parse(bytes);
    const seen = new Set<string>();
    const dup = goldenTypes.find((g) => {
      if (g.name === '(anon)') return false;
      if (seen.has(g.name)) return true;
      seen.add(g.name);
      return false;
    })!;
    expect(() => spec.anyTypeByName(dup.name)).toThrow(MultipleMatchesError);
    expect(() => spec.anyTypeByName(dup.name)).toThrow(dup.name);
    expect(() => spec.anyTypeByName('no_such_type_xyz')).toThrow(NotFoundError);
    expect(() => spec.typeByName('task_struct', 'union')).toThrow(/union 'task_struct': not found/);
    expect(() => spec.typeByID(goldenTypes.length + 1)).toThrow(
      new RegExp(`type id ${goldenTypes.length + 1}: not found`),
    );
  });

  it('a flavored name finds its kernel type through the essential-name index only by full name', () => {
    const spec = Spec.parse(bytes);
    expect(() => spec.anyTypesByName('task_struct___flavor')).toThrow(NotFoundError);
  });

  it('typedefs resolve to what bpftool says they point at', () => {
    const spec = Spec.parse(bytes);
    const byID = new Map(goldenTypes.map((g) => [g.id, g]));
    let checked = 0;
    const wrong: number[] = [];
    for (const g of goldenTypes) {
      if (g.kind !== 'TYPEDEF') continue;
      // Follow the golden's type_id chain through typedefs and qualifiers.
      let cur = g;
      for (
        let i = 0;
        i < 32 && ['TYPEDEF', 'CONST', 'VOLATILE', 'RESTRICT', 'TYPE_TAG'].includes(cur.kind);
        i++
      ) {
        const next = Number(/type_id=(\d+)/.exec(cur.line)![1]);
        if (next === 0) break;
        cur = byID.get(next)!;
      }
      const t: Type = underlyingType(spec.typeByID(g.id));
      if (t.kind === 'void') continue;
      if (spec.typeID(t) !== cur.id) wrong.push(g.id);
      checked++;
    }
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThan(1000);
  });

  it('marshal keeps IDs and order: the dump equals bpftool, the bytes the original', () => {
    const spec = Spec.parse(bytes);
    const out = spec.marshal();
    expect(rawDump(RawBtf.parse(out)) === golden).toBe(true);
    expect(byteDiff(out, bytes)).toBeUndefined();
  });

  it('marshal to the other byte order dumps the same', () => {
    const spec = Spec.parse(bytes);
    const out = spec.marshal({ byteOrder: spec.byteOrder === 'little' ? 'big' : 'little' });
    const raw = RawBtf.parse(out);
    expect(raw.littleEndian).toBe(spec.byteOrder !== 'little');
    expect(rawDump(raw) === golden).toBe(true);
  });

  it('copy() is deep and independent, with the same IDs', () => {
    const spec = Spec.parse(bytes);
    const ts = spec.typeByName('task_struct', 'struct');
    const copy = spec.copy();
    const ts2 = copy.typeByName('task_struct', 'struct');
    expect(ts2 === ts).toBe(false);
    expect(copy.typeID(ts2)).toBe(spec.typeID(ts));
    expect(ts2.members[0]!.type === ts.members[0]!.type).toBe(false);
    expect(copy.typeID(ts2.members[0]!.type)).toBe(spec.typeID(ts.members[0]!.type));
    ts2.name = 'renamed';
    (ts2.members as Struct['members']).pop();
    expect(ts.name).toBe('task_struct');
    expect(copy.typeByID(spec.typeID(ts)) === ts2).toBe(true);
    expect(() => copy.typeID(ts)).toThrow(NotFoundError);
    // The original still marshals to the golden dump.
    expect(rawDump(RawBtf.parse(spec.marshal())) === golden).toBe(true);
    // The edit shows in the copy's encoding, at the same ID.
    const edited = RawBtf.parse(copy.marshal());
    expect(
      rawDump(edited)
        .split('\n')
        .find((l) => l.startsWith(`[${spec.typeID(ts)}] `)),
    ).toBe(`[${spec.typeID(ts)}] STRUCT 'renamed' size=${ts.size} vlen=${ts.members.length - 1}`);
  });
});
