import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), '..');

describe('browser', () => {
  it('the built package bundles for a browser with no Node built-in', async () => {
    const result = await build({
      entryPoints: [resolve(pkg, 'dist/index.js')],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.length).toBeGreaterThan(0);
    expect(inputs.filter((i) => i.startsWith('node:'))).toEqual([]);
    // The only dependency bundled is @btfkit/wire.
    expect(
      inputs.filter((i) => i.includes('node_modules') && !/btf-wire|@btfkit\/wire/.test(i)),
    ).toEqual([]);
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/from ["']node:/);
    expect(code).not.toMatch(/require\(["']/);
  });
});
