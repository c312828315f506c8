import { BtfError, decodeBtfExt, RawBtf, rawDump } from '@btfkit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { listFixtures, readFixture, testSeed } from '../../../tooling/test-fixtures.ts';

/** Runs `fn`; anything thrown must be one of our typed errors. */
function onlyTypedErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof BtfError)) throw e;
  }
}

function parseAndDump(bytes: Uint8Array): void {
  onlyTypedErrors(() => {
    const raw = RawBtf.parse(bytes);
    rawDump(raw);
  });
}

const seeds = listFixtures('objects', '-el.btf').map((f) => readFixture('objects', f));
const extSeeds = listFixtures('objects', '-el.btf.ext').map((f) => readFixture('objects', f));

/** A fixture with a few bytes changed, or cut short, or with bytes inserted. */
function mutated(corpus: Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc
    .record({
      which: fc.nat({ max: corpus.length - 1 }),
      edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat({ max: 3 })), {
        minLength: 1,
        maxLength: 8,
      }),
      cut: fc.option(fc.nat()),
    })
    .map(({ which, edits, cut }) => {
      let b = corpus[which]!.slice();
      for (const [pos, val, mode] of edits) {
        const at = pos % b.byteLength;
        if (mode === 3 && b.byteLength < 1 << 16) {
          const grown = new Uint8Array(b.byteLength + 1);
          grown.set(b.subarray(0, at));
          grown[at] = val;
          grown.set(b.subarray(at), at + 1);
          b = grown;
        } else if (mode === 2) {
          // Large values in a 32-bit word hit counts, offsets and lengths.
          const w = at & ~3;
          if (w + 4 <= b.byteLength) new DataView(b.buffer).setUint32(w, val * 0x01010101);
        } else {
          b[at] = val;
        }
      }
      if (cut !== null) b = b.subarray(0, cut % (b.byteLength + 1));
      return b;
    });
}

describe('property: nothing but BtfError is ever thrown', () => {
  it('on random bytes', () => {
    const seed = testSeed('random btf');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (b) => {
        parseAndDump(b);
        onlyTypedErrors(() => decodeBtfExt(b));
      }),
      { seed, numRuns: 2000 },
    );
  });

  it('on random bytes behind a valid magic and header', () => {
    const seed = testSeed('random header');
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 24, maxLength: 512 }), fc.boolean(), (b, le) => {
        const c = b.slice();
        c[0] = le ? 0x9f : 0xeb;
        c[1] = le ? 0xeb : 0x9f;
        c[2] = 1;
        c[3] = 0;
        parseAndDump(c);
      }),
      { seed, numRuns: 2000 },
    );
  });

  it('on mutated fixtures', () => {
    const seed = testSeed('mutated btf');
    fc.assert(
      fc.property(mutated(seeds), (b) => parseAndDump(b)),
      { seed, numRuns: 3000 },
    );
  });

  it('on mutated .BTF.ext fixtures', () => {
    const seed = testSeed('mutated btf.ext');
    fc.assert(
      fc.property(mutated(extSeeds), (b) => {
        onlyTypedErrors(() => decodeBtfExt(b));
      }),
      { seed, numRuns: 3000 },
    );
  });

  it('a struct claiming 16M members in a 100-byte blob fails fast without allocating', () => {
    const b = new Uint8Array(100);
    const v = new DataView(b.buffer);
    v.setUint16(0, 0xeb9f, true);
    v.setUint8(2, 1);
    v.setUint32(4, 24, true);
    v.setUint32(8, 0, true);
    v.setUint32(12, 72, true);
    v.setUint32(16, 72, true);
    v.setUint32(20, 4, true);
    v.setUint32(24 + 4, (4 << 24) | 0xffffff, true);
    expect(() => RawBtf.parse(b)).toThrow(/type id 1: offset 24: STRUCT with vlen 16777215 runs/);
  });
});
