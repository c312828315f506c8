import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundleForBrowser } from '../../../tooling/browser-bundle.ts';

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), '..');

describe('browser', () => {
  it('the built package bundles for a browser with no Node built-in', async () => {
    const { inputs, code } = await bundleForBrowser("export * from './dist/index.js';", pkg);
    expect(inputs.filter((i) => i.startsWith('node:'))).toEqual([]);
    // The only dependency bundled is @btfkit/wire.
    expect(
      inputs.filter((i) => i.includes('node_modules') && !/btf-wire|@btfkit\/wire/.test(i)),
    ).toEqual([]);
    expect(inputs.some((i) => /btf-wire|@btfkit\/wire/.test(i))).toBe(true);
    expect(code).not.toMatch(/from ["']node:/);
    expect(code).not.toMatch(/require\(["']/);
  });
});
