import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { btfkit, scratch, testdata } from './helpers.js';

// The goldens are libbpf 1.1's btf__dedup output (tooling/dedup-oracle, see
// testdata/dedup/manifest.txt); the .btf files under objects/ are the .o files' .BTF sections.

/**
 * Runs `btfkit dedup INPUTS... [--base BASE] -o OUT` with OUT in the scratch folder, checks that
 * it succeeds and writes the bytes of `testdata/dedup/GOLDEN`, and returns the run.
 */
function dedupToGolden(inputs: string[], base: string | undefined, out: string, golden: string) {
  const outPath = join(scratch, out);
  const r = btfkit('dedup', ...inputs, ...(base ? ['--base', base] : []), '-o', outPath);
  expect(r.status).toBe(0);
  expect(readFileSync(outPath)).toEqual(readFileSync(join(testdata, 'dedup', golden)));
  return r;
}

describe('btfkit dedup', () => {
  it("writes libbpf's bytes for ELF objects appended in order", () => {
    const names = ['basic', 'core', 'enums', 'layout', 'programs', 'tags'];
    const r = dedupToGolden(
      names.map((n) => join(testdata, 'objects', `${n}-el.o`)),
      undefined,
      'objects-el.btf',
      'objects-el.dedup.btf',
    );
    expect(r.stderr).toMatch(/^\d+ types in, \d+ out\n$/);
    const [, n, m] = /^(\d+) types in, (\d+) out/.exec(r.stderr)!;
    expect(Number(m)).toBeLessThan(Number(n));
  });

  it('dedups split BTF against --base', () => {
    dedupToGolden(
      [join(testdata, 'dedup', 'split-repeats.btf')],
      join(testdata, 'pahole', 'base.btf'),
      'split-repeats.btf',
      'pahole-split-repeats.dedup.btf',
    );
  });

  it('appends ELF objects after --base (their BTF stands alone)', () => {
    dedupToGolden(
      [join(testdata, 'objects', 'basic-el.o'), join(testdata, 'objects', 'enums-el.o')],
      join(testdata, 'pahole', 'base.btf'),
      'objects-on-base.btf',
      'objects-on-base.dedup.btf',
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
