import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Builder, INT_SIGNED, Int, Pointer, Struct } from 'btfkit/types';
import { describe, expect, it } from 'vitest';
import { btfkit, golden, scratch, shell, vmlinux } from './helpers.js';

/** The member lines of `struct NAME { ... }` in a bpftool `format c` golden, tabs removed. */
function cBody(text: string, name: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(`struct ${name} {`);
  expect(start).toBeGreaterThanOrEqual(0);
  const out: string[] = [];
  for (let i = start + 1; !lines[i]!.startsWith('}'); i++) {
    if (/^\t[^\t]/.test(lines[i]!)) out.push(lines[i]!.slice(1));
  }
  return out;
}

/** The block of one type in a bpftool raw dump. */
function rawBlock(dump: string, header: RegExp): string[] {
  const lines = dump.split('\n');
  const start = lines.findIndex((l) => header.test(l));
  expect(start).toBeGreaterThanOrEqual(0);
  const out = [lines[start]!];
  for (let i = start + 1; i < lines.length && lines[i]!.startsWith('\t'); i++) out.push(lines[i]!);
  return out;
}

describe('btfkit find', () => {
  it("shows task_struct with bpftool's member offsets", () => {
    const r = btfkit('find', 'task_struct', vmlinux);
    expect(r.status).toBe(0);
    const block = rawBlock(
      golden('vmlinux', 'vmlinux.raw.golden.gz'),
      /^\[\d+\] STRUCT 'task_struct' /,
    );
    const [, id, size] = /^\[(\d+)\] STRUCT 'task_struct' size=(\d+)/.exec(block[0]!)!;
    expect(r.stdout).toContain(`[${id}] STRUCT 'task_struct' size=${size}`);
    const shown = r.stdout.split('\n').filter((l) => l.startsWith('\t'));
    const members = block.slice(1);
    expect(shown.length).toBe(members.length);
    for (let i = 0; i < members.length; i++) {
      const [, name, bits, bitfield] =
        /^\t'([^']*)' type_id=\d+ bits_offset=(\d+)(?: bitfield_size=(\d+))?/.exec(members[i]!)!;
      const byte = Math.floor(Number(bits) / 8);
      const where = bitfield ? `${byte}:${Number(bits) % 8}` : `${byte}`;
      if (name !== '(anon)') expect(shown[i]).toContain(name);
      expect(shown[i]).toMatch(new RegExp(`/\\* +${where} +\\S+ \\*/$`));
    }
  });

  it("prints each member's declaration as bpftool's format c does", () => {
    const r = btfkit('find', 'task_struct', vmlinux);
    const c = cBody(golden('vmlinux', 'vmlinux.c.golden.gz'), 'task_struct');
    const decls = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('\t'))
      .map((l) => /^\t(.*?;) *\/\*/.exec(l)![1]!.trimEnd());
    // bpftool prints anonymous members' bodies inline and `: N` for bitfields, where find
    // prints `struct {...}` and pahole's `:N`: compare the others whole.
    const plain = decls.filter((d) => !d.includes('{...}') && !/:\d+;$/.test(d));
    expect(plain.length).toBeGreaterThan(100);
    const unmatched = plain.filter(
      (d) => !c.includes(d) && !c.some((l) => l.startsWith(`${d.slice(0, -1)} __attribute__`)),
    );
    expect(unmatched).toEqual([]);
  });

  it("matches '___flavor' names by their essential name, as its help says", () => {
    const int = new Int('int', 4, INT_SIGNED);
    const b = new Builder();
    const ids = new Map<string, number>();
    for (const name of ['foo___v1', 'foobar', 'foo___v2', 'bar___foo']) {
      const member = { name: 'p', type: new Pointer(int), bitOffset: 0, bitfieldSize: 0 };
      ids.set(name, b.add(new Struct(name, 8, [member])));
    }
    const file = join(scratch, 'flavors.btf');
    writeFileSync(file, b.marshal());
    const head = (name: string) => `[${ids.get(name)}] STRUCT '${name}' size=8 members=1`;
    const r = btfkit('find', 'foo', file);
    expect(r.status).toBe(0);
    const heads = r.stdout.split('\n').filter((l) => l.startsWith('['));
    expect(heads).toEqual([head('foo___v1'), head('foo___v2')]);
    expect(r.stdout).toContain('\tint *p; ');
    // A flavored name matches itself only.
    const one = btfkit('find', 'foo___v2', file);
    expect(one.stdout.split('\n').filter((l) => l.startsWith('['))).toEqual([head('foo___v2')]);
    expect(btfkit('find', 'bar', file).status).toBe(0);
    expect(btfkit('find', 'fo', file).status).toBe(1);
  });

  it('finds essential names and exits 1 when nothing matches', () => {
    const r = btfkit('find', 'no_such_type_anywhere', vmlinux);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('no_such_type_anywhere');
  });
});

describe('btfkit stats', () => {
  it("counts kinds as bpftool's dump does", () => {
    const r = btfkit('stats', vmlinux);
    expect(r.status).toBe(0);
    const counts = new Map<string, number>();
    for (const m of golden('vmlinux', 'vmlinux.raw.golden.gz').matchAll(/^\[\d+\] (\w+) /gm)) {
      counts.set(m[1]!, (counts.get(m[1]!) ?? 0) + 1);
    }
    for (const [kind, n] of counts) expect(r.stdout).toMatch(new RegExp(`^${kind} +${n}$`, 'm'));
    expect(r.stdout).toMatch(/largest structs and unions:\n +\d+ +\[\d+\] (struct|union) /);
  });
});

describe('the command line', () => {
  it('lists commands and exits 2 without one', () => {
    const r = btfkit();
    expect(r.status).toBe(2);
    for (const c of ['dump', 'find', 'stats', 'encode', 'load', 'list', 'features', 'core'])
      expect(r.stdout).toContain(c);
  });

  it('has --help on every command', () => {
    for (const c of ['dump', 'find', 'stats', 'encode', 'load', 'list', 'features', 'core']) {
      const r = btfkit(c, '--help');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: btfkit ${c}`));
    }
  });

  it('reports usage mistakes with exit 2 and errors with exit 1, one line, no stack', () => {
    const bad = btfkit('dump', '--format', 'xml', vmlinux);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^btfkit: unknown format 'xml'/);
    const unknown = btfkit('frobnicate');
    expect(unknown.status).toBe(2);
    const missing = btfkit('dump', '/nonexistent/file');
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).not.toMatch(/\bat /);
    const debug = btfkit('dump', '/nonexistent/file', '--debug');
    expect(debug.status).toBe(1);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });

  it('reports malformed input with the offset', () => {
    const junk = join(scratch, 'junk.btf');
    writeFileSync(junk, 'not btf at all');
    const r = btfkit('dump', junk);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^btfkit: btf: offset 0: bad magic/);
    const cut = join(scratch, 'cut.btf');
    writeFileSync(cut, readFileSync(vmlinux).subarray(0, 1000));
    const c = btfkit('dump', cut);
    expect(c.status).toBe(1);
    expect(c.stderr).toMatch(/^btfkit: btf: offset \d+: /);
  });

  it('ends quietly when its output is piped to head', () => {
    const r = shell(`$BTFKIT dump ${vmlinux} | head -n 3; echo "status \${PIPESTATUS[0]}"`);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/\nstatus 0\n$/);
    expect(r.stdout.split('\n').slice(0, 3).join('\n')).toBe(
      golden('vmlinux', 'vmlinux.raw.golden.gz').split('\n').slice(0, 3).join('\n'),
    );
  });
});
