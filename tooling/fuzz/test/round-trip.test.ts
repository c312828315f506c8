import { Builder, type ByteOrder, Spec, type Type } from '@btfkit/types';
import { jsonDump, RawBtf, rawDump } from '@btfkit/wire';
import { describe, expect, it } from 'vitest';
import { byteDiff } from '../../test-fixtures.ts';
import { listTestdata } from '../src/paths.js';
import { Random } from '../src/random.js';
import { typeShape } from '../src/type-shape.js';
import { fixture, testSeed } from './helpers.js';

const other = (o: ByteOrder): ByteOrder => (o === 'little' ? 'big' : 'little');

let vmlinuxBytes: Uint8Array | undefined;
function vmlinux(): Uint8Array {
  vmlinuxBytes ??= fixture('vmlinux', 'vmlinux.btf.gz');
  return vmlinuxBytes;
}

describe('vmlinux, shuffled', () => {
  it('types added in a seeded random order marshal, parse back and equal the originals', () => {
    const seed = testSeed('vmlinux shuffle');
    const spec = Spec.parse(vmlinux());
    const types: Type[] = [];
    for (let id = 1; id < spec.nextTypeID; id++) types.push(spec.typeByID(id));
    new Random(seed).shuffle(types);

    const b = new Builder();
    b.addAll(types);
    const back = Spec.parse(b.marshal({ byteOrder: spec.byteOrder }));
    expect(back.nextTypeID).toBe(spec.nextTypeID);

    const newID = (t: Type) => b.typeID(t);
    const backID = (t: Type) => back.typeID(t);
    let moved = 0;
    const mismatches: string[] = [];
    for (const t of types) {
      const id = b.typeID(t);
      if (id !== spec.typeID(t)) moved++;
      const want = typeShape(t, newID);
      const got = typeShape(back.typeByID(id), backID);
      if (got !== want) mismatches.push(`[${spec.typeID(t)} -> ${id}] ${want}\n  became ${got}`);
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
    // The shuffle really renumbered the types, or the test proves nothing.
    expect(moved).toBeGreaterThan(types.length / 2);
  });
});

/** Every standalone BTF fixture: the objects' `.btf`, pahole's base, and vmlinux. */
function standalone(): [string, () => Uint8Array][] {
  return [
    ...listTestdata('objects', (f) => f.endsWith('.btf')).map((f): [string, () => Uint8Array] => [
      f,
      () => fixture('objects', f),
    ]),
    ['pahole/base.btf', () => fixture('pahole', 'base.btf')],
    ['vmlinux.btf.gz', vmlinux],
  ];
}

describe('byte order conversion preserves every type', () => {
  for (const [name, load] of standalone()) {
    it(name, () => {
      const spec = Spec.parse(load());
      const dump = rawDump(spec.raw);
      const swapped = spec.marshal({ byteOrder: other(spec.byteOrder) });
      const raw = RawBtf.parse(swapped);
      expect(raw.littleEndian).toBe(spec.byteOrder === 'big');
      expect(raw.typeCount).toBe(spec.raw.typeCount);
      expect(rawDump(raw)).toBe(dump);
      expect(jsonDump(raw)).toBe(jsonDump(spec.raw));
      // And converted back, the bytes are those of a re-encode in the original order.
      const back = Spec.parse(swapped).marshal({ byteOrder: spec.byteOrder });
      expect(byteDiff(back, spec.marshal())).toBeUndefined();
    });
  }

  it('pahole split BTF, converted with its base', () => {
    const base = Spec.parse(fixture('pahole', 'base.btf'));
    const split = Spec.parse(fixture('pahole', 'split.btf'), { base });
    const order = other(base.byteOrder);
    const base2 = Spec.parse(base.marshal({ byteOrder: order }));
    const split2 = Spec.parse(split.marshal({ byteOrder: order }), { base: base2 });
    expect(split2.byteOrder).toBe(order);
    expect(rawDump(split2.raw)).toBe(rawDump(split.raw));
    expect(jsonDump(split2.raw)).toBe(jsonDump(split.raw));
  });
});
