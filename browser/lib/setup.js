// The setup every browser test file shares: the conformance fixture and a Chromium, started
// before the file's tests and stopped after them.

import { before, after } from 'node:test';
import { launch } from './browser.js';
import { startFixture } from './server.js';

/**
 * Registers the file's `before`/`after` hooks and returns the object they fill.
 * @param {string[]} [fixtureArgs] extra arguments for the fixture
 * @returns {{ fixture: Awaited<ReturnType<typeof startFixture>>, browser: import('playwright-core').Browser }}
 */
export function fixtureAndBrowser(fixtureArgs = []) {
  const ctx = /** @type {any} */ ({});
  before(async () => {
    ctx.fixture = await startFixture(fixtureArgs);
    ctx.browser = await launch();
  });
  after(async () => {
    await ctx.browser?.close();
    ctx.fixture?.stop();
  });
  return ctx;
}
