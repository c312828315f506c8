import { basename, join, resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * The test setup every btfkit package shares. When `BTFKIT_RESULTS_DIR` is set (by `.ci/run`),
 * each package also writes vitest's JSON report there, so one script can count every test.
 */
export function packageTests(packageDir: string) {
  const resultsDir = process.env.BTFKIT_RESULTS_DIR;
  const name = basename(packageDir);
  const reporters: string[] = ['default'];
  const outputFile: Record<string, string> = {};
  if (resultsDir) {
    reporters.push('json');
    outputFile.json = join(resolve(resultsDir), `${name}.json`);
  }
  return defineConfig({
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      reporters,
      outputFile,
      testTimeout: 120_000,
      hookTimeout: 120_000,
      // A loaded machine (CI has two cores) can take seconds where a quiet one takes
      // milliseconds; vitest's default of one second made browser polls flaky.
      expect: { poll: { timeout: 30_000 } },
      pool: 'forks',
      root: packageDir,
    },
  });
}
