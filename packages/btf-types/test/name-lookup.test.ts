import { Builder, Enum, Int, Spec, Struct, Typedef, Union } from '@btfkit/types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { testSeed } from './helpers.js';

// A Spec answers name lookups three ways: a scan of the records (names under four bytes),
// a column of every name's first four bytes searched natively (the first lookups), and a hash
// index (once lookups have cost what building it does). All three must give what a walk over
// every type gives, for names that share prefixes, names shorter than the prefix, names that
// are prefixes of others, non-ASCII names, flavors (`x___v1`) and split BTF whose names sit
// in the base's string table.

/** Names from a small alphabet, so that many share their first bytes. */
const nameArb = fc.oneof(
  fc.stringMatching(/^[ab_][ab_]{0,6}$/),
  fc.constantFrom('a', 'ab', 'abc', 'abcd', 'abcde', 'ab___v1', 'abcd___v2', 'żółw', 'żół', 'ab€'),
);

type Made = { kind: 'struct' | 'union' | 'typedef' | 'int' | 'enum'; name: string };
const madeArb: fc.Arbitrary<Made> = fc.record({
  kind: fc.constantFrom('struct', 'union', 'typedef', 'int', 'enum'),
  name: nameArb,
});

function make(m: Made, int: Int) {
  switch (m.kind) {
    case 'struct':
      return new Struct(m.name, 4, [{ name: 'x', type: int, bitOffset: 0, bitfieldSize: 0 }]);
    case 'union':
      return new Union(m.name, 4, []);
    case 'typedef':
      return new Typedef(m.name, int);
    case 'int':
      return new Int(m.name, 4, 0);
    case 'enum':
      return new Enum(m.name, 4, [{ name: 'V', value: 1n }]);
  }
}

/** IDs of every type of `spec` (and its base) named `name`, by decoding them all. */
function walk(spec: Spec, name: string, kind?: string): number[] {
  const out: number[] = [];
  for (let id = 1; id < spec.nextTypeID; id++) {
    const t = spec.typeByID(id);
    if (t.name === name && (kind === undefined || t.kind === kind)) out.push(id);
  }
  return out;
}

/** What `anyTypesByName` gives, as IDs; [] for NotFoundError. */
function byName(spec: Spec, name: string): number[] {
  try {
    return spec.anyTypesByName(name).map((t) => spec.typeID(t));
  } catch (err) {
    if ((err as Error).name !== 'NotFoundError') throw err;
    return [];
  }
}

/** The names a lookup asks: every made name, its prefixes and extensions, and strangers. */
function queries(names: readonly string[]): string[] {
  const q = new Set<string>(['', 'zzzz', 'abcdefgh']);
  for (const n of names) {
    q.add(n);
    q.add(n.slice(0, -1));
    q.add(`${n}a`);
    q.add(`${n}___v1`);
  }
  return [...q];
}

function check(spec: Spec, names: readonly string[]) {
  const qs = queries(names);
  // Each query first on a fresh Spec (scan or prefix column), then all on one Spec, more
  // than enough of them to build its hash index midway.
  const fresh = () => Spec.parse(spec.raw.bytes, spec.base ? { base: spec.base } : {});
  for (const q of qs) expect(byName(fresh(), q), q).toEqual(walk(spec, q));
  const one = fresh();
  // Rounds of lookups on one Spec until well past the hundred or so that the lookup cost
  // model (PREFIX_LOOKUP_COST in src/name-index.ts) allows before it builds the hash index.
  let asked = 0;
  for (let round = 0; round < 2 || asked < 250; round++) {
    for (const q of qs) {
      expect(byName(one, q), q).toEqual(walk(spec, q));
      asked++;
      for (const kind of ['struct', 'typedef'] as const) {
        const want = walk(spec, q, kind);
        if (want.length > 1) continue;
        const got = one.typeByNameOrUndefined(q, kind);
        expect(got === undefined ? [] : [one.typeID(got)], `${kind} ${q}`).toEqual(want);
        asked++;
      }
    }
  }
}

describe('name lookups', () => {
  it('scan, prefix column and hash index all find what a walk over every type finds', () => {
    fc.assert(
      fc.property(fc.array(madeArb, { minLength: 1, maxLength: 60 }), (made) => {
        const b = new Builder();
        const int = new Int('int', 4, 1);
        b.add(int);
        for (const m of made) b.add(make(m, int));
        check(Spec.parse(b.marshal()), ['int', ...made.map((m) => m.name)]);
      }),
      { seed: testSeed('name lookups'), numRuns: 40 },
    );
  });

  it('split BTF: names in the base string table and in the split one are found alike', () => {
    fc.assert(
      fc.property(
        fc.array(madeArb, { minLength: 1, maxLength: 30 }),
        fc.array(madeArb, { minLength: 1, maxLength: 30 }),
        (inBase, inSplit) => {
          const bb = new Builder();
          const int = new Int('int', 4, 1);
          bb.add(int);
          for (const m of inBase) bb.add(make(m, int));
          const base = Spec.parse(bb.marshal());
          const sb = new Builder({ base });
          const baseInt = base.typeByID(1) as Int;
          for (const m of inSplit) sb.add(make(m, baseInt));
          const split = Spec.parse(sb.marshal(), { base });
          check(split, ['int', ...inBase.map((m) => m.name), ...inSplit.map((m) => m.name)]);
        },
      ),
      { seed: testSeed('name lookups split'), numRuns: 30 },
    );
  });
});
