import { defineConfig, type Options } from 'tsup';

/**
 * The build every btfkit package shares: ESM and CJS with declarations for both, one entry per
 * public subpath. A package's own `tsup.config.ts` names its entries and nothing else.
 */
export function packageBuild(entry: Record<string, string>, extra: Partial<Options> = {}) {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    platform: 'neutral',
    treeshake: true,
    splitting: false,
    ...extra,
  });
}
