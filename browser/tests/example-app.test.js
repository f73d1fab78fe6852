// The example app (the README's first command) in real Chromium with JavaScript off: sign in,
// write a post (a validation error first), delete it; and a forged delete by another user fails.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { launch } from '../lib/browser.js';
import { artifact } from '../lib/artifacts.js';
import { startServer, exampleBinary } from '../lib/server.js';

let app;
let browser;
let dataDir;

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'actum-example-'));
  app = await startServer(exampleBinary(), [], {
    PORT: '0',
    ACTUM_EXAMPLE_DB: path.join(dataDir, 'example.db'),
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  app?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function signedIn(name, { javaScriptEnabled = false } = {}) {
  const context = await browser.newContext({ javaScriptEnabled });
  const page = await context.newPage();
  await page.goto(app.url);
  await page.fill('#sign-in input[name=name]', name);
  await submit(page, '#sign-in button');
  return page;
}

async function submit(page, button) {
  const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(button)]);
  return response;
}

test('a signed-in user writes a post, after fixing a validation error, and deletes it', async () => {
  const page = await signedIn('ann');
  assert.match(await page.textContent('header'), /ann/);

  // Spaces pass the browser's `required` check; the server trims them and refuses the title.
  await page.fill('#create-post input[name=title]', '   ');
  await page.fill('#create-post textarea[name=body]', 'kept after the error');
  await submit(page, '#create-post button');
  assert.match(await page.textContent('#create-post'), /title/i, 'the title error is next to the form');
  assert.equal(await page.inputValue('#create-post textarea[name=body]'), 'kept after the error');

  await page.fill('#create-post input[name=title]', 'Hello from Chromium');
  await submit(page, '#create-post button');
  assert.match(new URL(page.url()).pathname, /^\/posts\/\d+$/);
  assert.match(await page.textContent('body'), /Hello from Chromium/);

  await page.goto(app.url);
  const deleteForm = page.locator('form[id^="delete-post-"]');
  assert.equal(await deleteForm.count(), 1);
  await submit(page, 'form[id^="delete-post-"] button');
  assert.doesNotMatch(await page.textContent('body'), /Hello from Chromium/);
  await page.screenshot({ path: artifact('example-app-after-delete.png') });
  await page.context().close();
});

test("another user's forged delete is refused and the post stays", async () => {
  const ann = await signedIn('ann2');
  await ann.fill('#create-post input[name=title]', 'Ann keeps this');
  await submit(ann, '#create-post button');
  await ann.goto(app.url);
  const deleteUrl = await ann.getAttribute('form[id^="delete-post-"]', 'action');

  // Bob never sees a delete button for Ann's post, but any action is reachable by a direct POST:
  // he builds the form himself, in his own signed-in browser.
  const bob = await signedIn('bob', { javaScriptEnabled: true });
  assert.equal(await bob.locator('form[id^="delete-post-"]').count(), 0);
  const [response] = await Promise.all([
    bob.waitForNavigation({ waitUntil: 'load' }),
    bob.evaluate((url) => {
      const form = document.createElement('form');
      form.method = 'post';
      form.action = url;
      document.body.append(form);
      form.submit();
    }, deleteUrl),
  ]);
  assert.equal(response.status(), 403);

  await ann.goto(app.url);
  assert.match(await ann.textContent('body'), /Ann keeps this/);
  await ann.context().close();
  await bob.context().close();
});

test('with JavaScript on, a garde validation error comes back into the page without a reload', async () => {
  const page = await signedIn('carol', { javaScriptEnabled: true });
  await page.evaluate(() => { /** @type {any} */ (window).__marker = 1; });
  await page.fill('#create-post input[name=title]', '   ');
  await page.fill('#create-post textarea[name=body]', 'typed with the script on');
  const answered = page.waitForResponse((r) => r.url().includes('/_actum/') && r.request().method() === 'POST');
  await page.click('#create-post button');
  const response = await answered;
  assert.equal(response.status(), 422);
  await page.waitForSelector('#create-post [aria-invalid="true"]');
  assert.match(await page.textContent('#create-post'), /a title is required/);
  assert.equal(await page.inputValue('#create-post textarea[name=body]'), 'typed with the script on');
  assert.equal(await page.evaluate(() => /** @type {any} */ (window).__marker), 1, 'no page load');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'title');
  await page.screenshot({ path: artifact('example-app-validation-js.png') });

  await page.fill('#create-post input[name=title]', 'Written with the script');
  await page.click('#create-post button');
  await page.waitForURL(/\/posts\/\d+$/);
  assert.match(await page.textContent('body'), /Written with the script/);
  assert.equal(await page.evaluate(() => /** @type {any} */ (window).__marker), 1, 'the redirect was applied without a load');
  await page.goBack();
  await page.waitForURL(app.url + '/');
  await page.context().close();
});
