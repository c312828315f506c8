import { assembleBtf } from '@btfkit/wire';
import { afterEach, describe, expect, it } from 'vitest';
import { readFixture } from '../../../tooling/test-fixtures.ts';
import { Builder, type BuilderOptions } from './builder.js';
import { copyTypes } from './copy-types.js';
import type { MarshalOptions } from './marshal-types.js';
import { Spec } from './spec.js';
import { decoderOf, setTypeSourceLookup, type TypeSource } from './type-source.js';
import { type Int, Pointer, Struct, type Type, Typedef, VOID } from './types.js';

// A Builder finds decoded types through their source instead of hashing them, and names
// through their offsets in the source's string table. Whatever the decoder registers, the
// output must equal the hashed path's byte for byte: each test encodes with and without a
// source lookup built from the Specs' public API.

/** Encodes `types` twice: every type hashed, and decoded types found through `specs`. */
function both(
  specs: Spec[],
  types: () => Iterable<Type>,
  options: BuilderOptions = {},
  marshal: MarshalOptions = {},
): [Uint8Array, Uint8Array] {
  const encode = (): Uint8Array => {
    const b = new Builder(options);
    b.addAll(types());
    return b.marshal(marshal);
  };
  setTypeSourceLookup(undefined);
  const hashed = encode();
  const sources: TypeSource[] = specs.map((spec) => ({
    raw: spec.raw,
    idOf: (t) => {
      const id = spec.typeIDOrUndefined(t);
      // Only the Spec's own types: a split Spec's lookups also see its base's.
      return id !== undefined && id >= spec.firstTypeID ? id : undefined;
    },
  }));
  setTypeSourceLookup((t) => sources.find((s) => s.idOf(t) !== undefined));
  return [hashed, encode()];
}

/** Asserts equal bytes; `toEqual` on megabytes compares element by element, for minutes. */
function expectSameBytes(got: Uint8Array, want: Uint8Array): void {
  let diff = -1;
  const n = Math.min(got.byteLength, want.byteLength);
  for (let i = 0; i < n && diff < 0; i++) if (got[i] !== want[i]) diff = i;
  expect({ length: got.byteLength, firstDifference: diff }).toEqual({
    length: want.byteLength,
    firstDifference: -1,
  });
}

/** A little-endian blob of INTs named by the given offsets into `strings`. */
function intsNamedAt(strings: string, offsets: number[]): Uint8Array {
  const types = new DataView(new ArrayBuffer(16 * offsets.length));
  offsets.forEach((off, i) => {
    types.setUint32(16 * i, off, true);
    types.setUint32(16 * i + 4, 1 << 24, true);
    types.setUint32(16 * i + 8, 4, true);
    types.setUint32(16 * i + 12, 32, true);
  });
  return assembleBtf(new Uint8Array(types.buffer), new TextEncoder().encode(strings), true);
}

describe('Builder over decoded types', () => {
  afterEach(() => setTypeSourceLookup(decoderOf));

  const vmlinux = readFixture('vmlinux', 'vmlinux.btf.gz');

  it('encodes all of vmlinux as the hashed path does, and as copies of its types', () => {
    const spec = Spec.parse(vmlinux);
    const all = [...spec];
    const [hashed, sourced] = both([spec], () => all);
    expectSameBytes(sourced, hashed);
    const copies = copyTypes(all);
    const b = new Builder();
    b.addAll(all.map((t) => copies.get(t)!));
    expectSameBytes(b.marshal(), hashed);
    // The lookup the package uses by default: each type's own decoder.
    setTypeSourceLookup(decoderOf);
    const d = new Builder();
    d.addAll(all);
    expectSameBytes(d.marshal(), hashed);
  });

  it('edited names, hand-built types and a second source mix in anywhere', () => {
    const spec = Spec.parse(vmlinux);
    const other = spec.copy();
    const all = [...spec];
    const task = spec.typeByName('task_struct', 'struct');
    const list = spec.typeByName('list_head', 'struct');
    task.name = 'list_head';
    task.members[0]!.name = 'tâche';
    list.members[1]!.name = '';
    const own = new Struct('handmade', 8, [
      { name: 'next', type: new Pointer(list), bitOffset: 0, bitfieldSize: 0 },
    ]);
    const int = new Typedef('int', other.typeByName('int', 'int'));
    const types = (): Type[] => [...all.slice(0, 5000), own, int, ...all.slice(5000)];
    const [hashed, sourced] = both([spec, other], types);
    expectSameBytes(sourced, hashed);
    // A name added by hash first, then met again through its offset.
    const [hashed2, sourced2] = both([spec, other], () => [int, ...all]);
    expectSameBytes(sourced2, hashed2);
  });

  it('keeps every sanitization and byte order', () => {
    const spec = Spec.parse(readFixture('objects', 'basic-el.btf'));
    const sanitize = {
      declTag: true,
      typeTag: true,
      enum64: true,
      float: true,
      datasec: true,
      qmarkDatasec: true,
      func: true,
    };
    for (const marshal of [{ sanitize }, { byteOrder: 'big' as const }, {}]) {
      const [hashed, sourced] = both([spec], () => spec, {}, marshal);
      expectSameBytes(sourced, hashed);
    }
  });

  it('split BTF over a base, and seeded strings, take the hashed offsets', () => {
    const base = Spec.parse(readFixture('pahole', 'base.btf'));
    const split = Spec.parse(readFixture('pahole', 'split.btf'), { base });
    const own = (): Type[] => [...split].slice(base.nextTypeID - 1);
    const [hashed, sourced] = both([base, split], own, { base });
    expectSameBytes(sourced, hashed);
    const spec = Spec.parse(vmlinux);
    const all = [...spec];
    const seeded = both([spec], () => all, { strings: spec.raw.strings });
    expectSameBytes(seeded[1], seeded[0]);
  });

  it('names keyed by offset survive duplicate entries and offsets inside an entry', () => {
    // "a" twice, "ab" inside "xab", "ab" again, and a name that is no entry's start.
    const strings = '\0a\0a\0xab\0ab\0';
    const spec = Spec.parse(intsNamedAt(strings, [1, 3, 6, 9, 5, 1, 9]));
    const all = [...spec];
    const [hashed, sourced] = both([spec], () => all);
    expectSameBytes(sourced, hashed);
    const out = Spec.parse(sourced);
    expect([...out].map((t) => t.name)).toEqual(['a', 'a', 'ab', 'ab', 'xab', 'a', 'ab']);
    expect(new TextDecoder().decode(out.raw.strings.bytes)).toBe('\0a\0ab\0xab\0');
  });

  it('a NUL in an edited name is still an error, and void is never a source type', () => {
    const spec = Spec.parse(intsNamedAt('\0a\0\0', [1, 1]));
    const [first] = [...spec] as Int[];
    first!.name = 'a\0';
    setTypeSourceLookup(() => ({ raw: spec.raw, idOf: (t) => spec.typeIDOrUndefined(t) }));
    const b = new Builder();
    b.addAll(spec);
    expect(() => b.marshal()).toThrow(/contains NUL/);
    // This lookup's idOf gives void ID 0, which names no decoded type.
    expect(b.add(new Pointer(VOID))).toBe(3);
    expect(b.typeID(VOID)).toBe(0);
  });
});
