// The end-to-end tests' session: the built app served on 127.0.0.1, opened in the chromium
// that scripts/chromium.mjs launches.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { chromiumPath, launchChromium } from '../scripts/chromium.mjs';
// @ts-expect-error: a plain .mjs script without types
import { serve } from '../scripts/serve.mjs';

/** The app's folder. */
export const appDir = resolve(import.meta.dirname, '..');
/** Where screenshots go (gitignored). */
export const artifacts = join(appDir, 'test-artifacts');

/** A running browser, server and page. */
export interface Session {
  readonly browser: BrowserContext;
  readonly page: Page;
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts the static server over `dist/`, launches headless chromium with a fresh profile,
 * and opens the app.
 * @throws Error when chromium or the build is missing
 */
export async function openApp(): Promise<Session> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`web test: ${chromiumPath} is missing (apt-get install -y chromium)`);
  }
  if (!existsSync(join(appDir, 'dist/index.html'))) {
    throw new Error('web test: dist/index.html is missing (pnpm --filter @btfkit/web build)');
  }
  mkdirSync(artifacts, { recursive: true });
  const server = (await serve(join(appDir, 'dist'))) as { url: string; close(): Promise<void> };
  const profile = mkdtempSync(join(tmpdir(), 'btfkit-chromium-'));
  const browser = await launchChromium(profile);
  const page = browser.pages()[0] ?? (await browser.newPage());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(server.url);
  return {
    browser,
    page,
    url: server.url,
    async close() {
      await browser.close();
      await server.close();
      rmSync(profile, { recursive: true, force: true });
      if (errors.length)
        throw new Error(`web test: uncaught errors in the page: ${errors.join('; ')}`);
    },
  };
}
