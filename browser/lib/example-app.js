// The example app in real Chromium, with JavaScript on or off: one app (its own SQLite file in a
// temp dir) and one Chromium per test file, pages with a small viewport, a submit that waits the
// way each mode needs, and screenshots for the README.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { launch } from './browser.js';
import { startServer, exampleBinary } from './server.js';

// The README's screenshots are rewritten only when asked (`npm run screenshots`): a plain test
// run must not change committed files (they show timestamps, so every run would).
const here = path.dirname(fileURLToPath(import.meta.url));
const screenshots = process.env.ACTUM_UPDATE_SCREENSHOTS
  ? path.resolve(here, '..', '..', 'docs', 'screenshots')
  : path.resolve(here, '..', 'test-results', 'example-app');

/** Small, so the committed screenshots stay small. */
const VIEWPORT = { width: 720, height: 640 };

/** Both modes, for `for (const js of MODES)`. */
export const MODES = [false, true];

/** `JavaScript on` / `JavaScript off`, for test names. */
export const mode = (/** @type {boolean} */ js) => `JavaScript ${js ? 'on' : 'off'}`;

/**
 * Registers the file's hooks: the app on a free port with a fresh database, and a Chromium.
 * @returns {{ url: string, browser: import('playwright-core').Browser }}
 */
export function appAndBrowser() {
  const ctx = /** @type {any} */ ({});
  let app;
  let dataDir;
  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'actum-example-'));
    app = await startServer(exampleBinary(), [], { PORT: '0', ACTUM_EXAMPLE_DB: path.join(dataDir, 'example.db') });
    ctx.url = app.url;
    ctx.browser = await launch();
  });
  after(async () => {
    await ctx.browser?.close();
    app?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  return ctx;
}

/**
 * A page of the app in a fresh context (its own cookies). With JavaScript on it counts
 * client.js's `actum:end` events, so `submit` can wait for the answer.
 * @param {import('playwright-core').Browser} browser
 * @param {string} url
 * @param {boolean} js
 */
export async function openApp(browser, url, js) {
  const context = await browser.newContext({ javaScriptEnabled: js, viewport: VIEWPORT });
  const page = await context.newPage();
  if (js) {
    await page.addInitScript(() => {
      /** @type {any} */ (window).__ends = 0;
      document.addEventListener('actum:end', () => { /** @type {any} */ (window).__ends++; });
    });
  }
  await page.goto(url);
  return page;
}

/**
 * Clicks a submit button and waits for the answer: a page load with JavaScript off (resolves
 * with its response), client.js's `actum:end` with it on (and then checks that the page was not
 * reloaded: the answer was morphed in).
 * @param {import('playwright-core').Page} page
 * @param {string} selector
 * @param {boolean} js
 */
export async function submit(page, selector, js) {
  if (!js) {
    const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(selector)]);
    return response;
  }
  const ends = await page.evaluate(() => {
    /** @type {any} */ (window).__kept = true;
    return /** @type {any} */ (window).__ends;
  });
  await page.click(selector);
  await page.waitForFunction((n) => /** @type {any} */ (window).__ends > n, ends);
  assert.equal(await page.evaluate(() => /** @type {any} */ (window).__kept), true, 'no page load: the answer was morphed in');
  return null;
}

/**
 * Opens the app signed in as `name`.
 * @param {import('playwright-core').Browser} browser
 * @param {string} url
 * @param {string} name
 * @param {boolean} js
 */
export async function signedIn(browser, url, name, js) {
  const page = await openApp(browser, url, js);
  await page.fill('#sign-in input[name=name]', name);
  await submit(page, '#sign-in button', js);
  assert.match(await page.textContent('#account'), new RegExp(`Signed in as ${name}`));
  return page;
}

/**
 * Saves a screenshot of the page as browser/test-results/example-app/<name>.png, or with
 * `ACTUM_UPDATE_SCREENSHOTS=1` (`npm run screenshots`) as docs/screenshots/<name>.png, which the
 * README shows.
 * @param {import('playwright-core').Page} page
 * @param {string} name
 */
export function screenshot(page, name) {
  return page.screenshot({ path: path.join(screenshots, `${name}.png`) });
}

/** The text of an element, trimmed. @param {import('playwright-core').Page} page @param {string} selector */
export async function text(page, selector) {
  return (await page.textContent(selector))?.trim() ?? '';
}
