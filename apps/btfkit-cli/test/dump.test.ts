import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { btfkit, golden, scratch, testdata, vmlinux } from './helpers.js';

const objects = readdirSync(join(testdata, 'objects'))
  .filter((f) => /-e[lb]\.o$/.test(f))
  .sort();

describe('btfkit dump', () => {
  it('dumps vmlinux byte for byte as bpftool, raw and json', () => {
    const raw = btfkit('dump', vmlinux);
    expect(raw.status).toBe(0);
    expect(raw.stdout === golden('vmlinux', 'vmlinux.raw.golden.gz')).toBe(true);
    const json = btfkit('dump', vmlinux, '--format', 'json');
    expect(json.stdout === golden('vmlinux', 'vmlinux.json.golden.gz')).toBe(true);
  });

  it('reads gzipped BTF, as the bundled sample is', () => {
    const r = btfkit('dump', join(testdata, 'vmlinux', 'vmlinux.btf.gz'));
    expect(r.stdout === golden('vmlinux', 'vmlinux.raw.golden.gz')).toBe(true);
  });

  for (const obj of objects) {
    const stem = obj.replace(/\.o$/, '');
    it(`${obj}: raw shows .BTF as stored, as bpftool does`, () => {
      const r = btfkit('dump', join(testdata, 'objects', obj));
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(golden('objects', `${stem}.raw.golden`));
      expect(btfkit('dump', join(testdata, 'objects', obj), '--format', 'json').stdout).toBe(
        golden('objects', `${stem}.json.golden`),
      );
    });
    if (obj.endsWith('-el.o')) {
      it(`${obj}: --fixup shows DATASECs as libbpf fixes them`, () => {
        const r = btfkit('dump', join(testdata, 'objects', obj), '--fixup');
        expect(r.stdout).toBe(golden('objects', `${stem}.libbpf.raw.golden`));
      });
    }
  }

  it('dumps split BTF with --base as bpftool -B', () => {
    const r = btfkit(
      'dump',
      join(testdata, 'pahole', 'split.btf'),
      '--base',
      join(testdata, 'pahole', 'base.btf'),
    );
    expect(r.stdout).toBe(golden('pahole', 'split.raw.golden'));
  });
});

describe('btfkit encode', () => {
  const inputs = [
    ...objects.map((o) => join(testdata, 'objects', o)),
    join(testdata, 'pahole', 'base.btf'),
    vmlinux,
  ];
  for (const input of inputs) {
    it(`${input.split('/').pop()}: encode then dump equals the original's dump`, () => {
      const out = join(scratch, `${input.split('/').pop()}.enc`);
      const enc = btfkit('encode', input, '-o', out);
      expect(enc.stderr).toBe('');
      expect(enc.status).toBe(0);
      expect(btfkit('dump', out).stdout === btfkit('dump', input, '--fixup').stdout).toBe(true);
    });
  }

  it('converts byte order and back', () => {
    const be = join(scratch, 'base.be');
    const le = join(scratch, 'base.le');
    const base = join(testdata, 'pahole', 'base.btf');
    expect(btfkit('encode', base, '-o', be, '--byte-order', 'big').status).toBe(0);
    expect(btfkit('encode', be, '-o', le, '--byte-order', 'little').status).toBe(0);
    expect(btfkit('dump', be).stdout).toBe(golden('pahole', 'base.raw.golden'));
    expect(btfkit('dump', le).stdout).toBe(golden('pahole', 'base.raw.golden'));
  });

  it('strips FUNC linkage', () => {
    const out = join(scratch, 'static.btf');
    const obj = join(testdata, 'objects', 'programs-el.o');
    expect(btfkit('encode', obj, '-o', out, '--strip-func-linkage').status).toBe(0);
    const dumped = btfkit('dump', out).stdout;
    expect(btfkit('dump', obj).stdout).toMatch(/linkage=global/);
    expect(dumped).not.toMatch(/FUNC .* linkage=global/);
    expect(dumped).toMatch(/FUNC .* linkage=static/);
  });

  it('leaves an existing OUT as it was when the input is bad, and no temporary file', () => {
    const dir = join(scratch, 'encode-bad');
    mkdirSync(dir);
    const out = join(dir, 'out.btf');
    writeFileSync(out, 'previous content');
    const r = btfkit('encode', join(testdata, 'objects', 'enums.c'), '-o', out);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^btfkit: /);
    expect(readFileSync(out, 'utf8')).toBe('previous content');
    expect(readdirSync(dir)).toEqual(['out.btf']);
  });

  it('replaces an existing OUT whole', () => {
    const dir = join(scratch, 'encode-replace');
    mkdirSync(dir);
    const out = join(dir, 'out.btf');
    writeFileSync(out, 'x'.repeat(1 << 20));
    const base = join(testdata, 'pahole', 'base.btf');
    expect(btfkit('encode', base, '-o', out).status).toBe(0);
    expect(readFileSync(out).equals(readFileSync(base))).toBe(true);
    expect(readdirSync(dir)).toEqual(['out.btf']);
  });
});
