import {
  assembleBtf,
  BTF_KIND,
  type BtfRecord,
  ByteWriter,
  decodeHeader,
  EncodeError,
  encodeBtf,
  encodeRecord,
  FormatError,
  type KindLayout,
  memberBitfieldSize,
  memberBitOffset,
  packMemberOffset,
  RawBtf,
  rawDump,
  StringTable,
  StringTableBuilder,
} from '@btfkit/wire';
import { describe, expect, it } from 'vitest';
import { intRecord } from '../../../tooling/test-blobs.ts';

function everyKind(s: StringTableBuilder): BtfRecord[] {
  return [
    intRecord(s.add('int')),
    { kind: BTF_KIND.PTR, nameOff: 0, kflag: false, type: 1 },
    { kind: BTF_KIND.ARRAY, nameOff: 0, kflag: false, type: 1, indexType: 1, nelems: 7 },
    {
      kind: BTF_KIND.STRUCT,
      nameOff: s.add('bits'),
      kflag: true,
      size: 8,
      members: [
        { nameOff: s.add('a'), type: 1, offset: packMemberOffset(true, 0, 3) },
        { nameOff: s.add('b'), type: 1, offset: packMemberOffset(true, 3, 29) },
        { nameOff: s.add('c'), type: 1, offset: packMemberOffset(true, 32, 0) },
      ],
    },
    {
      kind: BTF_KIND.UNION,
      nameOff: 0,
      kflag: false,
      size: 4,
      members: [{ nameOff: s.add('u'), type: 1, offset: 0 }],
    },
    {
      kind: BTF_KIND.ENUM,
      nameOff: s.add('e'),
      kflag: true,
      size: 4,
      values: [
        { nameOff: s.add('NEG'), value: -5 },
        { nameOff: s.add('POS'), value: 2147483647 },
      ],
    },
    { kind: BTF_KIND.FWD, nameOff: s.add('fwd_union'), kflag: true },
    { kind: BTF_KIND.TYPEDEF, nameOff: s.add('int_t'), kflag: false, type: 1 },
    { kind: BTF_KIND.VOLATILE, nameOff: 0, kflag: false, type: 1 },
    { kind: BTF_KIND.CONST, nameOff: 0, kflag: false, type: 9 },
    { kind: BTF_KIND.RESTRICT, nameOff: 0, kflag: false, type: 2 },
    { kind: BTF_KIND.FUNC, nameOff: s.add('f'), kflag: false, type: 13, linkage: 1 },
    {
      kind: BTF_KIND.FUNC_PROTO,
      nameOff: 0,
      kflag: false,
      returnType: 1,
      params: [
        { nameOff: s.add('x'), type: 1 },
        { nameOff: 0, type: 0 },
      ],
    },
    { kind: BTF_KIND.VAR, nameOff: s.add('v'), kflag: false, type: 1, linkage: 2 },
    {
      kind: BTF_KIND.DATASEC,
      nameOff: s.add('.data'),
      kflag: false,
      size: 4,
      entries: [{ type: 14, offset: 0, size: 4 }],
    },
    { kind: BTF_KIND.FLOAT, nameOff: s.add('double'), kflag: false, size: 8 },
    { kind: BTF_KIND.DECL_TAG, nameOff: s.add('tag'), kflag: false, type: 4, componentIdx: -1 },
    { kind: BTF_KIND.TYPE_TAG, nameOff: s.add('user'), kflag: true, type: 1 },
    {
      kind: BTF_KIND.ENUM64,
      nameOff: s.add('e64'),
      kflag: true,
      size: 8,
      values: [
        { nameOff: s.add('MIN'), value: -(2n ** 63n) },
        { nameOff: s.add('BIG'), value: 2n ** 40n + 3n },
      ],
    },
    {
      kind: BTF_KIND.ENUM64,
      nameOff: s.add('u64'),
      kflag: false,
      size: 8,
      values: [{ nameOff: s.add('MAX'), value: 2n ** 64n - 1n }],
    },
  ];
}

describe('type records', () => {
  for (const le of [true, false]) {
    it(`decode what they encode, every kind, ${le ? 'little' : 'big'}-endian`, () => {
      const s = new StringTableBuilder();
      const recs = everyKind(s);
      const blob = encodeBtf({ records: recs, strings: s.finish(), littleEndian: le });
      const raw = RawBtf.parse(blob);
      expect(raw.littleEndian).toBe(le);
      expect([...raw.records()]).toEqual(recs);
      expect(
        encodeBtf({ records: raw.records(), strings: raw.strings.bytes, littleEndian: le }),
      ).toEqual(blob);
    });
  }

  it('encode the same records to each byte order and convert between them', () => {
    const s = new StringTableBuilder();
    const recs = everyKind(s);
    const strings = s.finish();
    const le = encodeBtf({ records: recs, strings, littleEndian: true });
    const be = encodeBtf({ records: recs, strings, littleEndian: false });
    expect(le).not.toEqual(be);
    const fromBe = RawBtf.parse(be);
    expect(
      encodeBtf({ records: fromBe.records(), strings: fromBe.strings.bytes, littleEndian: true }),
    ).toEqual(le);
    expect(rawDump(fromBe)).toBe(rawDump(RawBtf.parse(le)));
  });

  it('format every kind as bpftool does', () => {
    const s = new StringTableBuilder();
    const dump = rawDump(
      RawBtf.parse(encodeBtf({ records: everyKind(s), strings: s.finish(), littleEndian: true })),
    );
    // Each line below follows the printf formats of bpftool 7.1's dump_btf_type().
    expect(dump).toContain(
      "[4] STRUCT 'bits' size=8 vlen=3\n\t'a' type_id=1 bits_offset=0 bitfield_size=3\n",
    );
    expect(dump).toContain("\t'c' type_id=1 bits_offset=32\n");
    expect(dump).toContain("[6] ENUM 'e' encoding=SIGNED size=4 vlen=2\n\t'NEG' val=-5\n");
    expect(dump).toContain("[7] FWD 'fwd_union' fwd_kind=union\n");
    expect(dump).toContain(
      "[13] FUNC_PROTO '(anon)' ret_type_id=1 vlen=2\n\t'x' type_id=1\n\t'(anon)' type_id=0\n",
    );
    expect(dump).toContain("[14] VAR 'v' type_id=1, linkage=extern\n");
    expect(dump).toContain(
      "[15] DATASEC '.data' size=4 vlen=1\n\ttype_id=14 offset=0 size=4 (VAR 'v')\n",
    );
    expect(dump).toContain("[17] DECL_TAG 'tag' type_id=4 component_idx=-1\n");
    expect(dump).toContain("\t'MIN' val=-9223372036854775808LL\n");
    expect(dump).toContain("\t'MAX' val=18446744073709551615ULL\n");
  });

  it('split member offsets by kind_flag', () => {
    const packed = packMemberOffset(true, 100, 5);
    expect(memberBitOffset(true, packed)).toBe(100);
    expect(memberBitfieldSize(true, packed)).toBe(5);
    expect(memberBitOffset(false, packed)).toBe(packed);
    expect(memberBitfieldSize(false, packed)).toBe(0);
    expect(() => packMemberOffset(false, 1, 3)).toThrow(EncodeError);
  });
});

describe('layout section', () => {
  const layout: KindLayout[] = Array.from({ length: 26 }, (_, kind) =>
    kind === 25 ? { infoSize: 4, elemSize: 8, flags: 0 } : { infoSize: 0, elemSize: 0, flags: 0 },
  );

  function withUnknownKind(le: boolean): Uint8Array {
    const s = new StringTableBuilder();
    const w = new ByteWriter(le);
    encodeRecord(w, intRecord(s.add('int')));
    // Kind 25 with vlen 2: 12 + 4 + 2 * 8 bytes.
    w.u32(s.add('future'));
    w.u32((25 << 24) | 2);
    w.u32(1);
    for (let i = 0; i < 5; i++) w.u32(0x11111111 * (i + 1));
    encodeRecord(w, { kind: BTF_KIND.PTR, nameOff: 0, kflag: false, type: 2 });
    return assembleBtf(w.finish(), s.finish(), le, layout);
  }

  for (const le of [true, false]) {
    it(`sizes unknown kinds and keeps them opaque, ${le ? 'little' : 'big'}-endian`, () => {
      const blob = withUnknownKind(le);
      const { header } = decodeHeader(blob);
      expect(header.hdrLen).toBe(32);
      expect(header.layoutLen).toBe(26 * 4);
      const raw = RawBtf.parse(blob);
      expect(raw.layout).toEqual(layout);
      expect(raw.typeCount).toBe(3);
      const rec = raw.record(2);
      expect(rec).toMatchObject({ kind: 0, rawKind: 25, opaque: true, vlen: 2, sizeType: 1 });
      expect(raw.record(3)).toEqual({ kind: BTF_KIND.PTR, nameOff: 0, kflag: false, type: 2 });
      expect(
        encodeBtf({ records: raw.records(), strings: raw.strings.bytes, littleEndian: le, layout }),
      ).toEqual(blob);
      expect(rawDump(raw)).toBe(
        "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED\n[2] UNKNOWN 'future'\n[3] PTR '(anon)' type_id=2\n",
      );
    });
  }

  it('still rejects a kind the layout does not describe', () => {
    const blob = withUnknownKind(true);
    const short = layout.slice(0, 20);
    const raw = RawBtf.parse(blob);
    const bytes = assembleBtf(raw.types, raw.strings.bytes, true, short);
    expect(() => RawBtf.parse(bytes)).toThrow(FormatError);
    expect(() => RawBtf.parse(bytes)).toThrow(/type id 2: offset 48: unknown kind 25/);
  });
});

describe('string table', () => {
  it('looks strings up by offset', () => {
    const t = new StringTable(new TextEncoder().encode('\0abc\0de\0'));
    expect(t.at(0)).toBe('');
    expect(t.at(1)).toBe('abc');
    expect(t.at(2)).toBe('bc');
    expect(t.at(5)).toBe('de');
    expect(t.tryAt(8)).toBeUndefined();
    expect([...t.entries()]).toEqual([
      [0, ''],
      [1, 'abc'],
      [5, 'de'],
    ]);
  });

  it('continues the base offsets in split BTF', () => {
    const base = new StringTable(new TextEncoder().encode('\0abc\0'));
    const split = new StringTable(new TextEncoder().encode('xyz\0'), base);
    expect(split.firstOffset).toBe(5);
    expect(split.at(1)).toBe('abc');
    expect(split.at(5)).toBe('xyz');
    expect(split.tryAt(9)).toBeUndefined();
    expect(new StringTable(new Uint8Array(0), base).end).toBe(5);
  });

  it('finds whole strings, base first', () => {
    const base = new StringTable(new TextEncoder().encode('\0abc\0'));
    const split = new StringTable(new TextEncoder().encode('bc\0xyz\0'), base);
    expect(split.findString('abc')).toBe(1);
    expect(split.findString('bc')).toBe(5);
    expect(split.findString('xyz')).toBe(8);
    expect(split.findString('ab')).toBeUndefined();
  });

  it('indexes every string by its first offset, base first, as findString finds it', () => {
    const base = new StringTable(new TextEncoder().encode('\0abc\0dup\0'));
    const split = new StringTable(new TextEncoder().encode('dup\0bc\0xyz\0dup\0'), base);
    const index = split.offsetsByString();
    expect([...index]).toEqual([
      ['', 0],
      ['abc', 1],
      ['dup', 5],
      ['bc', 13],
      ['xyz', 16],
    ]);
    for (const [s, off] of index) expect(split.findString(s)).toBe(off);
  });

  it('requires the empty string first in base BTF', () => {
    expect(() => new StringTable(new TextEncoder().encode('a\0'))).toThrow(
      /does not start with the empty string/,
    );
  });

  it('deduplicates in the builder and reuses base strings', () => {
    const b = new StringTableBuilder();
    expect(b.add('')).toBe(0);
    expect(b.add('foo')).toBe(1);
    expect(b.add('bar')).toBe(5);
    expect(b.add('foo')).toBe(1);
    const base = new StringTable(b.finish());
    const sb = new StringTableBuilder(base);
    expect(sb.add('bar')).toBe(5);
    expect(sb.add('baz')).toBe(9);
    expect(new StringTable(sb.finish(), base).at(9)).toBe('baz');
    expect(() => b.add('a\0b')).toThrow(EncodeError);
  });

  it('decodes UTF-8', () => {
    const b = new StringTableBuilder();
    const off = b.add('größe');
    expect(new StringTable(b.finish()).at(off)).toBe('größe');
  });
});
