/**
 * Launches the Debian Chromium for sealrtc's real-browser tests and benchmarks.
 *
 * Playwright cannot download its own browsers on these machines, so we drive the system Chromium
 * with playwright-core. `CHROME_PATH` overrides the executable; the default is `/usr/bin/chromium`.
 * The flags are the ones BROWSER-TESTING.md found necessary: no sandbox (root), fake media devices,
 * host ICE candidates on loopback, and nothing that talks to the network by itself.
 */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

/** Flags every sealrtc browser test runs with. */
export const CHROMIUM_FLAGS = Object.freeze([
  '--no-sandbox',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--autoplay-policy=no-user-gesture-required',
  // Pages in background contexts must keep drawing canvases and running timers at full rate.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
]);

/** The Chromium executable the tests will use (may not exist). */
export function chromiumPath() {
  return process.env.CHROME_PATH || '/usr/bin/chromium';
}

/**
 * Launches one headless Chromium. Reuse it across the tests of a file (a new context per party is
 * cheap; a browser launch is not).
 *
 * @param {{ extraArgs?: string[] }} [opts]
 * @returns {Promise<import('playwright-core').Browser>}
 * @throws Error naming `apt-get install -y chromium` when no executable is found.
 */
export async function launchChromium(opts = {}) {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath)) {
    throw new Error(
      `sealrtc browser tests: no Chromium at ${executablePath}. Install it with ` +
        `"apt-get update && apt-get install -y chromium" or set CHROME_PATH to a Chromium/Chrome binary.`,
    );
  }
  return chromium.launch({
    executablePath,
    headless: true,
    args: [...CHROMIUM_FLAGS, ...(opts.extraArgs ?? [])],
  });
}

/**
 * Opens a fresh context (its own origin storage, like a separate person's browser) and a page at
 * `url`. Page console errors and uncaught exceptions are collected so a test can assert on them.
 *
 * @param {import('playwright-core').Browser} browser
 * @param {string} url
 * @returns {Promise<{ context: import('playwright-core').BrowserContext, page: import('playwright-core').Page, errors: string[] }>}
 */
export async function openPage(browser, url) {
  const context = await browser.newContext();
  const page = await context.newPage();
  /** @type {string[]} */
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
    if (process.env.SEALRTC_BROWSER_LOG) console.log(`[page] ${m.text()}`);
  });
  await page.goto(url);
  return { context, page, errors };
}

/**
 * Polls `probe` until `done(value)` holds or `attempts` run out (bounded loop, no timed assertion):
 * returns the last value either way so the caller's assertion reports what was seen.
 *
 * @template T
 * @param {() => Promise<T>} probe
 * @param {(value: T) => boolean} done
 * @param {{ attempts?: number, intervalMs?: number }} [opts]
 * @returns {Promise<T>}
 */
export async function pollUntil(probe, done, opts = {}) {
  const attempts = opts.attempts ?? 100;
  const intervalMs = opts.intervalMs ?? 100;
  let value = await probe();
  for (let i = 1; i < attempts && !done(value); i++) {
    await new Promise((r) => setTimeout(r, intervalMs));
    value = await probe();
  }
  return value;
}
