import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundleForBrowser } from '../../../tooling/browser-bundle.ts';

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), '..');

describe('browser', () => {
  it('the built package bundles for a browser with no Node built-in', async () => {
    const { inputs, code } = await bundleForBrowser("export * from './dist/index.js';", pkg);
    expect(inputs.some((i) => i.includes('dist/index.js'))).toBe(true);
    expect(inputs.filter((i) => i.startsWith('node:') || i.includes('node_modules'))).toEqual([]);
    expect(code).not.toMatch(/from ["']node:/);
    expect(code).not.toMatch(/require\(["']/);
  });
});
