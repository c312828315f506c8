import { describe, expect, it } from 'vitest';
import { cDefinition, typeDetail } from '../src/model/detail.js';
import { ReverseIndex } from '../src/model/references.js';
import { readText, vmlinuxSpec } from './helpers.js';

const spec = vmlinuxSpec();

/** bpftool's `format c` definitions by their first line (`struct foo {`), those seen once. */
function cBlocks(): Map<string, string> {
  const text = readText('vmlinux', 'vmlinux.c.golden.gz');
  const out = new Map<string, string>();
  const twice = new Set<string>();
  for (const block of text.split('\n\n')) {
    const head = block.split('\n', 1)[0]!;
    if (out.has(head)) twice.add(head);
    out.set(head, `${block}\n`);
  }
  for (const h of twice) out.delete(h);
  return out;
}

describe('the detail of a type', () => {
  it("shows bpftool's C definition of structs, unions, enums and typedefs", () => {
    const blocks = cBlocks();
    let checked = 0;
    // Every 199th type: a spread over the whole file that runs in a few seconds.
    for (let id = 1; id < spec.nextTypeID; id += 199) {
      const t = spec.typeByID(id);
      if (t.name === '' || !['struct', 'union', 'enum'].includes(t.kind)) continue;
      const head = `${t.kind} ${t.name} {`;
      const block = blocks.get(head);
      // Names that clash get ___N suffixes that depend on what was printed before.
      if (!block || block.includes('___')) continue;
      expect(cDefinition(spec, id)).toBe(block);
      checked++;
    }
    expect(checked).toBeGreaterThan(25);
    const ts = spec.typeID(spec.typeByName('task_struct', 'struct'));
    const d = typeDetail(spec, ts);
    expect(d.c).toBe(blocks.get('struct task_struct {'));
    expect(d.label).toMatch(/^\[\d+\] STRUCT 'task_struct'$/);
    expect(d.layout?.members.length).toBe(spec.typeByName('task_struct', 'struct').members.length);
    expect(d.uses.map((u) => u.c)).toContain('struct mm_struct');
    const u64 = spec.typeByName('u64', 'typedef');
    const td = typeDetail(spec, spec.typeID(u64));
    expect(td.c).toBe(blocks.get(td.c!.split('\n', 1)[0]!));
    expect(td.children.map((c) => c.id)).toEqual([spec.typeID(u64.type)]);
  });

  it("finds who references a type as bpftool's raw dump says", () => {
    const raw = readText('vmlinux', 'vmlinux.raw.golden.gz');
    const want = new Map<number, Set<number>>();
    let from = 0;
    for (const line of raw.split('\n')) {
      const head = /^\[(\d+)\]/.exec(line);
      if (head) from = Number(head[1]);
      for (const m of line.matchAll(/(?:^|\s)(?:ret_|index_)?type_id=(\d+)/g)) {
        const to = Number(m[1]);
        const s = want.get(to) ?? new Set<number>();
        want.set(to, s);
        s.add(from);
      }
    }
    const rev = new ReverseIndex(spec);
    // From 1: void's referrers differ by design (a variadic prototype's `...` is a flag in
    // the model, not an edge to void).
    for (let id = 1; id < spec.nextTypeID; id++) {
      const got = [...rev.referrers(id)];
      const w = [...(want.get(id) ?? [])].sort((a, b) => a - b);
      if (got.length !== w.length || got.some((x, i) => x !== w[i]))
        expect([id, got]).toEqual([id, w]);
    }
    // Named users of task_struct include structs that hold a pointer to it.
    const ts = spec.typeID(spec.typeByName('task_struct', 'struct'));
    const named = rev.namedReferrers(ts, (id) => spec.typeByID(id).name !== '');
    const mm = spec.typeID(spec.typeByName('mm_struct', 'struct'));
    expect(named).toContain(mm);
    for (const id of named) expect(spec.typeByID(id).name).not.toBe('');
  });
});
