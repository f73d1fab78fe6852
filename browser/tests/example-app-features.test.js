// The example app's other flows in real Chromium, each with JavaScript off and on: the message
// thread (with the optimistic append), the invoice form's server-side field errors, the theme
// cookie, attachments and their size limits, the action that fails (error boundary, digest) and
// a missing post.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MODES, appAndBrowser, mode, openApp, screenshot, signedIn, submit, text } from '../lib/example-app.js';

const ctx = appAndBrowser();

/** Opens a new post of the signed-in user and returns its URL. @param {import('playwright-core').Page} page */
async function newPost(page, title, js) {
  await page.fill('#create-post input[name=title]', title);
  await submit(page, '#publish', js);
  await page.waitForURL(/\/posts\/\d+$/);
  return page.url();
}

for (const js of MODES) {
  test(`a message joins the thread (${mode(js)})`, async () => {
    const page = await signedIn(ctx.browser, ctx.url, `tess-${js}`, js);
    await page.goto(`${ctx.url}/thread`);
    const before = await page.locator('#messages li').count();
    await page.fill('#message', `hello from ${mode(js)}`);
    if (js) {
      // Hold the call, to see the optimistic copy while it is in flight (the seeds' useOptimistic).
      /** @type {(value: import('playwright-core').Route) => void} */
      let held = () => {};
      const request = new Promise((resolve) => { held = resolve; });
      await page.route('**/_actum/**', (route) => route.request().headers()['actum-request'] ? held(route) : route.fallback());
      const ends = await page.evaluate(() => /** @type {any} */ (window).__ends);
      await page.click('#send-message button');
      const route = /** @type {import('playwright-core').Route} */ (await request);
      await page.waitForSelector('#messages li[data-optimistic]');
      assert.match(await text(page, '#messages li[data-optimistic]'), /hello from JavaScript on\s+sending…/);
      assert.equal(await page.getAttribute('#send-message', 'aria-busy'), 'true', 'the form is pending');
      await screenshot(page, 'thread-optimistic');
      await page.unroute('**/_actum/**');
      await route.fallback();
      await page.waitForFunction((n) => /** @type {any} */ (window).__ends > n, ends);
      assert.equal(await page.locator('#messages li[data-optimistic]').count(), 0, 'the server list replaced the copy');
    } else {
      await submit(page, '#send-message button', js);
    }
    assert.equal(await page.locator('#messages li').count(), before + 1);
    assert.match(await text(page, '#messages li:last-child'), new RegExp(`tess-${js} hello from ${mode(js)}`));
    assert.equal(await page.inputValue('#message'), '', 'the field is empty again');

    // A blank message is refused next to the field.
    await page.fill('#message', '   ');
    await submit(page, '#send-message button', js);
    assert.match(await text(page, '#send-message'), /write a message first/);
    assert.equal(await page.locator('#messages li').count(), before + 1);
    await page.context().close();
  });

  test(`the invoice form shows the server's field errors, then saves (${mode(js)})`, async () => {
    const page = await signedIn(ctx.browser, ctx.url, `ivy-${js}`, js);
    await page.goto(`${ctx.url}/invoices`);
    await page.fill('#amount', '12,5');
    await submit(page, '#create-invoice button', js);
    assert.equal(await text(page, '#customerId-error'), 'choose a customer');
    assert.equal(await text(page, '#amount-error'), 'enter an amount such as 120 or 120.50');
    assert.equal(await text(page, '#status-error'), 'choose pending or paid');
    assert.equal(await page.inputValue('#amount'), '12,5', 'what was typed stays');
    if (js) await screenshot(page, 'invoice-errors');

    await page.selectOption('#customerId', { label: 'Initech' });
    await page.fill('#amount', '120.5');
    await page.check('input[name=status][value=paid]');
    await submit(page, '#create-invoice button', js);
    assert.equal(await page.locator('#amount-error').count(), 0);
    assert.match(await text(page, '#invoices tbody tr:first-child'), /Initech\s*120\.50\s*paid\s*ivy/);
    await page.context().close();
  });

  test(`the theme is a cookie set by an action; the page comes back with it (${mode(js)})`, async () => {
    const page = await openApp(ctx.browser, `${ctx.url}/seeds`, js);
    assert.equal(await page.getAttribute('html', 'data-theme'), 'light');
    await submit(page, '#theme button', js);
    assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
    assert.equal(await text(page, '#theme button'), 'Use the light theme');
    const cookies = await page.context().cookies();
    assert.equal(cookies.find((c) => c.name === 'theme')?.value, 'dark');
    if (js) await screenshot(page, 'seeds-dark');
    await page.reload();
    assert.equal(await page.getAttribute('html', 'data-theme'), 'dark', 'kept across loads');
    await page.context().close();
  });

  test(`a file is attached; one too large is refused with the limit (${mode(js)})`, async () => {
    const page = await signedIn(ctx.browser, ctx.url, `una-${js}`, js);
    const url = await newPost(page, 'With files', js);
    assert.equal(await text(page, '#upload-limit'), 'Up to 256 KiB.');

    await page.setInputFiles('#file', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
    await submit(page, '#upload button', js);
    assert.match(await text(page, '#attachments ul'), /notes\.txt \(5 bytes\)/);

    await page.setInputFiles('#file', { name: 'big.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(300 * 1024) });
    await submit(page, '#upload button', js);
    assert.equal(await text(page, '#file-error'), 'this file has 300 KiB: attachments may have at most 256 KiB');
    assert.equal(await page.locator('#attachments ul li').count(), 1, 'not stored');

    // Past the action's body limit the server refuses before reading the file.
    await page.setInputFiles('#file', { name: 'huge.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(2 * 1024 * 1024) });
    const response = await submit(page, '#upload button', js);
    if (js) {
      assert.match(await text(page, '#page-error'), /request body is larger than 524288 bytes/);
      assert.equal(await page.isVisible('#page-error'), true);
    } else {
      assert.equal(response?.status(), 413);
      assert.match(await text(page, 'body'), /request body is larger than 524288 bytes/);
    }
    await page.goto(url);
    assert.equal(await page.locator('#attachments ul li').count(), 1, 'not stored');
    await page.context().close();
  });

  test(`an action that fails shows its digest; a missing post is a 404 (${mode(js)})`, async () => {
    const page = await signedIn(ctx.browser, ctx.url, `rex-${js}`, js);
    await page.goto(`${ctx.url}/invoices`);
    const response = await submit(page, '#send-reminders button', js);
    if (js) {
      // The boundary around the button now shows the error, as the seeds' error.js would.
      assert.match(await text(page, '#reminders-boundary'), /^something went wrong.* \(digest \w+\)$/);
      assert.equal(await page.locator('#send-reminders').count(), 0);
      await screenshot(page, 'error-boundary');
    } else {
      assert.equal(response?.status(), 500);
      assert.match(await text(page, 'body'), /something went wrong[\s\S]*Error digest: \w+/);
    }
    const missing = await page.goto(`${ctx.url}/posts/999999`);
    assert.equal(missing?.status(), 404);
    assert.equal(await text(page, 'h1'), 'Post not found');
    await page.context().close();
  });
}
