import type { BrowserContext } from 'playwright-core';

/** The chromium binary: CHROMIUM, else Debian's. */
export declare const chromiumPath: string;

/**
 * Launches headless chromium with `profile` as its user data folder, in a 1440×900 viewport.
 */
export declare function launchChromium(profile: string): Promise<BrowserContext>;
