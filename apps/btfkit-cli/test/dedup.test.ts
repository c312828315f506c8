import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { btfkit, scratch, testdata } from './helpers.js';

// The goldens are libbpf 1.1's btf__dedup output (tooling/dedup-oracle, see
// testdata/dedup/manifest.txt); the .btf files under objects/ are the .o files' .BTF sections.

describe('btfkit dedup', () => {
  it("writes libbpf's bytes for ELF objects appended in order", () => {
    const names = ['basic', 'core', 'enums', 'layout', 'programs', 'tags'];
    const out = join(scratch, 'objects-el.btf');
    const r = btfkit(
      'dedup',
      ...names.map((n) => join(testdata, 'objects', `${n}-el.o`)),
      '-o',
      out,
    );
    expect(r.stderr).toMatch(/^\d+ types in, \d+ out\n$/);
    expect(r.status).toBe(0);
    expect(readFileSync(out)).toEqual(
      readFileSync(join(testdata, 'dedup', 'objects-el.dedup.btf')),
    );
    const [, n, m] = /^(\d+) types in, (\d+) out/.exec(r.stderr)!;
    expect(Number(m)).toBeLessThan(Number(n));
  });

  it('dedups split BTF against --base', () => {
    const out = join(scratch, 'split-repeats.btf');
    const r = btfkit(
      'dedup',
      join(testdata, 'dedup', 'split-repeats.btf'),
      '--base',
      join(testdata, 'pahole', 'base.btf'),
      '-o',
      out,
    );
    expect(r.status).toBe(0);
    expect(readFileSync(out)).toEqual(
      readFileSync(join(testdata, 'dedup', 'pahole-split-repeats.dedup.btf')),
    );
  });

  it('appends ELF objects after --base (their BTF stands alone)', () => {
    const out = join(scratch, 'objects-on-base.btf');
    const r = btfkit(
      'dedup',
      join(testdata, 'objects', 'basic-el.o'),
      join(testdata, 'objects', 'enums-el.o'),
      '--base',
      join(testdata, 'pahole', 'base.btf'),
      '-o',
      out,
    );
    expect(r.status).toBe(0);
    expect(readFileSync(out)).toEqual(
      readFileSync(join(testdata, 'dedup', 'objects-on-base.dedup.btf')),
    );
  });

  it('leaves OUT as it was when the input is bad, and no temporary file', () => {
    const out = join(scratch, 'kept.btf');
    writeFileSync(out, 'old');
    const bad = join(scratch, 'bad.btf');
    writeFileSync(bad, new Uint8Array([0x9f, 0xeb, 1, 0, 24, 0, 0, 0]));
    const r = btfkit('dedup', bad, '-o', out);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^btfkit: btf: /);
    expect(readFileSync(out, 'utf8')).toBe('old');
    expect(readdirSync(scratch).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('needs -o and an input', () => {
    expect(btfkit('dedup', '-o', join(scratch, 'x.btf')).status).toBe(2);
    expect(btfkit('dedup', join(testdata, 'objects', 'basic-el.btf')).status).toBe(2);
    expect(existsSync(join(scratch, 'x.btf'))).toBe(false);
  });
});
