import { loadSpecAndExtInfosFromBytes, loadSpecFromBytes, marshalExtInfos } from '@btfkit/elf';
import { decodeBtfExt, FormatError, NotFoundError } from '@btfkit/wire';
import { describe, expect, it } from 'vitest';
import { objectFixtures, readBytes } from './helpers.js';

interface Func {
  insn: number;
  typeID: number;
}
interface Line {
  insn: number;
  file: string;
  text: string;
  line: number;
  column: number;
}

function decodeFuncs(bytes: Uint8Array, le: boolean): Func[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Func[] = [];
  for (let o = 0; o < bytes.byteLength; o += 8) {
    out.push({ insn: v.getUint32(o, le), typeID: v.getUint32(o + 4, le) });
  }
  return out;
}

function decodeLines(bytes: Uint8Array, le: boolean, str: (off: number) => string): Line[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Line[] = [];
  for (let o = 0; o < bytes.byteLength; o += 16) {
    const lineCol = v.getUint32(o + 12, le);
    out.push({
      insn: v.getUint32(o, le),
      file: str(v.getUint32(o + 4, le)),
      text: str(v.getUint32(o + 8, le)),
      line: lineCol >>> 10,
      column: lineCol & 0x3ff,
    });
  }
  return out;
}

const fixtures = objectFixtures();

describe('marshalExtInfos', () => {
  for (const fx of fixtures) {
    it(`${fx.id}: every section's records are clang's .BTF.ext records, offsets in instructions`, () => {
      const { spec, extInfos } = loadSpecAndExtInfosFromBytes(readBytes(fx.path));
      const le = fx.order === 'el';
      // The oracle: the .BTF.ext clang wrote, decoded on its own, strings read from .BTF.
      const ext = decodeBtfExt(readBytes(`${fx.stem}.btf.ext`), le);
      const str = (off: number) => spec.raw.strings.at(off);
      let records = 0;
      for (const sec of ext.funcInfo.sections) {
        const name = str(sec.secNameOff);
        const infos = extInfos.get(name);
        expect(infos, name).toBeDefined();
        if (!infos) continue;
        const m = marshalExtInfos(infos, spec);
        expect(m.funcInfoRecSize).toBe(8);
        expect(m.lineInfoRecSize).toBe(16);
        expect(m.funcInfoCount).toBe(sec.records.length);
        expect(m.funcInfo.byteLength).toBe(8 * sec.records.length);
        expect(decodeFuncs(m.funcInfo, le)).toEqual(
          sec.records.map((r) => ({ insn: r.insnOff / 8, typeID: r.typeID })),
        );
        const lineSec = ext.lineInfo.sections.find((s) => s.secNameOff === sec.secNameOff);
        const want = (lineSec?.records ?? []).map((r) => ({
          insn: r.insnOff / 8,
          file: str(r.fileNameOff),
          text: str(r.lineOff),
          line: r.line,
          column: r.column,
        }));
        expect(m.lineInfoCount).toBe(want.length);
        expect(decodeLines(m.lineInfo, le, str)).toEqual(want);
        records += m.funcInfoCount + m.lineInfoCount;
      }
      expect(records).toBeGreaterThan(0);
    });
  }

  const fx = fixtures.find((f) => f.id === 'programs-el');
  if (!fx) throw new Error('fixture programs-el is missing');

  it('places a .text range after a program section, as a loader appends a subprogram', () => {
    const { spec, extInfos } = loadSpecAndExtInfosFromBytes(readBytes(fx.path));
    const xdp = extInfos.get('xdp');
    const text = extInfos.get('.text');
    if (!xdp || !text) throw new Error('programs-el: no xdp or .text ext infos');
    const second = text.funcInfos[1];
    if (!second) throw new Error('programs-el: .text has fewer than two functions');
    const only = marshalExtInfos(xdp, spec);
    // Past the xdp section's instructions, as a loader appends .text after them.
    const at = 500;
    const both = marshalExtInfos(
      [
        // Given out of order: the result follows `at`.
        { infos: text, start: second.insnOff, at },
        { infos: xdp },
      ],
      spec,
    );
    const funcs = decodeFuncs(both.funcInfo, true);
    expect(funcs.slice(0, only.funcInfoCount)).toEqual(decodeFuncs(only.funcInfo, true));
    const tail = funcs.slice(only.funcInfoCount);
    expect(tail).toEqual(
      text.funcInfos
        .filter((f) => f.insnOff >= second.insnOff)
        .map((f) => ({ insn: at + (f.insnOff - second.insnOff) / 8, typeID: spec.typeID(f.func) })),
    );
    const wantLines = text.lineInfos.filter((l) => l.insnOff >= second.insnOff).length;
    expect(both.lineInfoCount).toBe(only.lineInfoCount + wantLines);
  });

  it('drops records outside [start, end)', () => {
    const { spec, extInfos } = loadSpecAndExtInfosFromBytes(readBytes(fx.path));
    const text = extInfos.get('.text');
    const second = text?.funcInfos[1];
    if (!text || !second) throw new Error('programs-el: .text has fewer than two functions');
    const first = marshalExtInfos([{ infos: text, end: second.insnOff }], spec);
    expect(first.funcInfoCount).toBe(1);
    expect(decodeFuncs(first.funcInfo, true)).toEqual([
      { insn: 0, typeID: spec.typeID(text.funcInfos[0]!.func) },
    ]);
    expect(first.lineInfoCount).toBe(
      text.lineInfos.filter((l) => l.insnOff < second.insnOff).length,
    );
  });

  it('writes the byte order asked for', () => {
    const { spec, extInfos } = loadSpecAndExtInfosFromBytes(readBytes(fx.path));
    const xdp = extInfos.get('xdp');
    if (!xdp) throw new Error('programs-el: no xdp ext infos');
    const little = marshalExtInfos(xdp, spec);
    const big = marshalExtInfos(xdp, spec, { byteOrder: 'big' });
    expect(decodeFuncs(big.funcInfo, false)).toEqual(decodeFuncs(little.funcInfo, true));
    expect(big.funcInfo).not.toEqual(little.funcInfo);
  });

  it('refuses an offset inside an instruction, a FUNC of another Spec, a string the BTF lacks', () => {
    const { spec, extInfos } = loadSpecAndExtInfosFromBytes(readBytes(fx.path));
    const xdp = extInfos.get('xdp');
    const fi = xdp?.funcInfos[0];
    const li = xdp?.lineInfos[0];
    if (!xdp || !fi || !li) throw new Error('programs-el: xdp has no func or line info');
    expect(() =>
      marshalExtInfos({ funcInfos: [{ ...fi, insnOff: 4 }], lineInfos: [] }, spec),
    ).toThrow(FormatError);
    expect(() => marshalExtInfos({ funcInfos: [fi], lineInfos: [] }, spec, {})).not.toThrow();
    const other = loadSpecFromBytes(readBytes(fx.path));
    expect(() => marshalExtInfos({ funcInfos: [fi], lineInfos: [] }, other)).toThrow(NotFoundError);
    expect(() =>
      marshalExtInfos({ funcInfos: [], lineInfos: [{ ...li, lineText: 'no such line' }] }, spec),
    ).toThrow(/line text 'no such line' is not in the BTF's strings/);
  });
});
