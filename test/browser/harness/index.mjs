/**
 * sealrtc's real-browser test harness (shared by the transform and room suites): launch the Debian
 * Chromium, serve esbuild-bundled pages on 127.0.0.1, and poll pages with bounded loops.
 * Page-side picture/tone helpers are in `picture.ts` (import them from page modules).
 *
 * Run browser tests inside a loopback-only network namespace (see `npm run test:browser`).
 */
export { CHROMIUM_FLAGS, chromiumPath, launchChromium, openPage, pollUntil } from './chromium.mjs';
export { bundleForBrowser, startPageServer } from './server.mjs';

/**
 * Calls `window.sealtest[fn](...args)` in `page` (the convention of sealrtc's test pages).
 *
 * @param {import('playwright-core').Page} page
 * @param {string} fn
 * @param {...unknown} args
 */
export function call(page, fn, ...args) {
  return page.evaluate(([f, a]) => window.sealtest[f](...a), [fn, args]);
}
