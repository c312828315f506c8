import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Builder, Spec, type SpecDiff } from 'btfkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { btfkit, scratch, vmlinux } from './helpers.js';

let edited: string;

beforeAll(() => {
  // A copy of the vmlinux fixture with three edits made through the Builder: a member of
  // list_head moved (and the struct grown), an enumerator of pid_type changed, a function
  // removed.
  const spec = Spec.parse(new Uint8Array(readFileSync(vmlinux))).copy();
  const lh = spec.typeByName('list_head', 'struct');
  lh.members[1]!.bitOffset += 64;
  lh.size += 8;
  spec.typeByName('pid_type', 'enum').values[0]!.value = 42n;
  const gone = spec.typeByName('do_sys_open', 'func');
  const b = new Builder();
  for (const t of spec) if (t !== gone) b.add(t);
  edited = join(scratch, 'vmlinux-edited.btf');
  writeFileSync(edited, b.marshal());
});

describe('btfkit diff', () => {
  it('exits 0 and prints nothing but the count when the files are equal', () => {
    const r = btfkit('diff', vmlinux, vmlinux);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('0 added, 0 removed, 0 changed\n');
  });

  it('lists every edit and exits 1', () => {
    const r = btfkit('diff', vmlinux, edited);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^- func do_sys_open \[\d+\]$/);
    expect(lines[1]).toMatch(/^~ enum pid_type \[\d+ -> \d+\]$/);
    expect(lines[2]).toMatch(/^ {4}enumerator PIDTYPE_PID 0 -> 42$/);
    expect(lines[3]).toMatch(/^~ struct list_head \[\d+ -> \d+\]$/);
    expect(lines.slice(4)).toEqual([
      '    size 16 -> 24',
      '    ~ prev: moved 8 -> 16',
      '0 added, 1 removed, 2 changed',
    ]);
  });

  it('prints the SpecDiff as JSON and narrows to --type names', () => {
    const r = btfkit('diff', vmlinux, edited, '--json', '--type', 'list_head', '--type', 'u32');
    expect(r.status).toBe(1);
    const d = JSON.parse(r.stdout) as SpecDiff;
    expect(d.added).toEqual([]);
    expect(d.removed).toEqual([]);
    expect(d.changed.map((c) => c.name)).toEqual(['list_head']);
    expect(d.changed[0]!.members).toEqual([
      {
        name: 'prev',
        changes: ['moved'],
        old: { bitOffset: 64, bitfieldSize: 0, type: '*struct list_head' },
        new: { bitOffset: 128, bitfieldSize: 0, type: '*struct list_head' },
      },
    ]);
    const same = btfkit('diff', vmlinux, edited, '--type', 'task_struct');
    expect(same.status).toBe(0);
  });

  it('reports a malformed file as a one-line error with status 1, and usage errors with 2', () => {
    const bad = join(scratch, 'bad.btf');
    writeFileSync(bad, new Uint8Array([0x9f, 0xeb, 1, 0, 24, 0, 0, 0]));
    const r = btfkit('diff', vmlinux, bad);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^btfkit: btf: /);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(btfkit('diff', vmlinux).status).toBe(2);
  });
});
