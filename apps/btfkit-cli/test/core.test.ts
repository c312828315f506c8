// `btfkit core check` and `core relocate` against the libbpf goldens of testdata/core
// (tooling/core-oracle): the rows' values and the relocated file's bytes are libbpf's.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { btfkit, scratch, testdata, vmlinux } from './helpers.ts';

interface GoldenLine {
  section: string;
  insnOff: number;
  access: string;
  error?: number;
  patchError?: number;
  poison?: boolean;
  orig?: string;
  new?: string;
  patched?: string;
}

function goldens(name: string): GoldenLine[] {
  return readFileSync(join(testdata, 'core', 'goldens', name), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as GoldenLine);
}

interface Row {
  target: string;
  section: string;
  insn: number;
  type: string;
  access: string;
  local: string | null;
  result: string;
  poison: boolean;
  error: string | null;
}

describe('btfkit core check', () => {
  it("prints libbpf's value for every relocation and target, exit 1 when one fails", () => {
    const synthA = join(testdata, 'core', 'targets', 'synth-a.btf');
    const obj = join(testdata, 'core', 'relos-el.o');
    const r = btfkit('core', 'check', obj, '--target', vmlinux, '--target', synthA, '--json');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/relocations fail/);
    const rows = JSON.parse(r.stdout) as Row[];
    const expected = [
      ...goldens('relos-el.vmlinux.jsonl').map((g) => ({ g, target: vmlinux })),
      ...goldens('relos-el.synth-a.jsonl').map((g) => ({ g, target: synthA })),
    ];
    expect(rows).toHaveLength(expected.length);
    rows.forEach((row, i) => {
      const { g, target } = expected[i]!;
      expect(row.target).toBe(target);
      expect([row.section, row.insn * 8, row.access]).toEqual([g.section, g.insnOff, g.access]);
      if (g.error !== undefined || g.patchError !== undefined) {
        expect(row.error, `row ${i}`).toMatch(/^co-re: section /);
      } else {
        expect(row.error, `row ${i}`).toBeNull();
        expect(row.local).toBe(g.orig);
        expect(row.result).toBe(g.poison ? 'poison' : g.new);
      }
    });
    const pid = rows.find((x) => x.access === '0:1' && x.type.startsWith('struct task_struct::'));
    expect(pid?.type).toBe('struct task_struct::tgid');
  });

  it('exits 0 when every relocation succeeds, poison included', () => {
    const r = btfkit('core', 'check', join(testdata, 'objects', 'core-el.o'), '--target', vmlinux);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/→ poison/);
    expect(r.stdout.trim().split('\n')).toHaveLength(1 + goldens('core-el.vmlinux.jsonl').length);
  });
});

describe('btfkit core relocate', () => {
  it('patches each relocated instruction as libbpf does and leaves every other byte', () => {
    for (const order of ['el', 'eb']) {
      const obj = join(testdata, 'objects', `core-${order}.o`);
      const out = join(scratch, `core-${order}.relocated.o`);
      const r = btfkit('core', 'relocate', obj, '--target', vmlinux, '-o', out);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const before = readFileSync(obj);
      const after = readFileSync(out);
      expect(after.length).toBe(before.length);
      const g = goldens(`core-${order}.vmlinux.jsonl`);
      // Where each section's bytes start in the file, from the section header table.
      const le = before[5] === 1;
      const shoff = Number(le ? before.readBigUInt64LE(0x28) : before.readBigUInt64BE(0x28));
      const shnum = le ? before.readUInt16LE(0x3c) : before.readUInt16BE(0x3c);
      const shstrndx = le ? before.readUInt16LE(0x3e) : before.readUInt16BE(0x3e);
      const u32 = (o: number) => (le ? before.readUInt32LE(o) : before.readUInt32BE(o));
      const u64 = (o: number) => Number(le ? before.readBigUInt64LE(o) : before.readBigUInt64BE(o));
      const strtab = u64(shoff + shstrndx * 64 + 0x18);
      const sectionOffset = new Map<string, number>();
      for (let i = 0; i < shnum; i++) {
        const h = shoff + i * 64;
        const nameAt = strtab + u32(h);
        const name = before.subarray(nameAt, before.indexOf(0, nameAt)).toString();
        sectionOffset.set(name, u64(h + 0x18));
      }
      const expected = Buffer.from(before);
      for (const line of g) {
        const bytes = Buffer.from(line.patched!, 'hex');
        bytes.copy(expected, sectionOffset.get(line.section)! + line.insnOff);
      }
      expect(after.equals(expected)).toBe(true);
      expect(after.equals(before)).toBe(false);
    }
  });

  it('exits 1 and writes nothing when a relocation fails', () => {
    const out = join(scratch, 'relos-el.relocated.o');
    const r = btfkit(
      'core',
      'relocate',
      join(testdata, 'core', 'relos-el.o'),
      '--target',
      vmlinux,
      '-o',
      out,
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/not written; first: co-re: section kprobe\/anon/);
    expect(existsSync(out)).toBe(false);
  });
});
