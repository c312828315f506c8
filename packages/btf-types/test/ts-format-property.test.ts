// Property test of the generated codecs: random struct shapes (ints, bitfields of every width
// in 1- to 8-byte units, arrays, byte arrays, pointers, nested and anonymous structs and
// unions) built with the Builder, marshalled in either byte order, generated, compiled and
// round-tripped. The expected values come from reading the bytes as one big integer.
import {
  ArrayType,
  Builder,
  formatTypeScript,
  INT_SIGNED,
  INT_UNSIGNED,
  Int,
  type Member,
  Pointer,
  Spec,
  Struct,
  type Type,
  Union,
  VOID,
} from '@btfkit/types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { importTs, typecheck } from '../../../tooling/ts-compile.ts';
import { testSeed } from './helpers.ts';

type IntShape = { readonly k: 'int'; readonly size: 1 | 2 | 4 | 8; readonly signed: boolean };
type Shape =
  | IntShape
  | {
      readonly k: 'bits';
      readonly unit: 1 | 2 | 4 | 8;
      readonly bits: number;
      readonly signed: boolean;
    }
  | { readonly k: 'array'; readonly elem: IntShape; readonly n: number }
  | { readonly k: 'ptr' }
  | CompShape;
type CompShape = {
  readonly k: 'comp';
  readonly union: boolean;
  readonly named: boolean;
  readonly anon: boolean;
  readonly members: readonly Shape[];
};

const intShape: fc.Arbitrary<IntShape> = fc.record({
  k: fc.constant('int' as const),
  size: fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const),
  signed: fc.boolean(),
});
const bitsShape = fc
  .record({
    unit: fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const),
    signed: fc.boolean(),
    frac: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map(({ unit, signed, frac }) => ({
    k: 'bits' as const,
    unit,
    signed,
    bits: 1 + Math.min(unit * 8 - 1, Math.floor(frac * unit * 8)),
  }));
const { comp } = fc.letrec<{ shape: Shape; comp: CompShape }>((tie) => ({
  shape: fc.oneof(
    { depthIdentifier: 'comp', maxDepth: 3 },
    intShape,
    bitsShape,
    fc.record({
      k: fc.constant('array' as const),
      elem: intShape,
      n: fc.integer({ min: 1, max: 4 }),
    }),
    fc.constant({ k: 'ptr' as const }),
    tie('comp'),
  ),
  comp: fc.record({
    k: fc.constant('comp' as const),
    union: fc.boolean(),
    named: fc.boolean(),
    anon: fc.boolean(),
    members: fc.array(tie('shape'), { minLength: 1, maxLength: 5 }),
  }),
}));

/** One scalar the decoded value holds: where (bits, in the byte order's numbering) and how. */
interface Leaf {
  readonly path: (string | number)[];
  readonly bit: number;
  readonly bits: number;
  readonly signed: boolean;
  readonly big: boolean;
}

/** Builds the BTF of a shape with C-like layout; returns the type, size, align and leaves. */
class Layout {
  private names = 0;
  private readonly ints = new Map<string, Int>();
  private readonly index = new Int('unsigned int', 4);

  int(size: number, signed: boolean): Int {
    const key = `${size}${signed}`;
    let t = this.ints.get(key);
    if (!t) {
      t = new Int(`${signed ? 's' : 'u'}${size * 8}`, size, signed ? INT_SIGNED : INT_UNSIGNED);
      this.ints.set(key, t);
    }
    return t;
  }

  /** A struct or union and the leaves under it, relative to its start. */
  comp(
    s: CompShape,
    name: string,
  ): { type: Struct | Union; size: number; align: number; leaves: Leaf[] } {
    const members: Member[] = [];
    const leaves: Leaf[] = [];
    let pos = 0;
    let end = 0;
    let align = 1;
    for (const m of s.members) {
      const mname = `f${this.names++}`;
      if (s.union) pos = 0;
      let type: Type;
      let size: number;
      let a: number;
      let bitfield = 0;
      let sub: Leaf[] = [];
      let anonymous = false;
      switch (m.k) {
        case 'int':
          type = this.int(m.size, m.signed);
          size = a = m.size;
          sub = [{ path: [], bit: 0, bits: m.size * 8, signed: m.signed, big: m.size === 8 }];
          break;
        case 'ptr':
          type = new Pointer(VOID);
          size = a = 8;
          sub = [{ path: [], bit: 0, bits: 64, signed: false, big: true }];
          break;
        case 'array': {
          type = new ArrayType(this.int(m.elem.size, m.elem.signed), this.index, m.n);
          size = m.n * m.elem.size;
          a = m.elem.size;
          const byte = m.elem.size === 1;
          for (let i = 0; i < m.n; i++) {
            sub.push({
              path: [i],
              bit: i * m.elem.size * 8,
              bits: m.elem.size * 8,
              signed: m.elem.signed && !byte,
              big: m.elem.size === 8,
            });
          }
          break;
        }
        case 'bits': {
          type = this.int(m.unit, m.signed);
          a = m.unit;
          const unitBits = m.unit * 8;
          // gcc's rule: a bitfield does not straddle an aligned unit of its type.
          if (Math.floor(pos / unitBits) !== Math.floor((pos + m.bits - 1) / unitBits)) {
            pos = Math.ceil(pos / unitBits) * unitBits;
          }
          bitfield = m.bits;
          size = 0;
          sub = [{ path: [], bit: 0, bits: m.bits, signed: m.signed, big: m.bits > 32 }];
          break;
        }
        case 'comp': {
          const inner = this.comp(m, m.named ? `s${this.names++}` : '');
          type = inner.type;
          size = inner.size;
          a = inner.align;
          anonymous = m.anon;
          sub = inner.leaves;
          break;
        }
      }
      if (bitfield === 0) pos = Math.ceil(pos / (a * 8)) * a * 8;
      align = Math.max(align, a);
      members.push({ name: anonymous ? '' : mname, type, bitOffset: pos, bitfieldSize: bitfield });
      for (const l of sub) {
        leaves.push({ ...l, path: anonymous ? l.path : [mname, ...l.path], bit: pos + l.bit });
      }
      pos += bitfield || size * 8;
      end = Math.max(end, pos);
    }
    const size = Math.ceil(Math.ceil(end / 8) / align) * align;
    const type = s.union ? new Union(name, size, members) : new Struct(name, size, members);
    return { type, size, align, leaves };
  }
}

const toBig = (b: Uint8Array, le: boolean) => {
  let x = 0n;
  for (let i = 0; i < b.length; i++) x = (x << 8n) | BigInt(b[le ? b.length - 1 - i : i]!);
  return x;
};
const fromBig = (x: bigint, n: number, le: boolean) => {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    out[le ? i : n - 1 - i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
};

/** Where a leaf's bits sit in the bytes read as one integer. */
const shiftOf = (l: Leaf, total: number, le: boolean) =>
  BigInt(le ? l.bit : total * 8 - l.bit - l.bits);

function at(value: unknown, path: (string | number)[]): unknown {
  let cur = value;
  for (const p of path) cur = (cur as Record<string | number, unknown>)[p];
  return cur;
}

describe('gen ts: random shapes round-trip', () => {
  it('decodes what the bits say and encodes exactly the members bits', async () => {
    const seed = testSeed('gen ts property');
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(
        comp,
        fc.constantFrom('little' as const, 'big' as const),
        fc.uint8Array({ minLength: 256, maxLength: 256 }),
        async (shape, order, noise) => {
          const layout = new Layout();
          const root = layout.comp({ ...shape, named: true }, 'root');
          if (root.size === 0) return;
          const b = new Builder();
          b.add(root.type);
          const spec = Spec.parse(b.marshal({ byteOrder: order }));
          const src = formatTypeScript(spec, [spec.typeByName('root', root.type.kind)]);
          if (checked++ < 3) expect(typecheck({ 'shape.ts': src })).toEqual([]);
          const mod = await importTs(src);
          const codec = mod.root as {
            size: number;
            decode(v: DataView, o?: number): unknown;
            encode(x: unknown, v: DataView, o?: number): void;
          };
          expect(codec.size).toBe(root.size);
          const le = order === 'little';
          const bytes = Uint8Array.from({ length: root.size }, (_, i) => noise[i % 256]!);
          const x = toBig(bytes, le);
          const value = codec.decode(new DataView(bytes.buffer));
          let mask = 0n;
          for (const l of root.leaves) {
            const m = (1n << BigInt(l.bits)) - 1n;
            const shift = shiftOf(l, root.size, le);
            mask |= m << shift;
            const raw = (x >> shift) & m;
            const want = l.signed ? BigInt.asIntN(l.bits, raw) : raw;
            const got = at(value, l.path);
            expect(typeof got, l.path.join('.')).toBe(l.big ? 'bigint' : 'number');
            expect(BigInt(got as number | bigint), l.path.join('.')).toBe(want);
          }
          const out = new Uint8Array(root.size + 5);
          codec.encode(value, new DataView(out.buffer), 5);
          expect([...out.subarray(0, 5)]).toEqual([0, 0, 0, 0, 0]);
          expect([...out.subarray(5)]).toEqual([...fromBig(x & mask, root.size, le)]);
          expect(codec.decode(new DataView(out.buffer), 5)).toEqual(value);
        },
      ),
      { seed, numRuns: 100 },
    );
  });
});
