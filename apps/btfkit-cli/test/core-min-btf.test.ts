import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Builder, Spec, Struct } from 'btfkit';
import { describe, expect, it } from 'vitest';
import { btfkit, scratch, testdata, vmlinux } from './helpers.js';

const dir = join(testdata, 'core-kernel');

describe('btfkit core min-btf', () => {
  it('writes the bytes bpftool gen min_core_btf wrote for the same objects', () => {
    const out = join(scratch, 'all.min.btf');
    const r = btfkit(
      'core',
      'min-btf',
      join(dir, 'funcs-el.o'),
      join(dir, 'probe-el.o'),
      join(testdata, 'objects', 'core-el.o'),
      '--target',
      vmlinux,
      '-o',
      out,
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^wrote \d+ bytes of BTF for 3 object\(s\) to /);
    expect(readFileSync(out).equals(readFileSync(join(dir, 'min', 'all-el.vmlinux.btf')))).toBe(
      true,
    );
    // No temporary file is left beside OUT.
    expect(readdirSync(scratch).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('exits 1 and writes nothing when a relocation fails', () => {
    // Two candidates for probe.c's sk_buff that disagree on where len is: an ambiguity.
    const src = Spec.parse(readFileSync(vmlinux)).anyTypesByName('sk_buff')[0];
    if (src?.kind !== 'struct') throw new Error('vmlinux has no struct sk_buff');
    const len = src.members.find((m) => m.name === 'len')!;
    const b = new Builder();
    b.add(new Struct('sk_buff', src.size, [{ ...len, bitOffset: 0 }]));
    b.add(new Struct('sk_buff___two', src.size, [{ ...len, bitOffset: 32 }]));
    const target = join(scratch, 'ambiguous.btf');
    writeFileSync(target, b.marshal());
    const out = join(scratch, 'never.btf');
    const r = btfkit('core', 'min-btf', join(dir, 'probe-el.o'), '--target', target, '-o', out);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^btfkit: .*socket.*ambigu/);
    expect(existsSync(out)).toBe(false);
  });

  it('exits 2 on usage mistakes', () => {
    expect(btfkit('core').status).toBe(2);
    expect(btfkit('core', 'frobnicate').status).toBe(2);
    expect(btfkit('core', 'min-btf', '--target', vmlinux, '-o', 'x').status).toBe(2);
    expect(btfkit('core', 'min-btf', join(dir, 'probe-el.o'), '-o', 'x').status).toBe(2);
    expect(btfkit('core', 'min-btf', join(dir, 'probe-el.o'), '--target', vmlinux).status).toBe(2);
    const help = btfkit('core', '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(
      /^usage: btfkit core .*\| core min-btf OBJ\.\.\. --target FILE -o OUT/,
    );
    expect(help.stdout).toMatch(/^ {2}min-btf OBJ\.\.\. /m);
  });
});
