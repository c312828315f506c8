import { type SanitizeOptions, Spec } from '@btfkit/types';
import { BTF_KIND, type BtfRecord, RawBtf } from '@btfkit/wire';
import { describe, expect, it } from 'vitest';
import { readFixture } from './helpers.js';

function records(raw: RawBtf): BtfRecord[] {
  return [...raw.records()];
}

function sanitized(file: string, sanitize: SanitizeOptions, stripFuncLinkage = false) {
  const before = RawBtf.parse(readFixture('objects', file));
  const spec = Spec.parse(before.bytes);
  const after = RawBtf.parse(spec.marshal({ sanitize, stripFuncLinkage }));
  return { before, after, b: records(before), a: records(after), spec };
}

const kinds = (recs: BtfRecord[]) => recs.map((r) => r.kind);

describe("libbpf's sanitizations (bpf_object__sanitize_btf)", () => {
  it('declTag: every DECL_TAG becomes a 1-byte INT with the tag name', () => {
    const { before, after, b, a } = sanitized('tags-el.btf', { declTag: true });
    expect(kinds(b)).toContain(BTF_KIND.DECL_TAG);
    expect(kinds(a)).not.toContain(BTF_KIND.DECL_TAG);
    expect(a.length).toBe(b.length);
    b.forEach((r, i) => {
      const s = a[i]!;
      if (r.kind !== BTF_KIND.DECL_TAG) {
        expect(s).toEqual(r);
        return;
      }
      expect(s).toEqual({
        kind: BTF_KIND.INT,
        nameOff: s.nameOff,
        kflag: false,
        size: 1,
        encoding: 0,
        bitOffset: 0,
        bits: 8,
      });
      expect(after.name(s.nameOff)).toBe(before.name(r.nameOff));
    });
  });

  it('typeTag: every TYPE_TAG becomes an anonymous CONST of the same type', () => {
    const { b, a } = sanitized('tags-el.btf', { typeTag: true });
    expect(kinds(b)).toContain(BTF_KIND.TYPE_TAG);
    expect(kinds(a)).not.toContain(BTF_KIND.TYPE_TAG);
    b.forEach((r, i) => {
      if (r.kind !== BTF_KIND.TYPE_TAG) return;
      expect(a[i]).toEqual({ kind: BTF_KIND.CONST, nameOff: 0, kflag: false, type: r.type });
    });
  });

  it('enum64: ENUM64 becomes a UNION of enum64_placeholder members; signed ENUMs lose kind_flag', () => {
    const { before, after, b, a } = sanitized('enums-el.btf', { enum64: true });
    expect(kinds(b)).toContain(BTF_KIND.ENUM64);
    expect(b.some((r) => r.kind === BTF_KIND.ENUM && r.kflag)).toBe(true);
    expect(kinds(a)).not.toContain(BTF_KIND.ENUM64);
    expect(a.length).toBe(b.length + 1);
    const ph = a[a.length - 1]!;
    const phID = a.length;
    expect(ph).toMatchObject({ kind: BTF_KIND.INT, size: 1, encoding: 0, bits: 8, bitOffset: 0 });
    expect(after.name(ph.nameOff)).toBe('enum64_placeholder');
    b.forEach((r, i) => {
      const s = a[i]!;
      if (r.kind === BTF_KIND.ENUM) {
        // Same bits; without kind_flag they read as unsigned.
        expect(s).toEqual({
          ...r,
          kflag: false,
          values: r.values.map((v) => ({ ...v, value: v.value >>> 0 })),
        });
      } else if (r.kind === BTF_KIND.ENUM64) {
        if (s.kind !== BTF_KIND.UNION) throw new Error(`type ${i + 1} is not a union`);
        expect(s.kflag).toBe(false);
        expect(s.size).toBe(r.size);
        expect(s.members.map((m) => [after.name(m.nameOff), m.type, m.offset])).toEqual(
          r.values.map((v) => [before.name(v.nameOff), phID, 0]),
        );
      }
    });
    expect(Spec.parse(after.bytes).typeByID(phID).kind).toBe('int');
  });

  it('float: FLOAT becomes an anonymous empty STRUCT of the same size', () => {
    const { b, a } = sanitized('basic-el.btf', { float: true });
    expect(kinds(b)).toContain(BTF_KIND.FLOAT);
    expect(kinds(a)).not.toContain(BTF_KIND.FLOAT);
    b.forEach((r, i) => {
      if (r.kind !== BTF_KIND.FLOAT) return;
      expect(a[i]).toEqual({
        kind: BTF_KIND.STRUCT,
        nameOff: 0,
        kflag: false,
        size: r.size,
        members: [],
      });
    });
  });

  it('datasec: VAR becomes a 1-byte INT, DATASEC a STRUCT of its variables', () => {
    const { before, after, b, a } = sanitized('basic-el.libbpf.btf', { datasec: true });
    expect(kinds(b)).toContain(BTF_KIND.DATASEC);
    expect(kinds(a)).not.toContain(BTF_KIND.DATASEC);
    expect(kinds(a)).not.toContain(BTF_KIND.VAR);
    b.forEach((r, i) => {
      const s = a[i]!;
      if (r.kind === BTF_KIND.VAR) {
        expect(s).toMatchObject({ kind: BTF_KIND.INT, size: 1, bits: 8, encoding: 0 });
        expect(after.name(s.nameOff)).toBe(before.name(r.nameOff));
      } else if (r.kind === BTF_KIND.DATASEC) {
        if (s.kind !== BTF_KIND.STRUCT) throw new Error(`type ${i + 1} is not a struct`);
        expect(after.name(s.nameOff)).toBe(before.name(r.nameOff)!.replace(/[.?]/g, '_'));
        expect(s.size).toBe(r.size);
        expect(s.members.map((m) => [after.name(m.nameOff), m.type, m.offset])).toEqual(
          r.entries.map((e) => [before.name(before.nameOffOf(e.type)), e.type, e.offset * 8]),
        );
      }
    });
  });

  it('qmarkDatasec: a DATASEC named ?x is renamed _x', () => {
    const spec = Spec.parse(readFixture('objects', 'basic-el.btf'));
    const sec = [...spec].find((t) => t.kind === 'datasec')!;
    sec.name = '?custom';
    const after = RawBtf.parse(spec.marshal({ sanitize: { qmarkDatasec: true } }));
    const rec = after.record(spec.typeID(sec));
    expect(rec.kind).toBe(BTF_KIND.DATASEC);
    expect(after.name(rec.nameOff)).toBe('_custom');
  });

  it('func: FUNC becomes a TYPEDEF of its prototype, FUNC_PROTO a 4-byte ENUM of its params', () => {
    const { before, after, b, a } = sanitized('programs-el.btf', { func: true });
    expect(kinds(b)).toContain(BTF_KIND.FUNC);
    expect(kinds(a)).not.toContain(BTF_KIND.FUNC);
    expect(kinds(a)).not.toContain(BTF_KIND.FUNC_PROTO);
    b.forEach((r, i) => {
      const s = a[i]!;
      if (r.kind === BTF_KIND.FUNC) {
        expect(s).toEqual({
          kind: BTF_KIND.TYPEDEF,
          nameOff: s.nameOff,
          kflag: false,
          type: r.type,
        });
        expect(after.name(s.nameOff)).toBe(before.name(r.nameOff));
      } else if (r.kind === BTF_KIND.FUNC_PROTO) {
        if (s.kind !== BTF_KIND.ENUM) throw new Error(`type ${i + 1} is not an enum`);
        expect([s.size, s.kflag]).toEqual([4, false]);
        expect(s.values.map((v) => [after.name(v.nameOff), v.value])).toEqual(
          r.params.map((p) => [before.name(p.nameOff), p.type]),
        );
      }
    });
  });

  it('stripFuncLinkage: every FUNC is static', () => {
    const { b, a } = sanitized('programs-el.btf', {}, true);
    expect(b.some((r) => r.kind === BTF_KIND.FUNC && r.linkage !== 0)).toBe(true);
    b.forEach((r, i) => {
      if (r.kind === BTF_KIND.FUNC) expect(a[i]).toEqual({ ...r, linkage: 0 });
      else expect(a[i]).toEqual(r);
    });
  });

  it('every option at once on vmlinux leaves only kinds Linux 4.18 knows', () => {
    const spec = Spec.parse(readFixture('vmlinux', 'vmlinux.btf.gz'));
    const out = RawBtf.parse(
      spec.marshal({
        stripFuncLinkage: true,
        sanitize: {
          declTag: true,
          typeTag: true,
          enum64: true,
          float: true,
          datasec: true,
          func: true,
        },
      }),
    );
    const seen = new Set<number>();
    for (let id = 1; id < out.nextTypeID; id++) seen.add(out.kindOf(id));
    expect([...seen].filter((k) => k > BTF_KIND.RESTRICT)).toEqual([]);
    expect(out.typeCount).toBe(
      spec.nextTypeID - 1 + ([...spec].some((t) => t.kind === 'enum' && t.enum64) ? 1 : 0),
    );
  });
});
