// The browser the end-to-end tests and `pnpm bench` drive: Debian's chromium through
// playwright-core (no browser download), headless, with a fresh profile and nothing that
// talks to the network on its own.
import { chromium } from 'playwright-core';

/** The chromium binary: CHROMIUM, else Debian's. */
export const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

/**
 * Launches headless chromium with `profile` as its user data folder, in a 1440×900 viewport.
 * A persistent context is how playwright takes a fresh --user-data-dir of our own.
 * @param {string} profile
 * @returns {Promise<import('playwright-core').BrowserContext>}
 */
export function launchChromium(profile) {
  return chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
