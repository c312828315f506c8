import { loadSpecFromBytes, type Spec } from 'btfkit';
import { describe, expect, it } from 'vitest';
import { computeLayout, formatOffset, layoutRows } from '../src/model/layout.js';
import { spellType } from '../src/model/spell.js';
import { type PaholeLayout, parsePahole, readFixture, readText, vmlinuxSpec } from './helpers.js';

/** Checks every struct named once in both against pahole's holes and padding; returns the count. */
function checkAgainstPahole(spec: Spec, pahole: Map<string, PaholeLayout>): number {
  const seen = new Map<string, number>();
  for (const t of spec)
    if (t.kind === 'struct' || t.kind === 'union')
      seen.set(`${t.kind} ${t.name}`, (seen.get(`${t.kind} ${t.name}`) ?? 0) + 1);
  let checked = 0;
  for (const t of spec) {
    if ((t.kind !== 'struct' && t.kind !== 'union') || t.name === '') continue;
    const key = `${t.kind} ${t.name}`;
    const p = pahole.get(key);
    if (!p || seen.get(key) !== 1) continue;
    const l = computeLayout(t, (x) => spec.typeID(x), spellType);
    const holes = l.gaps.filter((g) => g.kind === 'hole').reduce((a, g) => a + g.bits, 0);
    const padding = l.gaps.find((g) => g.kind === 'padding')?.bits ?? 0;
    expect([key, holes]).toEqual([key, p.holeBits]);
    // pahole prints no summary, and so no padding, for unions.
    if (p.summarized) expect([key, padding]).toEqual([key, p.paddingBits]);
    checked++;
  }
  return checked;
}

describe('the layout picture', () => {
  it("has pahole's holes and padding for every struct of testdata's vmlinux", () => {
    const n = checkAgainstPahole(
      vmlinuxSpec(),
      parsePahole(readText('vmlinux', 'vmlinux.pahole.golden.gz')),
    );
    expect(n).toBeGreaterThan(9000);
  });

  it("has pahole's holes and padding for the bitfield, packed and nested records of layout.c", () => {
    const spec = loadSpecFromBytes(readFixture('objects', 'layout-el.btf'));
    const n = checkAgainstPahole(spec, parsePahole(readText('objects', 'layout-el.pahole.golden')));
    expect(n).toBe(7);
  });

  it('cuts a struct into rows of 8 bytes that cover it exactly once', () => {
    const spec = vmlinuxSpec();
    for (const name of ['task_struct', 'sk_buff', 'fred_ss', 'kiocb']) {
      const t = spec.typeByName(name, 'struct');
      const l = computeLayout(t, (x) => spec.typeID(x), spellType);
      const rows = layoutRows(l);
      let covered = 0;
      let at = 0;
      for (const r of rows) {
        expect(r.offset).toBe(at);
        let bits = 0;
        for (const c of r.cells) bits += c.to - c.from;
        // Members of a struct do not overlap (bar anonymous unions, drawn as one member).
        expect(bits).toBeLessThanOrEqual(64);
        covered += r.repeat === 1 ? bits : r.repeat * 64;
        at += r.repeat * 8;
      }
      expect(at).toBeGreaterThanOrEqual(t.size);
      expect(covered).toBe(t.size * 8);
    }
  });

  it('prints offsets as pahole does: bytes, and byte:bit for bitfields', () => {
    expect(formatOffset(64, false)).toBe('8');
    expect(formatOffset(17, true)).toBe('2:1');
    expect(formatOffset(16, true)).toBe('2:0');
  });
});
