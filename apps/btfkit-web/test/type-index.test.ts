import { essentialName } from 'btfkit/types';
import { describe, expect, it } from 'vitest';
import { TypeIndex } from '../src/model/type-index.js';
import { listTypes } from '../src/model/type-list.js';
import { rawHeads, readText, vmlinuxSpec } from './helpers.js';

const spec = vmlinuxSpec();
const list = listTypes(spec.raw);
const index = new TypeIndex(list.names, list.kinds);
const golden = rawHeads(readText('vmlinux', 'vmlinux.raw.golden.gz'));

describe('the type list', () => {
  it("labels every type as bpftool's raw dump starts its line", () => {
    expect(index.count).toBe(golden.size);
    for (let id = 1; id <= index.count; id++) {
      const line = golden.get(id)!;
      const label = index.label(id);
      if (!line.startsWith(label)) expect(line).toContain(label);
    }
  });

  it('finds names by substring (any case, exact matches first), exactly, and by essential name', () => {
    const names = [...golden.entries()].map(
      ([id, l]) => [id, /^\[\d+\] \w+ '(.*?)'/.exec(l)![1]!] as const,
    );
    const want = names.filter(([, n]) => n.toLowerCase().includes('task_struct')).map(([id]) => id);
    const exact = want.filter((id) => names[id - 1]![1] === 'task_struct');
    const got = [...index.search({ text: 'TASK_struct', mode: 'substring', kind: -1 })];
    expect(new Set(got)).toEqual(new Set(want));
    expect(got).toHaveLength(want.length);
    const lowerFirst = [...index.search({ text: 'task_struct', mode: 'substring', kind: -1 })];
    expect(lowerFirst.slice(0, exact.length)).toEqual(exact);
    expect([...index.search({ text: 'task_struct', mode: 'exact', kind: -1 })]).toEqual(exact);
    expect([...index.search({ text: 'task_struct', mode: 'exact', kind: 4 })]).toEqual(
      exact.filter((id) => golden.get(id)!.includes(' STRUCT ')),
    );
    const flavored = names.filter(([, n]) => /^[a-z_0-9]+___\w+$/.test(n));
    expect(flavored.length).toBeGreaterThan(0);
    const [, one] = flavored[0]!;
    const essential = essentialName(one);
    expect(essential.length).toBeLessThan(one.length);
    const ess = names
      .filter(([, n]) => n === essential || essentialName(n) === essential)
      .map(([id]) => id);
    expect([...index.search({ text: one, mode: 'essential', kind: -1 })]).toEqual(ess);
  });

  it('filters by kind alone when the text is empty', () => {
    const funcs = [...golden.entries()].filter(([, l]) => / FUNC '/.test(l)).map(([id]) => id);
    expect([...index.search({ text: '', mode: 'substring', kind: 12 })]).toEqual(funcs);
    expect(index.search({ text: '', mode: 'substring', kind: -1 })).toHaveLength(index.count);
    expect(index.search({ text: 'no such name at all', mode: 'substring', kind: -1 })).toHaveLength(
      0,
    );
  });
});
