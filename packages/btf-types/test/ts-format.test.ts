// The generated codecs against the C compiler: testdata/gen-ts/layouts.h compiled by clang for
// BPF gives the BTF; the host gcc fills every struct through C field access and records the
// bytes and the values it reads back (tooling/testdata/gen-ts-probe.py). Codecs generated
// from the BTF must decode those values and encode them back to those bytes.
import {
  BtfError,
  Builder,
  FormatError,
  formatTypeScript,
  INT_SIGNED,
  Int,
  NotSupportedError,
  Spec,
  Struct,
  type Type,
} from '@btfkit/types';
import { beforeAll, describe, expect, it } from 'vitest';
import { biomeFormat, importTs, typecheck } from '../../../tooling/ts-compile.ts';
import { readFixture, readText } from './helpers.ts';

interface Leaf {
  readonly path: string;
  readonly kind: 'int' | 'bool' | 'f32' | 'f64' | 'ptr' | 'i128' | 'u128';
  readonly union: boolean;
  readonly value: string | boolean;
}
interface Sample {
  readonly le: string;
  readonly leFF: string;
  readonly be: string;
  readonly beFF: string;
  readonly values: Leaf[];
}
interface Root {
  readonly root: string;
  /** clang's bpfel and bpfeb layout of the first sample's values (roots without unions). */
  readonly leClang?: string;
  readonly beClang?: string;
  readonly size: number;
  readonly total: number;
  readonly flex: number;
  readonly samples: Sample[];
}
interface Codec {
  readonly size: number;
  readonly align: number;
  decode(view: DataView, offset?: number, count?: number): unknown;
  encode(value: unknown, view: DataView, offset?: number): void;
}

const roots: Root[] = JSON.parse(readText('gen-ts', 'layouts.values.json'));

/** The declaration name of each root: the C name, by the documented renaming rules. */
const RENAMED: Record<string, string> = { 'struct delete': 'delete$', 'union value': 'value$' };
const codecName = (root: string) => RENAMED[root] ?? root.replace(/^(struct|union) /, '');

function rootType(spec: Spec, root: string): Type {
  const m = /^(struct|union) (.+)$/.exec(root);
  return m ? spec.typeByName(m[2]!, m[1] as 'struct' | 'union') : spec.typeByName(root, 'typedef');
}

const hex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (b) => Number.parseInt(b, 16));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/**
 * A DataView over `buf` whose accessors throw when they touch a byte outside `[lo, hi)`: the
 * codecs read and write nothing outside the value they were given.
 */
function guardedView(buf: ArrayBuffer, lo: number, hi: number): DataView {
  const view = new DataView(buf);
  return new Proxy(view, {
    get(target, prop) {
      const f = Reflect.get(target, prop, target) as unknown;
      if (typeof f !== 'function') return f;
      const m = /^[gs]et(?:Big)?(?:Uint|Int|Float)(\d+)$/.exec(String(prop));
      if (!m) return f.bind(target);
      const width = Number(m[1]) / 8;
      return (o: number, ...rest: unknown[]) => {
        if (o < lo || o + width > hi) {
          throw new Error(`${String(prop)} at ${o}..${o + width}, outside ${lo}..${hi}`);
        }
        return f.call(target, o, ...rest);
      };
    },
  });
}

/** Follows `a.b[2].c` through a decoded value. */
function at(value: unknown, path: string): unknown {
  let cur = value;
  for (const part of path.match(/[A-Za-z_][A-Za-z0-9_]*|\[\d+\]/g) ?? []) {
    const key = part.startsWith('[') ? Number(part.slice(1, -1)) : part;
    cur = (cur as Record<string | number, unknown>)[key];
  }
  return cur;
}

/** The scalar leaves of a decoded value (each byte of a Uint8Array is one). */
function countLeaves(value: unknown): number {
  if (value instanceof Uint8Array) return value.length;
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + countLeaves(v), 0);
  if (typeof value === 'object' && value !== null) {
    return Object.values(value).reduce((n: number, v) => n + countLeaves(v), 0);
  }
  return 1;
}

/** A decoded leaf as the C probe prints it. */
function show(kind: Leaf['kind'], v: unknown): string | boolean {
  switch (kind) {
    case 'bool':
      expect(typeof v).toBe('boolean');
      return v as boolean;
    case 'f32':
    case 'f64': {
      expect(typeof v).toBe('number');
      const dv = new DataView(new ArrayBuffer(8));
      if (kind === 'f32') {
        dv.setFloat32(0, v as number);
        return dv.getUint32(0).toString(16).padStart(8, '0');
      }
      dv.setFloat64(0, v as number);
      return dv.getBigUint64(0).toString(16).padStart(16, '0');
    }
    case 'ptr':
    case 'i128':
    case 'u128':
      expect(typeof v).toBe('bigint');
      return String(v);
    default:
      expect(['number', 'bigint']).toContain(typeof v);
      return String(v);
  }
}

for (const order of ['el', 'eb'] as const) {
  describe(`gen ts: layouts-${order} against gcc`, () => {
    const spec = Spec.parse(readFixture('gen-ts', `layouts-${order}.btf`));
    let source = '';
    let mod: Record<string, unknown> = {};
    beforeAll(async () => {
      source = formatTypeScript(
        spec,
        roots.map((r) => rootType(spec, r.root)),
        { source: `layouts-${order}.btf` },
      );
      mod = await importTs(source);
    });

    it('type-checks under strict and is deterministic', () => {
      expect(typecheck({ 'layouts.ts': source })).toEqual([]);
      const again = formatTypeScript(
        Spec.parse(readFixture('gen-ts', `layouts-${order}.btf`)),
        roots.map((r) => rootType(spec, r.root)),
        { source: `layouts-${order}.btf` },
      );
      expect(again).toBe(source);
      expect(source.startsWith(`// Code generated by btfkit from layouts-${order}.btf.`)).toBe(
        true,
      );
      // Formatted: the repository's Biome setup changes nothing.
      expect(biomeFormat(source) === source).toBe(true);
    });

    for (const root of roots) {
      it(`${root.root}: decodes gcc's values, encodes gcc's bytes`, () => {
        const codec = mod[codecName(root.root)] as Codec;
        expect(codec, codecName(root.root)).toBeDefined();
        expect(codec.size).toBe(root.size);
        const count = root.flex;
        const clang = order === 'el' ? root.leClang : root.beClang;
        if (clang !== undefined) {
          // The compiler that made the BTF lays the same values out as the probe's images.
          const first = root.samples[0]!;
          expect(clang).toBe(order === 'el' ? first.le : first.be);
        }
        for (const sample of root.samples) {
          const zeroed = hex(order === 'el' ? sample.le : sample.be);
          const filled = hex(order === 'el' ? sample.leFF : sample.beFF);
          expect(zeroed.length).toBe(root.total);
          const decoded = codec.decode(new DataView(filled.buffer), 0, count);
          // Every leaf the codec produced is one gcc printed, and each has gcc's value. Union
          // members on big-endian are not checked: the probe cannot read them as a
          // big-endian machine would (README); their bytes are checked below.
          expect(countLeaves(decoded)).toBe(sample.values.length);
          for (const leaf of sample.values) {
            if (order === 'eb' && leaf.union) continue;
            // An array of 8-bit integers is a Uint8Array of the bytes: `char` -41 is 215.
            const parent = at(decoded, leaf.path.replace(/\[\d+\]$/, ''));
            const want =
              parent instanceof Uint8Array ? String(Number(leaf.value) & 0xff) : leaf.value;
            expect(show(leaf.kind, at(decoded, leaf.path)), leaf.path).toEqual(want);
          }
          expect(codec.decode(new DataView(zeroed.buffer), 0, count)).toEqual(decoded);

          // Into zeroed memory: the bytes with padding and unused bits zero.
          const out = new Uint8Array(root.total);
          codec.encode(decoded, new DataView(out.buffer));
          expect(toHex(out)).toBe(toHex(zeroed));
          // Into 0xff: only the members' bits are written.
          const ff = new Uint8Array(root.total).fill(0xff);
          codec.encode(decoded, new DataView(ff.buffer));
          expect(toHex(ff)).toBe(toHex(filled));

          // At an unaligned offset inside a larger buffer: nothing outside is touched.
          const big = new Uint8Array(root.total + 8).fill(0xa5);
          big.set(filled, 3);
          expect(codec.decode(new DataView(big.buffer), 3, count)).toEqual(decoded);
          const guard = guardedView(big.buffer, 3, 3 + root.total);
          expect(codec.decode(guard, 3, count)).toEqual(decoded);
          codec.encode(decoded, guard, 3);
          const into = new Uint8Array(root.total + 8);
          codec.encode(decoded, new DataView(into.buffer), 3);
          const want = new Uint8Array(root.total + 8);
          want.set(zeroed, 3);
          expect(toHex(into)).toBe(toHex(want));
        }
      });
    }
  });
}

describe('gen ts: declarations', () => {
  const spec = Spec.parse(readFixture('gen-ts', 'layouts-el.btf'));

  it('names a clashing typedef T$typedef and a reserved word T$', async () => {
    const src = formatTypeScript(spec, [spec.typeByName('enums', 'struct')]);
    expect(src).toContain('export type clash$typedef = number;');
    expect(src).toContain('  e: clash$typedef;');
    const del = formatTypeScript(spec, [spec.typeByName('delete', 'struct')]);
    expect(del).toContain('export interface delete$ {');
  });

  it('gives enums their values by name beside the codec', async () => {
    const mod = await importTs(formatTypeScript(spec, [spec.typeByName('enums', 'struct')]));
    expect(mod.neg).toMatchObject({ NEG_MIN: -5, NEG_MAX: 7, size: 4 });
    expect(mod.big64).toMatchObject({ BIG64_MAX: 0xffffffffffn, size: 8 });
    expect(mod.tiny).toMatchObject({ TINY_B: 200, size: 1, align: 1 });
  });

  it('generates map key and value codecs named after the map', async () => {
    const src = formatTypeScript(spec, [], { maps: true });
    expect(typecheck({ 'maps.ts': src })).toEqual([]);
    const mod = await importTs(src);
    expect(mod.pointsKey).toBe(mod.point);
    expect(mod.pointsValue).toBe(mod.nested);
    const ev = mod.eventsKey as Codec;
    expect(ev.size).toBe(4);
    expect(ev.decode(new DataView(Uint8Array.of(1, 2, 3, 4).buffer))).toEqual(
      Uint8Array.of(1, 2, 3, 4),
    );
    // An anonymous value struct gets its codec under the map's name.
    expect(src).toContain('export interface statsValue {');
    const stats = mod.statsValue as Codec;
    expect(stats.size).toBe(16);
    const b = new Uint8Array(16);
    b[0] = 7;
    b[8] = 0xfd;
    expect(stats.decode(new DataView(b.buffer))).toEqual({ packets: 7n, flags: 5 });
  });

  it('every named type when none is given, big-endian when asked', async () => {
    const src = formatTypeScript(spec, undefined, { byteOrder: 'big' });
    expect(typecheck({ 'all.ts': src })).toEqual([]);
    const mod = await importTs(src);
    const u32 = mod.u32 as Codec;
    expect(u32.decode(new DataView(Uint8Array.of(0, 0, 1, 2).buffer))).toBe(0x102);
  });

  it('rejects what has no codec with a typed error', () => {
    const fn = [...spec].find((t) => t.kind === 'func' || t.kind === 'var');
    expect(fn).toBeDefined();
    expect(() => formatTypeScript(spec, [fn!])).toThrow(NotSupportedError);
  });

  it('arrays of the wrong length throw a RangeError', async () => {
    const mod = await importTs(formatTypeScript(spec, [spec.typeByName('arrays', 'struct')]));
    const codec = mod.arrays as Codec;
    const buf = new DataView(new ArrayBuffer(codec.size));
    const value = codec.decode(buf) as { name: Uint8Array; m: number[][] };
    expect(() => codec.encode({ ...value, name: new Uint8Array(3) }, buf)).toThrow(RangeError);
    expect(() => codec.encode({ ...value, m: [[1, 2, 3]] }, buf)).toThrow(RangeError);
    // A member left out is not written.
    const bytes = new Uint8Array(codec.size).fill(7);
    codec.encode({}, new DataView(bytes.buffer));
    expect(bytes.every((b) => b === 7)).toBe(true);
  });
});

describe('gen ts: bad input gets typed errors', () => {
  const int = new Int('int', 4, INT_SIGNED);
  const parse = (...types: Type[]) => {
    const b = new Builder();
    for (const t of types) b.add(t);
    return Spec.parse(b.marshal());
  };
  const member = (name: string, type: Type, bitOffset = 0, bitfieldSize = 0) => ({
    name,
    type,
    bitOffset,
    bitfieldSize,
  });

  it('a member past the end of its struct', () => {
    const spec = parse(new Struct('s', 4, [member('a', int, 32)]));
    const s = spec.typeByName('s', 'struct');
    expect(() => formatTypeScript(spec, [s])).toThrow(FormatError);
    expect(() => formatTypeScript(spec, [s])).toThrow(/struct 's' \(type id \d+\): member 'a'/);
    try {
      formatTypeScript(spec, [s]);
    } catch (e) {
      expect((e as FormatError).typeID).toBe(spec.typeID(s));
    }
  });

  it('a bitfield of a struct type, a bitfield past the end', () => {
    const inner = new Struct('inner', 4, [member('a', int)]);
    const spec = parse(new Struct('s', 8, [member('x', inner, 0, 3)]));
    expect(() => formatTypeScript(spec, [spec.typeByName('s', 'struct')])).toThrow(FormatError);
    const past = parse(new Struct('p', 4, [member('x', int, 30, 8)]));
    expect(() => formatTypeScript(past, [past.typeByName('p', 'struct')])).toThrow(FormatError);
  });

  it('a struct that holds itself by value', () => {
    const s = new Struct('self', 8, []);
    s.members.push(member('me', s));
    const spec = parse(s);
    expect(() => formatTypeScript(spec, [spec.typeByName('self', 'struct')])).toThrow(BtfError);
  });

  it('anonymous members nested 100000 deep: an error, not a stack overflow', () => {
    let t: Type = int;
    for (let i = 0; i < 100_000; i++) t = new Struct('', 4, [member('', t)]);
    const spec = parse(new Struct('deep', 4, [member('', t)]));
    expect(() => formatTypeScript(spec, [spec.typeByName('deep', 'struct')])).toThrow(BtfError);
  });

  it('named structs nested 2000 deep by value: generated without recursion', () => {
    let t: Type = int;
    for (let i = 0; i < 2000; i++) t = new Struct(`n${i}`, 4, [member('x', t)]);
    const spec = parse(t);
    // libbpf's alignment rule recurses 32 levels at most: deeper nesting is refused as such.
    expect(() => formatTypeScript(spec, [spec.typeByName('n1999', 'struct')])).toThrow(BtfError);
    expect(formatTypeScript(spec, [spec.typeByName('n20', 'struct')])).toContain(
      'export interface n0 {',
    );
  });
});

describe('gen ts: split BTF', () => {
  it("generates the split part's types and the base types they hold", () => {
    const base = Spec.parse(readFixture('pahole', 'base.btf'));
    const split = Spec.parse(readFixture('pahole', 'split.btf'), { base });
    const src = formatTypeScript(split);
    expect(typecheck({ 'split.ts': src })).toEqual([]);
    const own = new Set<string>();
    for (let id = split.firstTypeID; id < split.nextTypeID; id++) {
      const t = split.typeByID(id);
      if ((t.kind === 'struct' || t.kind === 'union') && t.name) own.add(t.name);
    }
    expect(own.size).toBeGreaterThan(0);
    for (const name of own) expect(src).toContain(`export interface ${name} {`);
    // Base types come along when reached by value (split_rec.owner is a base id_t), the
    // others do not (the base's struct table).
    expect(src).toContain('  owner: id_t;');
    expect(src).toContain('export type id_t = u32;');
    expect(src).not.toContain('export interface table {');
    expect(formatTypeScript(base)).toContain('export interface table {');
  });
});
