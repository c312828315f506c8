// The fuzz runner: bundles src/cli.ts and src/worker.ts with esbuild (the workspace packages
// stay external, so their built dist/ is what gets fuzzed) and runs them on this Node.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

process.setSourceMapsEnabled(true);
const here = fileURLToPath(new URL('..', import.meta.url));
// One folder per run, so a rebuild never swaps the worker under a run that is still going.
const outdir = join(here, 'node_modules', '.cache', 'btfkit-fuzz', String(process.pid));
await build({
  entryPoints: { cli: join(here, 'src/cli.ts'), worker: join(here, 'src/worker.ts') },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  outdir,
  outExtension: { '.js': '.mjs' },
  sourcemap: true,
  logLevel: 'warning',
});
const { main } = await import(pathToFileURL(join(outdir, 'cli.mjs')).href);
try {
  process.exitCode = await main(process.argv.slice(2));
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
