import { dedupBtf } from '@btfkit/types';
import { type BtfRecord, RawBtf, rawDump } from '@btfkit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { listFixtures, readFixture, testSeed } from './helpers.js';

// Properties of dedup over random appends of the committed blobs (objects of both byte
// orders, hand-made cases), repeats and any order allowed.

const blobs = [
  ...listFixtures('objects', '.btf')
    .filter((f) => !f.endsWith('.libbpf.btf'))
    .map((f) => ({ name: `objects/${f}`, bytes: readFixture('objects', f) })),
  ...listFixtures('dedup/cases', '.btf')
    .filter((f) => !f.includes('.dedup.') && !f.includes('base') && !f.startsWith('ptr-loop'))
    .map((f) => ({ name: `dedup/cases/${f}`, bytes: readFixture('dedup/cases', f) })),
];

const appends = fc.array(fc.integer({ min: 0, max: blobs.length - 1 }), {
  minLength: 1,
  maxLength: 6,
});

/** The fields of a record other than names and referenced IDs, as text. */
function shape(r: BtfRecord): string {
  const { nameOff: _n, ...rest } = r as BtfRecord & Record<string, unknown>;
  return JSON.stringify(rest, (k, v) =>
    typeof v === 'bigint'
      ? `${v}n`
      : k === 'type' || k === 'indexType' || k === 'returnType' || k === 'nameOff'
        ? undefined
        : v,
  );
}

/** Every (name, referenced ID) of a record, in order. */
function links(raw: RawBtf, r: BtfRecord): (string | number)[] {
  const out: (string | number)[] = [raw.name(r.nameOff) ?? '?'];
  const rec = r as unknown as Record<string, unknown>;
  for (const k of ['type', 'indexType', 'returnType']) if (k in rec) out.push(rec[k] as number);
  for (const list of ['members', 'params', 'values', 'entries']) {
    const items = rec[list] as Record<string, unknown>[] | undefined;
    for (const it of items ?? []) {
      if ('nameOff' in it) out.push(raw.name(it.nameOff as number) ?? '?');
      if ('type' in it) out.push(it.type as number);
    }
  }
  return out;
}

describe('dedupBtf properties', () => {
  it('is idempotent: dedup of its output dumps the same', () => {
    const seed = testSeed('dedup idempotent');
    fc.assert(
      fc.property(appends, (picks) => {
        const once = dedupBtf(picks.map((i) => blobs[i]!.bytes));
        const twice = dedupBtf([once.btf]);
        expect(twice.typesOut).toBe(once.typesOut);
        expect(rawDump(RawBtf.parse(twice.btf))).toBe(rawDump(RawBtf.parse(once.btf)));
      }),
      { seed, numRuns: 60 },
    );
  });

  it('maps every input type to an output type of the same shape, names and references', () => {
    const seed = testSeed('dedup maps types');
    fc.assert(
      fc.property(appends, (picks) => {
        const inputs = picks.map((i) => RawBtf.parse(blobs[i]!.bytes));
        const r = dedupBtf(inputs.map((x) => x.bytes));
        const out = RawBtf.parse(r.btf);
        let first = 1;
        for (const input of inputs) {
          for (let id = 1; id < input.nextTypeID; id++) {
            const a = input.record(id);
            const to = r.typeMap[first + id - 1]!;
            const b = out.record(to);
            const la = links(input, a).map((x) =>
              typeof x === 'number' ? (x === 0 ? 0 : r.typeMap[first + x - 1]) : x,
            );
            const lb = links(out, b);
            if (a.kind === 7 && (b.kind === 4 || b.kind === 5)) {
              // A forward declaration resolved to its struct or union: the name is kept.
              expect(lb[0]).toBe(la[0]);
              expect(b.kind === 5).toBe(a.kflag);
              continue;
            }
            if ((a.kind === 6 || a.kind === 19) && 'values' in a && a.values.length === 0) {
              // An enum forward declaration resolved to the full enum.
              expect(lb[0]).toBe(la[0]);
              expect(b.kind === 6 || b.kind === 19).toBe(true);
              continue;
            }
            expect(shape(b)).toBe(shape(a));
            expect(lb).toEqual(la);
          }
          first += input.typeCount;
        }
      }),
      { seed, numRuns: 60 },
    );
  });
});
