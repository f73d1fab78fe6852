// The conformance fixture's forms in real Chromium with JavaScript switched off: every action
// works as a plain HTML form post (the seeds' progressive enhancement), through the origin check
// with the headers a real browser sends.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { fixtureAndBrowser } from '../lib/setup.js';
import { artifact } from '../lib/artifacts.js';
import { runs } from '../lib/server.js';

const ctx = fixtureAndBrowser();

/** A fresh page with JavaScript off, at the fixture's home page. */
async function homeWithoutJs() {
  const context = await ctx.browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(ctx.fixture.url);
  return page;
}

/**
 * Clicks a submit button and waits for the page the browser lands on.
 * @returns {Promise<import('playwright-core').Response | null>}
 */
async function submit(page, button) {
  const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(button)]);
  return response;
}

test('a form adds to the counter and the page shows the new total', async () => {
  const page = await homeWithoutJs();
  await page.fill('#counter_add input[name=n]', '5');
  const response = await submit(page, '#counter_add button');
  assert.equal(response.status(), 200);
  assert.equal(new URL(page.url()).pathname, '/');
  assert.equal(await page.textContent('#total'), '5');
  assert.equal((await runs(ctx.fixture.url)).counter_add, 1);
  await page.context().close();
});

test('a too-long title comes back next to its own form, with what was typed', async () => {
  const page = await homeWithoutJs();
  const before = await runs(ctx.fixture.url);
  const long = 'x'.repeat(101);
  await page.fill('#rename_item-2 input[name=title]', long);
  await submit(page, '#rename_item-2 button');
  assert.match(await page.textContent('#rename_item-2-error'), /1 to 100 characters/);
  assert.equal(await page.inputValue('#rename_item-2 input[name=title]'), long);
  assert.equal(await page.getAttribute('#rename_item-2 input[name=title]', 'aria-invalid'), 'true');
  assert.equal(await page.locator('#rename_item-1-error').count(), 0, 'other rows keep their own state');
  assert.equal(await page.textContent('#item-2'), 'Second item', 'nothing changed');
  assert.equal((await runs(ctx.fixture.url)).rename_item, (before.rename_item ?? 0) + 1);
  // Reloading shows the page without the error: the state was shown once, and no resubmit.
  await page.reload();
  assert.equal(await page.locator('#rename_item-2-error').count(), 0);
  await page.screenshot({ path: artifact('native-validation-error.png') });
  await page.context().close();
});

test('renaming and deleting use the bound item id', async () => {
  const page = await homeWithoutJs();
  await page.fill('#rename_item-1 input[name=title]', 'Renamed in Chromium');
  await submit(page, '#rename_item-1 button');
  assert.equal(await page.textContent('#item-1'), 'Renamed in Chromium');
  await submit(page, '#delete_item-3 button');
  assert.equal(await page.locator('#item-3').count(), 0);
  assert.equal(await page.textContent('#item-2'), 'Second item');
  await page.context().close();
});

test('a cookie set by an action reaches the re-rendered page', async () => {
  const page = await homeWithoutJs();
  await page.fill('#set_cookie input[name=name]', 'theme');
  await page.fill('#set_cookie input[name=value]', 'dark');
  await submit(page, '#set_cookie button');
  assert.equal(await page.getAttribute('body', 'data-theme'), 'dark');
  const cookie = (await page.context().cookies()).find((c) => c.name === 'theme');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Lax');
  await page.screenshot({ path: artifact('native-cookie-theme.png') });
  await page.context().close();
});

test('a file uploads through a multipart form', async () => {
  const page = await homeWithoutJs();
  const content = Buffer.from('hello from chromium\n');
  await page.setInputFiles('#upload input[name=file]', { name: 'note.txt', mimeType: 'text/plain', buffer: content });
  await submit(page, '#upload button');
  const result = JSON.parse(await page.textContent('#result'));
  assert.equal(result.name, 'note.txt');
  assert.equal(result.size, content.length);
  assert.equal(result.sha256, createHash('sha256').update(content).digest('hex'));
  await page.context().close();
});

test('a redirect lands on its target; an open redirect is refused', async () => {
  const page = await homeWithoutJs();
  await page.fill('#go_to input[name=to]', '/?from=go_to');
  await submit(page, '#go_to button');
  assert.equal(new URL(page.url()).search, '?from=go_to');
  await page.fill('#go_to input[name=to]', '//evil.example/');
  const response = await submit(page, '#go_to button');
  assert.equal(response.status(), 400);
  assert.equal(new URL(page.url()).host, new URL(ctx.fixture.url).host, 'still on the fixture');
  await page.context().close();
});

test('a panic shows an error page with a digest, and the app goes on', async () => {
  const page = await homeWithoutJs();
  const response = await submit(page, '#boom button');
  assert.equal(response.status(), 500);
  assert.match(await page.textContent('body'), /digest/i);
  assert.doesNotMatch(await page.content(), /on purpose/, 'no internals on the page');
  await page.goto(ctx.fixture.url);
  assert.equal(await page.locator('#counter_add').count(), 1);
  await page.context().close();
});
