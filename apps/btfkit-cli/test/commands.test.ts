import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { btfkit, golden, scratch, shell, vmlinux } from './helpers.js';

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
