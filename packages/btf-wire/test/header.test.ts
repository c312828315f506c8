import {
  BTF_KIND,
  decodeHeader,
  detectByteOrder,
  encodeBtf,
  encodeHeader,
  FormatError,
  RawBtf,
  StringTableBuilder,
} from '@btfkit/wire';
import { describe, expect, it } from 'vitest';
import { intRecord } from '../../../tooling/test-blobs.ts';

/** A small valid blob: int, pointer to it, struct with one member. */
function sample(littleEndian = true): Uint8Array {
  const s = new StringTableBuilder();
  return encodeBtf({
    littleEndian,
    records: [
      intRecord(s.add('int')),
      { kind: BTF_KIND.PTR, nameOff: 0, kflag: false, type: 1 },
      {
        kind: BTF_KIND.STRUCT,
        nameOff: s.add('s'),
        kflag: false,
        size: 8,
        members: [{ nameOff: s.add('p'), type: 2, offset: 0 }],
      },
    ],
    strings: s.finish(),
  });
}

function put32(b: Uint8Array, off: number, v: number, le = true): Uint8Array {
  const c = b.slice();
  new DataView(c.buffer).setUint32(off, v, le);
  return c;
}

function expectFormatError(fn: () => unknown, offset: number, re: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(FormatError);
  const err = caught as FormatError;
  expect(err.offset).toBe(offset);
  expect(err.message).toMatch(re);
  expect(err.message).toContain(`offset ${offset}`);
}

describe('header', () => {
  it('detects the byte order from the magic', () => {
    expect(detectByteOrder(sample(true))).toBe(true);
    expect(detectByteOrder(sample(false))).toBe(false);
    expect(decodeHeader(sample(false)).littleEndian).toBe(false);
    expect(RawBtf.parse(sample(false)).typeCount).toBe(3);
  });

  it('round-trips', () => {
    for (const le of [true, false]) {
      const b = sample(le);
      const { header } = decodeHeader(b);
      expect(encodeHeader(header, le)).toEqual(b.subarray(0, 24));
    }
  });

  it('rejects a truncated header', () => {
    expectFormatError(() => decodeHeader(sample().subarray(0, 20)), 0, /header needs 24 bytes/);
    expectFormatError(() => decodeHeader(new Uint8Array(1)), 0, /no magic/);
  });

  it('rejects a wrong magic', () => {
    const b = sample();
    b[0] = 0x12;
    expectFormatError(() => decodeHeader(b), 0, /bad magic/);
  });

  it('rejects version 2 and non-zero flags', () => {
    const v = sample();
    v[2] = 2;
    expectFormatError(() => decodeHeader(v), 2, /version 2/);
    const f = sample();
    f[3] = 1;
    expectFormatError(() => decodeHeader(f), 3, /flags 0x1/);
  });

  it('rejects hdr_len below 24 or past the blob', () => {
    expectFormatError(() => decodeHeader(put32(sample(), 4, 16)), 4, /shorter than 24/);
    expectFormatError(() => decodeHeader(put32(sample(), 4, 100000)), 4, /past the end/);
  });

  it('rejects non-zero bytes in an unknown header tail', () => {
    // A 28-byte header whose extra word is not zero: shift the body by 4 bytes.
    const b = sample();
    const grown = new Uint8Array(b.byteLength + 4);
    grown.set(b.subarray(0, 24));
    grown.set(b.subarray(24), 28);
    const view = new DataView(grown.buffer);
    view.setUint32(4, 28, true);
    expect(decodeHeader(grown).header.hdrLen).toBe(28);
    view.setUint32(24, 7, true);
    expectFormatError(() => decodeHeader(grown), 24, /non-zero byte/);
  });

  it('rejects sections out of bounds', () => {
    expectFormatError(
      () => decodeHeader(put32(sample(), 12, 1 << 20)),
      8,
      /type section .* past the end/,
    );
    expectFormatError(
      () => decodeHeader(put32(sample(), 16, 1 << 20)),
      16,
      /string section .* past the end/,
    );
  });

  it('rejects overlapping sections', () => {
    const b = sample();
    const { header } = decodeHeader(b);
    // Start the string section inside the type section.
    const overlap = put32(b, 16, header.typeLen - 4);
    const fixed = put32(overlap, 20, header.strLen);
    expectFormatError(() => decodeHeader(fixed), 16, /overlaps the type section/);
  });

  it('rejects a type section cut inside a record', () => {
    const b = sample();
    const { header } = decodeHeader(b);
    // Claim 4 fewer type bytes: the struct's member is cut.
    const cut = put32(put32(b, 12, header.typeLen - 4), 16, header.strOff - 4);
    const fixed = put32(cut, 20, header.strLen + 4);
    let caught: unknown;
    try {
      RawBtf.parse(fixed);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(FormatError);
    expect((caught as FormatError).typeID).toBe(3);
    expect((caught as FormatError).message).toMatch(
      /type id 3: offset \d+: STRUCT with vlen 1 runs/,
    );
  });

  it('rejects an unknown kind without a layout section', () => {
    const b = sample();
    // Type 2 (the pointer) starts at 24 + 16; make its kind 42.
    const bad = put32(b, 24 + 16 + 4, 42 << 24);
    let caught: unknown;
    try {
      RawBtf.parse(bad);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(FormatError);
    expect((caught as FormatError).offset).toBe(40);
    expect((caught as FormatError).message).toContain('unknown kind 42');
  });

  it('rejects a vlen running past the section', () => {
    const b = sample();
    // Type 3 (the struct) starts at 24 + 16 + 12; give it vlen 1000.
    const bad = put32(b, 24 + 28 + 4, (BTF_KIND.STRUCT << 24) | 1000);
    expect(() => RawBtf.parse(bad)).toThrow(/type id 3: offset 52: STRUCT with vlen 1000 runs/);
  });

  it('rejects a string table without a final NUL or an empty one', () => {
    const b = sample();
    const last = b.slice();
    last[last.byteLength - 1] = 0x41;
    expectFormatError(() => RawBtf.parse(last), last.byteLength - 1, /does not end with NUL/);
    const { header } = decodeHeader(b);
    const empty = put32(b, 20, 0);
    expectFormatError(
      () => RawBtf.parse(empty.subarray(0, 24 + header.strOff)),
      24 + header.strOff,
      /string section is empty/,
    );
  });

  it('prints (invalid) for a string offset past the table, as bpftool does', () => {
    const b = sample();
    const bad = put32(b, 24, 9999);
    const raw = RawBtf.parse(bad);
    expect(raw.name(raw.nameOffOf(1))).toBeUndefined();
    expect(() => raw.strings.at(9999)).toThrow(/string offset 9999 is past the end/);
  });
});
