import {
  AlignmentResolver,
  type AlignSource,
  BTF_KIND,
  type BtfKindName,
  type BtfRecord,
  ByteWriter,
  EncodeError,
  encodeRecord,
  FormatError,
  forEachTypeRefWord,
  guessPointerSize,
  infoKflag,
  infoKind,
  infoVlen,
  jsonDump,
  KIND_FORMAT,
  KIND_NAMES,
  KIND_SINCE,
  MAX_RESOLVE_DEPTH,
  makeInfo,
  mapRecordTypeIDs,
  RawBtf,
  rawDump,
  refersByTypeWord,
  resolveSize,
  SIZE_NONE,
  SIZE_TOO_DEEP,
  type SizeSource,
  trailingSize,
} from '@btfkit/wire';
import { describe, expect, it } from 'vitest';
import { blob, intRecord, refRecord } from '../../../tooling/test-blobs.ts';

const KINDS = Object.entries(BTF_KIND) as [BtfKindName, number][];

/** One record of every kind with `vlen` entries where the kind has them. */
function recordOf(kind: number, n: number): BtfRecord {
  const base = { nameOff: 0, kflag: false };
  const many = <T>(f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
  switch (kind) {
    case BTF_KIND.INT:
      return intRecord(0);
    case BTF_KIND.PTR:
    case BTF_KIND.TYPEDEF:
    case BTF_KIND.VOLATILE:
    case BTF_KIND.CONST:
    case BTF_KIND.RESTRICT:
    case BTF_KIND.TYPE_TAG:
      return refRecord(kind, 1);
    case BTF_KIND.ARRAY:
      return { ...base, kind, type: 1, indexType: 1, nelems: 2 };
    case BTF_KIND.STRUCT:
    case BTF_KIND.UNION:
      return { ...base, kind, size: 4, members: many(() => ({ nameOff: 0, type: 1, offset: 0 })) };
    case BTF_KIND.ENUM:
      return { ...base, kind, size: 4, values: many((i) => ({ nameOff: 0, value: i })) };
    case BTF_KIND.ENUM64:
      return { ...base, kind, size: 8, values: many((i) => ({ nameOff: 0, value: BigInt(i) })) };
    case BTF_KIND.FWD:
      return { ...base, kind };
    case BTF_KIND.FUNC:
      return { ...base, kind, type: 1, linkage: 1 };
    case BTF_KIND.FUNC_PROTO:
      return { ...base, kind, returnType: 1, params: many(() => ({ nameOff: 0, type: 1 })) };
    case BTF_KIND.VAR:
      return { ...base, kind, type: 1, linkage: 0 };
    case BTF_KIND.DATASEC:
      return { ...base, kind, size: 4, entries: many(() => ({ type: 1, offset: 0, size: 4 })) };
    case BTF_KIND.FLOAT:
      return { ...base, kind, size: 4 };
    case BTF_KIND.DECL_TAG:
      return { ...base, kind, type: 1, componentIdx: -1 };
    default:
      throw new Error(`no record for kind ${kind}`);
  }
}

describe('the record format tables', () => {
  it('every BTF_KIND has a name, a kernel version and a format entry', () => {
    for (const [name, kind] of KINDS) {
      expect(KIND_NAMES[kind], name).toBe(name === 'UNKN' ? 'UNKNOWN' : name);
      expect(KIND_SINCE[kind], name).toMatch(/^\d+\.\d+$/);
      expect(KIND_FORMAT[name], name).toBeDefined();
    }
    expect(Object.keys(KIND_FORMAT).sort()).toEqual(KINDS.map(([n]) => n).sort());
    expect(KIND_NAMES.length).toBe(KINDS.length);
    expect(KIND_SINCE.length).toBe(KINDS.length);
  });

  it('trailingSize is what the encoder writes after the 12-byte header, for vlen 0 to 3', () => {
    for (const [name, kind] of KINDS) {
      if (kind === BTF_KIND.UNKN) {
        expect(trailingSize(kind, 0)).toBe(-1);
        continue;
      }
      for (let n = 0; n < 4; n++) {
        const w = new ByteWriter(true);
        const rec = recordOf(kind, n);
        encodeRecord(w, rec);
        const bytes = w.finish();
        const vlen = infoVlen(new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true));
        expect(trailingSize(kind, vlen), `${name} vlen ${vlen}`).toBe(bytes.byteLength - 12);
      }
    }
  });

  it('the kinds that hold a type ID in their third word are the ones the decoder follows', () => {
    const byWord = KINDS.filter(([, k]) => refersByTypeWord(k)).map(([n]) => n);
    expect(byWord.sort()).toEqual(
      [
        'PTR',
        'TYPEDEF',
        'VOLATILE',
        'CONST',
        'RESTRICT',
        'FUNC',
        'VAR',
        'DECL_TAG',
        'TYPE_TAG',
      ].sort(),
    );
    expect(refersByTypeWord(99)).toBe(false);
  });

  it('forEachTypeRefWord and mapRecordTypeIDs agree on every kind: exactly the type IDs', () => {
    for (const [name, kind] of KINDS) {
      if (kind === BTF_KIND.UNKN) continue;
      for (let n = 0; n < 3; n++) {
        const words = (rec: BtfRecord): Uint32Array => {
          const w = new ByteWriter(true);
          encodeRecord(w, rec);
          const b = w.finish();
          return new Uint32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
        };
        const before = words(recordOf(kind, n));
        const after = words(mapRecordTypeIDs(recordOf(kind, n), (id) => id + 1000));
        const visited: number[] = [];
        forEachTypeRefWord(before, 0, (i) => visited.push(i));
        const changed = [...before.keys()].filter((i) => before[i] !== after[i]);
        expect(changed, `${name} vlen ${n}`).toEqual(visited);
        for (const i of visited) expect(after[i], `${name} word ${i}`).toBe(before[i]! + 1000);
        const refs = KIND_FORMAT[name].refs;
        expect(visited.length === 0, `${name}: refs ${refs}`).toBe(
          refs === 'none' || (refs !== 'type' && refs !== 'array' && refs !== 'proto' && n === 0),
        );
      }
    }
  });

  it('the info word keeps 24 bits of vlen, 7 of kind and the flag apart', () => {
    const info = makeInfo(0x7f, 0xffffff, true);
    expect(info).toBe(0xffffffff);
    expect([infoKind(info), infoVlen(info), infoKflag(info)]).toEqual([0x7f, 0xffffff, true]);
    const mid = makeInfo(BTF_KIND.STRUCT, 65_538, false);
    expect([infoKind(mid), infoVlen(mid), infoKflag(mid)]).toEqual([
      BTF_KIND.STRUCT,
      65_538,
      false,
    ]);
    expect(() => makeInfo(1, 0x1000000, false)).toThrow(EncodeError);
    expect(() => makeInfo(0x80, 0, false)).toThrow(EncodeError);
  });
});

describe('resolveSize and the resolve depth', () => {
  /** A chain of `typedefs` typedefs over an INT, as a SizeSource; the last ID is the top. */
  function chain(typedefs: number): { src: SizeSource; top: number } {
    const raw = RawBtf.parse(
      blob((name) => [
        intRecord(name('int')),
        ...Array.from({ length: typedefs }, (_, i) => refRecord(BTF_KIND.TYPEDEF, i + 1)),
      ]),
    );
    const src: SizeSource = {
      kindOf: (id) => (id < raw.nextTypeID ? raw.kindOf(id) : -1),
      sizeTypeOf: (id) => {
        const r = raw.record(id);
        return 'size' in r ? r.size : 'type' in r ? r.type : 0;
      },
      arrayTypeOf: () => 0,
      arrayNelemsOf: () => 0,
    };
    return { src, top: typedefs + 1 };
  }

  // libbpf 1.1 (btf__new_empty, btf__add_int, then N btf__add_typedef on the last; linked
  // against Debian's libbpf.a): btf__resolve_size and btf__resolve_type give 4 and 1 for 31
  // typedefs over the INT (32 records), -EINVAL for 32 (33 records).
  it(`follows ${MAX_RESOLVE_DEPTH} records as libbpf 1.1 does: 31 typedefs resolve, 32 do not`, () => {
    expect(MAX_RESOLVE_DEPTH).toBe(32);
    const ok = chain(31);
    expect(resolveSize(ok.src, ok.top, 8)).toBe(4);
    const deep = chain(32);
    expect(resolveSize(deep.src, deep.top, 8)).toBe(SIZE_TOO_DEEP);
    expect(resolveSize(deep.src, 0, 8)).toBe(SIZE_NONE);
  });
});

describe('AlignmentResolver and guessPointerSize', () => {
  /** The records of `raw` as an AlignSource. */
  function source(raw: RawBtf): AlignSource {
    const members = (id: number) => {
      const r = raw.record(id);
      return r.kind === BTF_KIND.STRUCT || r.kind === BTF_KIND.UNION ? r.members : [];
    };
    return {
      kindOf: (id) => (id < raw.nextTypeID ? raw.kindOf(id) : -1),
      sizeTypeOf: (id) => {
        const r = raw.record(id);
        return 'size' in r ? r.size : 'type' in r ? r.type : 0;
      },
      arrayTypeOf: (id) => {
        const r = raw.record(id);
        return r.kind === BTF_KIND.ARRAY ? r.type : 0;
      },
      arrayNelemsOf: (id) => {
        const r = raw.record(id);
        return r.kind === BTF_KIND.ARRAY ? r.nelems : 0;
      },
      vlenOf: (id) => members(id).length,
      kflagOf: (id) => raw.record(id).kflag,
      memberTypeOf: (id, i) => members(id)[i]!.type,
      memberOffsetOf: (id, i) => members(id)[i]!.offset,
    };
  }

  function struct(size: number, offsets: number[], type = 1): BtfRecord {
    return {
      kind: BTF_KIND.STRUCT,
      nameOff: 0,
      kflag: false,
      size,
      members: offsets.map((offset) => ({ nameOff: 0, type, offset })),
    };
  }

  // The expected values follow libbpf 1.1's btf__align_of rule by rule (btf.c): scalars
  // capped at the pointer size, a member off its alignment or a size that is not a
  // multiple of the largest alignment makes a struct 1, kinds without one give 0.
  it('computes libbpf alignments: natural, packed by offset, packed by size, none', () => {
    const raw = RawBtf.parse(
      blob((name) => [
        intRecord(name('int')), // 1
        struct(8, [0, 32]), // 2: natural, 4
        struct(5, [0, 8]), // 3: an int at byte 1, packed
        struct(6, [0]), // 4: size not a multiple of 4, packed
        refRecord(BTF_KIND.PTR, 0), // 5
        { kind: BTF_KIND.FWD, nameOff: name('f'), kflag: false }, // 6
        struct(4, [0], 6), // 7: a member without alignment
        { kind: BTF_KIND.ARRAY, nameOff: 0, kflag: false, type: 2, indexType: 1, nelems: 3 }, // 8
      ]),
    );
    const r = new AlignmentResolver(source(raw), 8, raw.nextTypeID);
    expect([1, 2, 3, 4, 5, 6, 7, 8, 0, 99].map((id) => r.alignOf(id))).toEqual([
      4, 4, 1, 1, 8, 0, 0, 4, 0, 0,
    ]);
    expect(new AlignmentResolver(source(raw), 2, raw.nextTypeID).alignOf(1)).toBe(2);
  });

  it('walks 100,000 nested typedefs and structs without the call stack', () => {
    const n = 100_000;
    const raw = RawBtf.parse(
      blob((name) => [
        intRecord(name('int')),
        ...Array.from({ length: n }, (_, i) =>
          i % 2 ? struct(4, [0], i + 1) : refRecord(BTF_KIND.TYPEDEF, i + 1),
        ),
      ]),
    );
    expect(new AlignmentResolver(source(raw), 8, raw.nextTypeID).alignOf(n + 1)).toBe(4);
  });

  it('throws FormatError naming the type of a cycle', () => {
    const raw = RawBtf.parse(blob(() => [refRecord(BTF_KIND.TYPEDEF, 2), struct(4, [0], 1)]));
    const err = (() => {
      try {
        new AlignmentResolver(source(raw), 8, raw.nextTypeID).alignOf(1);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).typeID).toBe(1);
  });

  it('guesses the pointer size from an INT spelled like long, as libbpf does', () => {
    const long4 = { ...intRecord(0), size: 4 };
    const raw = RawBtf.parse(
      blob((name) => [
        { ...intRecord(name('char')), size: 8 },
        { ...long4, nameOff: name('long unsigned') },
      ]),
    );
    const src = source(raw);
    const nameOf = (id: number) => raw.name(raw.record(id).nameOff);
    expect(guessPointerSize(src, raw.nextTypeID, nameOf)).toBe(4);
    expect(guessPointerSize(src, 2, nameOf)).toBe(0);
  });
});

describe('vlen past 16 bits (65,538 members)', () => {
  // Every btfkit reader takes vlen from bits 0-23 (infoVlen), the width of the extended
  // format, so the dumps, the parser and the decoder agree on where each record ends. What
  // the outside world does with this blob:
  // - bpftool 7.1 (libbpf 1.1, whose btf_vlen masks 0xffff) reads vlen 2, then takes the
  //   next member for a record and stops: "libbpf: Unsupported BTF_KIND:0", "failed to load
  //   BTF ... Invalid argument", in both byte orders;
  // - kernel 6.18's BPF_BTF_LOAD rejects the struct with "[2] Invalid btf_info:4010002"
  //   (bits 16-23 must be zero there); packages/btf-kernel/test/handle.test.ts checks that.
  // So no tool prints this blob; btfkit prints every member rather than misreading it.
  const N = 65_538;
  for (const le of [true, false]) {
    it(`${le ? 'little' : 'big'}-endian: the records, the raw dump and the JSON dump all read ${N} members`, () => {
      const bytes = blob(
        (name) => [
          intRecord(name('int')),
          {
            kind: BTF_KIND.STRUCT,
            nameOff: name('big'),
            kflag: false,
            size: 4 * N,
            members: Array.from({ length: N }, (_, i) => ({
              nameOff: name(`m${i}`),
              type: 1,
              offset: 32 * i,
            })),
          },
          refRecord(BTF_KIND.PTR, 2),
        ],
        le,
      );
      const raw = RawBtf.parse(bytes);
      expect(raw.nextTypeID).toBe(4);
      const rec = raw.record(2);
      expect(rec.kind === BTF_KIND.STRUCT && rec.members.length).toBe(N);
      expect(raw.record(3)).toMatchObject({ kind: BTF_KIND.PTR, type: 2 });

      const text = rawDump(raw);
      expect(text).toContain(`[2] STRUCT 'big' size=${4 * N} vlen=${N}\n`);
      expect(text).toContain(
        `\t'm${N - 1}' type_id=1 bits_offset=${32 * (N - 1)}\n[3] PTR '(anon)' type_id=2`,
      );
      expect(text.split('\n').filter((l) => l.startsWith('\t')).length).toBe(N);

      const json = JSON.parse(jsonDump(raw)) as {
        types: { id: number; vlen?: number; members?: { name: string }[] }[];
      };
      const big = json.types.find((t) => t.id === 2)!;
      expect(big.vlen).toBe(N);
      expect(big.members!.length).toBe(N);
      expect(big.members!.at(-1)!.name).toBe(`m${N - 1}`);
      expect(json.types.map((t) => t.id)).toEqual([1, 2, 3]);
    });
  }
});
