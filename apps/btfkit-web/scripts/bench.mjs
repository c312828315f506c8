// The explorer's `pnpm bench` figures, measured in headless chromium (Debian's, through
// playwright-core) against the built app: time from a file picked to a searchable list, one
// search keystroke to updated results, and the JavaScript the first load ships (gzip).
// Called by tooling/bench/run.mjs; figures are wall-clock milliseconds measured in the page.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromiumPath, launchChromium } from './chromium.mjs';
import { serve } from './serve.mjs';

const dist = fileURLToPath(new URL('../dist', import.meta.url));

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Gzipped bytes of the JavaScript `index.html` loads before anything is opened: its module
 * scripts and modulepreloads (the worker loads on the first open).
 */
export function firstLoadJsGzip() {
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const srcs = [
    ...html.matchAll(
      /<(?:script[^>]*src|link[^>]*rel="modulepreload"[^>]*href)="\.?\/?([^"]+\.js)"/g,
    ),
  ].map((m) => m[1]);
  if (srcs.length === 0) throw new Error('bench: web: no script in dist/index.html');
  let total = 0;
  for (const s of srcs) total += gzipSync(readFileSync(join(dist, s)), { level: 9 }).byteLength;
  return { bytes: total, files: srcs };
}

/**
 * Opens `file` `runs` times in a fresh page each, and types `keys` into the search box once
 * per run; returns the medians.
 * @returns {Promise<{ open: number, keystroke: number, runs: number } | { missing: string }>}
 */
export async function benchExplorer(file, runs, keys = 'task_stru') {
  if (!existsSync(chromiumPath))
    return { missing: `${chromiumPath} missing (apt-get install -y chromium)` };
  if (!existsSync(join(dist, 'index.html'))) return { missing: 'apps/btfkit-web is not built' };
  const server = await serve(dist);
  const profile = mkdtempSync(join(tmpdir(), 'btfkit-bench-chromium-'));
  const ctx = await launchChromium(profile);
  try {
    const opens = [];
    const strokes = [];
    for (let i = 0; i < runs; i++) {
      const page = await ctx.newPage();
      await page.goto(server.url);
      await page.setInputFiles('[data-testid="file-input"]', file);
      await page.waitForFunction(() => {
        const t = globalThis.__btfkit?.timings;
        return t && t.listReady > t.selected && document.querySelector('[data-testid="type-row"]');
      });
      opens.push(
        await page.evaluate(
          () => globalThis.__btfkit.timings.listReady - globalThis.__btfkit.timings.selected,
        ),
      );
      await page.click('[data-testid="search"]');
      for (const k of keys) {
        await page.keyboard.type(k);
        strokes.push(await page.evaluate(() => globalThis.__btfkit.timings.searchMs));
      }
      await page.close();
    }
    return { open: median(opens), keystroke: median(strokes), runs };
  } finally {
    await ctx.close();
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
