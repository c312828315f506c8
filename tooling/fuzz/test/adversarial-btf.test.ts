import {
  BtfError,
  formatType,
  MAX_RESOLVE_DEPTH,
  NotFoundError,
  Spec,
  sizeof,
  type Type,
  underlyingType,
} from '@btfkit/types';
import { BTF_KIND, FormatError, RawBtf, rawDump } from '@btfkit/wire';
import { describe, expect, it } from 'vitest';
import { typeShape } from '../src/type-shape.js';
import { expectContract, info, measure } from './helpers.js';

/** An error class, for `toBeInstanceOf`. */
type ErrorClass = abstract new (...args: never[]) => Error;

const BTF_TARGETS = ['wire', 'types'] as const;
const STRINGS = new TextEncoder().encode('\0int\0t\0a\0');
const INT_NAME = 1;
const T_NAME = 5;
const A_NAME = 7;

/** A blob from type-section words and a string section, with a 24-byte header. */
function rawBlob(words: ArrayLike<number>, strings = STRINGS, le = true): Uint8Array {
  const typeLen = words.length * 4;
  const out = new Uint8Array(24 + typeLen + strings.byteLength);
  const v = new DataView(out.buffer);
  v.setUint16(0, 0xeb9f, le);
  v.setUint8(2, 1);
  v.setUint32(4, 24, le);
  v.setUint32(8, 0, le);
  v.setUint32(12, typeLen, le);
  v.setUint32(16, typeLen, le);
  v.setUint32(20, strings.byteLength, le);
  for (let i = 0; i < words.length; i++) v.setUint32(24 + 4 * i, words[i]! >>> 0, le);
  out.set(strings, 24 + typeLen);
  return out;
}

/** Type 1: a 4-byte signed INT named `int`. */
const INT = [INT_NAME, info(BTF_KIND.INT, 0), 4, (1 << 24) | 32];

function ref(kind: number, type: number, name = 0): number[] {
  return [name, info(kind, 0), type];
}

/** `n` typedefs named `t` over type 1 (INT): type k + 1 is a k-deep chain. */
function typedefChain(n: number): Uint32Array {
  const words = new Uint32Array(INT.length + 3 * n);
  words.set(INT);
  const typedefInfo = info(BTF_KIND.TYPEDEF, 0);
  for (let i = 0, p = INT.length; i < n; i++, p += 3) {
    words[p] = T_NAME;
    words[p + 1] = typedefInfo;
    words[p + 2] = i + 1;
  }
  return words;
}

function expectBtfError(fn: () => unknown, cls: ErrorClass = BtfError): BtfError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(cls);
  return caught as BtfError;
}

describe('a 1,000,000-deep typedef chain', () => {
  const N = 1_000_000;
  const bytes = rawBlob(typedefChain(N));
  // Inflated once and shared: inflating a million types is the slow part.
  let shared: Spec | undefined;
  const chain = (): Spec => {
    shared ??= Spec.parse(bytes);
    return shared;
  };

  it('loads and inflates from the top with the default stack', () => {
    const spec = chain();
    expect(spec.nextTypeID).toBe(N + 2);
    const top = spec.typeByID(N + 1);
    expect(formatType(top)).toBe("typedef 't' -> typedef 't'");
    let t: Type = top;
    let depth = 0;
    while (t.kind === 'typedef') {
      t = t.type;
      depth++;
    }
    expect(depth).toBe(N);
    expect(t).toBe(spec.typeByID(1));
  });

  it("underlyingType and sizeof stop at libbpf's depth limit with a BtfError, not a stack overflow", () => {
    const spec = chain();
    const top = spec.typeByID(N + 1);
    expect(expectBtfError(() => underlyingType(top)).message).toContain(`${MAX_RESOLVE_DEPTH}`);
    expect(expectBtfError(() => sizeof(top)).message).toContain(`${MAX_RESOLVE_DEPTH}`);
    // Below the limit a chain resolves; past it, it does not. (Exactly at the limit libbpf's
    // btf__resolve_size and this package differ by one level; see the fuzz report.)
    const below = spec.typeByID(MAX_RESOLVE_DEPTH - 1 + 1);
    expect(underlyingType(below)).toBe(spec.typeByID(1));
    expect(sizeof(below)).toBe(4);
    expectBtfError(() => underlyingType(spec.typeByID(MAX_RESOLVE_DEPTH + 1 + 1)));
    expectBtfError(() => sizeof(spec.typeByID(MAX_RESOLVE_DEPTH + 1 + 1)));
  });

  it('inflates from the bottom when every typedef refers forward', () => {
    const words = new Uint32Array(3 * N + INT.length);
    const typedefInfo = info(BTF_KIND.TYPEDEF, 0);
    for (let i = 0; i < N; i++) {
      words[3 * i] = T_NAME;
      words[3 * i + 1] = typedefInfo;
      words[3 * i + 2] = i + 2;
    }
    words.set(INT, 3 * N);
    const spec = Spec.parse(rawBlob(words));
    const first = spec.typeByID(1);
    let t: Type = first;
    let depth = 0;
    while (t.kind === 'typedef') {
      t = t.type;
      depth++;
    }
    expect(depth).toBe(N);
    expect(t.kind).toBe('int');
  });

  it('marshals and parses back to the same chain', () => {
    const spec = chain();
    const back = Spec.parse(spec.marshal());
    expect(back.nextTypeID).toBe(N + 2);
    for (const id of [1, 2, 3, N, N + 1]) {
      expect(typeShape(back.typeByID(id), (t) => back.typeID(t))).toBe(
        typeShape(spec.typeByID(id), (t) => spec.typeID(t)),
      );
    }
  });

  it('dumps raw with the default stack', () => {
    const raw = RawBtf.parse(rawBlob(typedefChain(100_000)));
    expect(rawDump(raw).split('\n')[100_000]).toBe("[100001] TYPEDEF 't' type_id=100000");
  });
});

describe('cycles', () => {
  it('a struct whose member points to the struct inflates to one object', () => {
    const bytes = rawBlob([
      A_NAME,
      info(BTF_KIND.STRUCT, 1),
      8,
      T_NAME,
      2,
      0,
      ...ref(BTF_KIND.PTR, 1),
    ]);
    const spec = Spec.parse(bytes);
    const s = spec.typeByID(1);
    if (s.kind !== 'struct') throw new Error('not a struct');
    const p = s.members[0]!.type;
    expect(p.kind === 'pointer' && p.target).toBe(s);
    expect(sizeof(s)).toBe(8);
    expectContract(bytes, BTF_TARGETS);
  });

  it('a struct that contains itself, and a pointer to itself, terminate', () => {
    const bytes = rawBlob([
      A_NAME,
      info(BTF_KIND.STRUCT, 1),
      4,
      T_NAME,
      1,
      0,
      ...ref(BTF_KIND.PTR, 2),
    ]);
    const spec = Spec.parse(bytes);
    const s = spec.typeByID(1);
    expect(s.kind === 'struct' && s.members[0]!.type).toBe(s);
    const p = spec.typeByID(2);
    expect(p.kind === 'pointer' && p.target).toBe(p);
    expect(underlyingType(p)).toBe(p);
    expect(sizeof(p)).toBe(8);
    expectContract(bytes, BTF_TARGETS);
  });

  const selfRefs: [string, number[]][] = [
    ['typedef', ref(BTF_KIND.TYPEDEF, 1, T_NAME)],
    ['const', ref(BTF_KIND.CONST, 1)],
    ['volatile', ref(BTF_KIND.VOLATILE, 1)],
    ['restrict', ref(BTF_KIND.RESTRICT, 1)],
    ['type_tag', ref(BTF_KIND.TYPE_TAG, 1, T_NAME)],
  ];
  for (const [kind, words] of selfRefs) {
    it(`a ${kind} to itself inflates, and resolving it is a BtfError, not a hang`, () => {
      const bytes = rawBlob(words);
      const spec = Spec.parse(bytes);
      const t = spec.typeByID(1);
      expect(t.kind === kind && 'type' in t && t.type).toBe(t);
      expectBtfError(() => underlyingType(t));
      expectBtfError(() => sizeof(t));
      expect(formatType(t)).toContain(kind);
      expectContract(bytes, BTF_TARGETS);
    });
  }

  it('typedefs that refer to each other, an array of itself and a var of itself', () => {
    const bytes = rawBlob([
      ...ref(BTF_KIND.TYPEDEF, 2, T_NAME),
      ...ref(BTF_KIND.TYPEDEF, 1, A_NAME),
      0,
      info(BTF_KIND.ARRAY, 0),
      0,
      3,
      4,
      2,
      T_NAME,
      info(BTF_KIND.VAR, 0),
      4,
      1,
    ]);
    const spec = Spec.parse(bytes);
    for (let id = 1; id <= 4; id++) expectBtfError(() => sizeof(spec.typeByID(id)));
    expectBtfError(() => underlyingType(spec.typeByID(1)));
    expectContract(bytes, BTF_TARGETS);
  });

  it('a FUNC whose prototype is itself is a FormatError', () => {
    const bytes = rawBlob([T_NAME, info(BTF_KIND.FUNC, 1), 1]);
    expectBtfError(() => Spec.parse(bytes).typeByID(1), FormatError);
    expectContract(bytes, BTF_TARGETS);
  });
});

describe('claimed counts larger than the input', () => {
  const kinds: [string, number][] = [
    ['STRUCT', BTF_KIND.STRUCT],
    ['UNION', BTF_KIND.UNION],
    ['ENUM', BTF_KIND.ENUM],
    ['ENUM64', BTF_KIND.ENUM64],
    ['FUNC_PROTO', BTF_KIND.FUNC_PROTO],
    ['DATASEC', BTF_KIND.DATASEC],
  ];
  for (const [name, kind] of kinds) {
    it(`a ${name} with 16M members in a 100-byte blob is a FormatError, allocating nothing`, () => {
      const words = [A_NAME, info(kind, 0xff_ffff), 8, ...new Array<number>(13).fill(0)];
      const bytes = rawBlob(words, STRINGS);
      expect(bytes.byteLength).toBeLessThanOrEqual(100);
      for (const parse of [() => RawBtf.parse(bytes), () => Spec.parse(bytes)]) {
        const { grew, error } = measure(parse);
        expect(error).toBeInstanceOf(FormatError);
        expect((error as FormatError).message).toMatch(/^btf: type id 1: offset 24: /);
        expect(grew).toBeLessThan(1024 * 1024);
      }
      expectContract(bytes, BTF_TARGETS);
    });
  }

  it('a type_len and str_len past the end are FormatErrors', () => {
    const good = rawBlob(INT);
    for (const field of [12, 20]) {
      for (const v of [0xffff_ffff, 0x7fff_ffff, 16 * 1024 * 1024 * 12, good.byteLength]) {
        const bytes = good.slice();
        new DataView(bytes.buffer).setUint32(field, v, true);
        const { grew, error } = measure(() => RawBtf.parse(bytes));
        expect(error).toBeInstanceOf(FormatError);
        expect(grew).toBeLessThan(1024 * 1024);
        expectContract(bytes, BTF_TARGETS);
      }
    }
  });
});

describe('type IDs out of range', () => {
  const cases: [string, number[]][] = [
    ['pointer to 99', ref(BTF_KIND.PTR, 99)],
    ['typedef to 0xffffffff', ref(BTF_KIND.TYPEDEF, 0xffff_ffff, T_NAME)],
    ['array element past the end', [0, info(BTF_KIND.ARRAY, 0), 0, 7, 1, 4]],
    ['array index 2^31', [0, info(BTF_KIND.ARRAY, 0), 0, 1, 0x8000_0000, 4]],
    ['struct member past the end', [A_NAME, info(BTF_KIND.STRUCT, 1), 4, T_NAME, 1000, 0]],
    ['func_proto parameter past the end', [0, info(BTF_KIND.FUNC_PROTO, 1), 0, T_NAME, 5]],
    ['datasec variable past the end', [A_NAME, info(BTF_KIND.DATASEC, 1), 4, 9, 0, 4]],
    ['decl_tag target past the end', [T_NAME, info(BTF_KIND.DECL_TAG, 0), 2, 0xffff_ffff]],
  ];
  for (const [what, words] of cases) {
    it(`${what}: inflating is a FormatError`, () => {
      const bytes = rawBlob(words);
      const spec = Spec.parse(bytes);
      const err = expectBtfError(() => spec.typeByID(1), FormatError);
      expect((err as FormatError).typeID).toBe(1);
      // The failed type is not left half-built in the cache.
      expectBtfError(() => spec.typeByID(1), FormatError);
      expectContract(bytes, BTF_TARGETS);
    });
  }

  it('looking up IDs that do not exist is a NotFoundError', () => {
    const spec = Spec.parse(rawBlob(INT));
    for (const id of [2, 99, -1, 0xffff_ffff, 1.5, Number.NaN]) {
      expectBtfError(() => spec.typeByID(id), NotFoundError);
    }
    expectBtfError(() => RawBtf.parse(rawBlob(INT)).record(2), NotFoundError);
  });
});

describe('string offsets at the edge of the string table', () => {
  // "\0int\0t\0a\0": the last byte, offset 8, is the final NUL.
  const last = STRINGS.byteLength - 1;

  it("a name at the table's last byte is the empty string", () => {
    const bytes = rawBlob([last, ...INT.slice(1)]);
    const raw = RawBtf.parse(bytes);
    expect(raw.name(last)).toBe('');
    expect(Spec.parse(bytes).typeByID(1).name).toBe('');
    expectContract(bytes, BTF_TARGETS);
  });

  it('a name one past the end, or at 0xffffffff, is a FormatError when inflated', () => {
    for (const off of [STRINGS.byteLength, 0xffff_ffff]) {
      const bytes = rawBlob([off, ...INT.slice(1)]);
      expect(RawBtf.parse(bytes).name(off)).toBeUndefined();
      expectBtfError(() => Spec.parse(bytes).typeByID(1), FormatError);
      expectContract(bytes, BTF_TARGETS);
    }
  });

  it('a string table whose last byte is not NUL is a FormatError', () => {
    const strings = new TextEncoder().encode('\0int');
    const bytes = rawBlob([INT_NAME, ...INT.slice(1)], strings);
    expectBtfError(() => RawBtf.parse(bytes), FormatError);
    expectContract(bytes, BTF_TARGETS);
  });
});

describe('headers with huge hdr_len', () => {
  const good = rawBlob(INT);
  const values = [
    0xffff_ffff,
    0x8000_0000,
    0x7fff_ffff,
    0xffff_fff0,
    good.byteLength,
    good.byteLength + 1,
    25,
    32,
    33,
  ];
  for (const v of values) {
    it(`hdr_len 0x${v.toString(16)}`, () => {
      const bytes = good.slice();
      new DataView(bytes.buffer).setUint32(4, v, true);
      const { grew, error } = measure(() => RawBtf.parse(bytes));
      if (error !== undefined) expect(error).toBeInstanceOf(FormatError);
      expect(grew).toBeLessThan(1024 * 1024);
      expectContract(bytes, BTF_TARGETS);
    });
  }

  it('type_off and str_off that only fit when sums wrap at 2^32', () => {
    const bytes = good.slice();
    const v = new DataView(bytes.buffer);
    v.setUint32(8, 0xffff_fff0, true);
    v.setUint32(12, 0x20, true);
    expectBtfError(() => RawBtf.parse(bytes), FormatError);
    const b2 = good.slice();
    new DataView(b2.buffer).setUint32(16, 0xffff_ffff, true);
    expectBtfError(() => RawBtf.parse(b2), FormatError);
    expectContract(bytes, BTF_TARGETS);
    expectContract(b2, BTF_TARGETS);
  });
});
