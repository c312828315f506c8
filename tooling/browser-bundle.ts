// Bundles code the way a browser bundler would (esbuild, platform browser, the `browser`
// export condition), for tests that prove a package imports nothing from Node.
import { build } from 'esbuild';

/** What a browser bundle pulled in. */
export interface BrowserBundle {
  /** Every input file of the bundle, as esbuild names them. */
  readonly inputs: string[];
  /** The bundled code. */
  readonly code: string;
}

/**
 * Bundles `source` (module text, resolved from `resolveDir`) for a browser.
 * @throws esbuild's error when something cannot be bundled for a browser (a Node built-in)
 */
export async function bundleForBrowser(source: string, resolveDir: string): Promise<BrowserBundle> {
  const result = await build({
    stdin: { contents: source, resolveDir },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
    conditions: ['browser'],
  });
  return { inputs: Object.keys(result.metafile.inputs), code: result.outputFiles[0]!.text };
}
