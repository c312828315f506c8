import { cDeclaration, Int, Pointer, Spec, type Type, Typedef } from '@btfkit/types';
import { BtfError } from '@btfkit/wire';
import { describe, expect, it } from 'vitest';
import { listFixtures, readFixture, readText } from './helpers.js';

/**
 * The lines one level inside each named struct and union of a bpftool `format c` golden,
 * keyed `struct foo`: a member per line, or the first line of an anonymous member.
 */
function goldenBodies(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let body: string[] | undefined;
  for (const line of text.split('\n')) {
    const head = /^(struct|union) (\w+) \{$/.exec(line);
    if (head) {
      body = [];
      out.set(`${head[1]} ${head[2]}`, body);
    } else if (line.startsWith('}')) {
      body = undefined;
    } else if (body && /^\t[^\t]/.test(line)) {
      body.push(line.slice(1));
    }
  }
  return out;
}

/** Whether the declaration of a member of `type` has a body bpftool prints inline. */
function printsInline(type: Type): boolean {
  let t = type;
  for (let i = 0; i < 64; i++) {
    switch (t.kind) {
      case 'struct':
      case 'union':
      case 'enum':
        return t.name === '';
      case 'array':
      case 'const':
      case 'volatile':
      case 'restrict':
      case 'type_tag':
        t = t.type;
        break;
      case 'pointer':
        t = t.target;
        break;
      default:
        return false;
    }
  }
  return false;
}

/** Checks every named member of every uniquely named struct and union against the golden. */
function expectMembersAsGolden(spec: Spec, golden: string): number {
  const bodies = goldenBodies(golden);
  const seen = new Map<string, number>();
  // Names of which there are several types: bpftool prints the later ones as `foo___2`.
  const renamed = new Set<string>();
  const named = new Map<string, number>();
  for (const t of spec) {
    if ((t.kind === 'struct' || t.kind === 'union') && t.name) {
      const key = `${t.kind} ${t.name}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    if (t.name && t.kind !== 'func' && t.kind !== 'var' && t.kind !== 'datasec') {
      const ns = t.kind === 'typedef' ? `t ${t.name}` : `s ${t.name}`;
      named.set(ns, (named.get(ns) ?? 0) + 1);
      if (named.get(ns)! > 1) renamed.add(t.name);
    }
  }
  let checked = 0;
  const wrong: string[] = [];
  for (const t of spec) {
    if (t.kind !== 'struct' && t.kind !== 'union') continue;
    const key = `${t.kind} ${t.name}`;
    const body = bodies.get(key);
    if (!t.name || seen.get(key) !== 1 || !body) continue;
    const lines = new Set(body);
    for (const m of t.members) {
      if (!m.name || printsInline(m.type)) continue;
      const d = cDeclaration(m.type, m.name);
      if (d.match(/\w+/g)!.some((w) => renamed.has(w))) continue;
      const found = [...lines].some(
        (l) => l === `${d};` || l.startsWith(`${d}: `) || l.startsWith(`${d} __attribute__`),
      );
      checked++;
      if (!found) wrong.push(`${key}: '${d}'`);
    }
  }
  expect(wrong.slice(0, 20)).toEqual([]);
  return checked;
}

describe('cDeclaration, against the members bpftool 7.1 prints', () => {
  for (const file of listFixtures('objects', '-el.btf')) {
    it(`objects/${file}`, () => {
      const spec = Spec.parse(readFixture('objects', file));
      const golden = readText('objects', file.replace(/\.btf$/, '.c.golden'));
      expect(expectMembersAsGolden(spec, golden)).toBeGreaterThan(0);
    });
  }

  it('pahole/base.btf', () => {
    const spec = Spec.parse(readFixture('pahole', 'base.btf'));
    expect(expectMembersAsGolden(spec, readText('pahole', 'base.c.golden'))).toBeGreaterThan(0);
  });

  it('vmlinux: every member of every uniquely named struct and union', () => {
    const spec = Spec.parse(readFixture('vmlinux', 'vmlinux.btf.gz'));
    const checked = expectMembersAsGolden(spec, readText('vmlinux', 'vmlinux.c.golden.gz'));
    expect(checked).toBeGreaterThan(50_000);
  });
});

describe('cDeclaration', () => {
  it('gives the abstract declarator for an empty name', () => {
    const int = new Int('int', 4, 1);
    expect(cDeclaration(new Pointer(int), '')).toBe('int *');
    expect(cDeclaration(int, '')).toBe('int');
  });

  it('throws a BtfError on a cycle rather than looping', () => {
    const p = new Pointer(new Int('int', 4, 1));
    const td = new Typedef('loop', p);
    p.target = td;
    // The typedef has a name, so the declarator stops there; a pointer cycle needs no name.
    expect(cDeclaration(p, 'x')).toBe('loop *x');
    const q = new Pointer(new Int('int', 4, 1));
    q.target = q;
    expect(() => cDeclaration(q, 'x')).toThrow(BtfError);
  });
});
