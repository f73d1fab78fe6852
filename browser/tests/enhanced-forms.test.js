// The conformance fixture's forms in real Chromium with JavaScript on: client.js sends them,
// marks them pending, fires its events and morphs the server's page in, with no page load.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureAndBrowser } from '../lib/setup.js';
import { artifact } from '../lib/artifacts.js';
import { runs } from '../lib/server.js';
import { events, waitForEvents, countEvents, hasMarker, openMarkedPage } from '../lib/enhanced.js';

const ctx = fixtureAndBrowser();

/** The fixture's home page, JavaScript on, marked so a reload would show; `edits` add
 * attributes as if the fixture rendered them. */
const home = (edits = []) => openMarkedPage(ctx.browser, ctx.fixture.url, edits);

/** Clicks `selector` and waits for the call it starts to end; resolves with that end's detail. */
async function clickAndWait(page, selector) {
  const ended = await countEvents(page, 'actum:end');
  await page.click(selector);
  const all = await waitForEvents(page, 'actum:end', ended + 1);
  return all[ended].detail;
}

test('a form is sent by the script and the page updates without a reload', async () => {
  const page = await home();
  const before = await runs(ctx.fixture.url);
  const total = Number(await page.textContent('#total'));
  /** @type {import('playwright-core').Request[]} */
  const posts = [];
  /** @type {import('playwright-core').Request[]} */
  const all = [];
  page.on('request', (request) => {
    all.push(request);
    if (request.method() === 'POST') posts.push(request);
  });
  await page.fill('#counter_add input[name=n]', '5');
  const end = await clickAndWait(page, '#counter_add button');
  await page.screenshot({ path: artifact('enhanced-submit.png') });
  assert.equal(end.ok, true);
  assert.deepEqual(end.result, { total: total + 5 });
  assert.equal(end.hasHtml, true);
  assert.equal(await page.textContent('#total'), String(total + 5));
  assert.ok(await hasMarker(page), 'no page load');
  assert.equal(new URL(page.url()).pathname, '/');
  assert.equal((await runs(ctx.fixture.url)).counter_add, (before.counter_add ?? 0) + 1);
  assert.equal(posts.length, 1);
  assert.equal(all.length, 1, `exactly one request: ${all.map((r) => r.url()).join(', ')}`);
  const headers = posts[0].headers();
  assert.equal(headers['actum-request'], '1');
  assert.equal(headers['actum-page'], '/');
  assert.match(headers['content-type'], /^application\/x-www-form-urlencoded/);
  assert.equal(posts[0].postData(), 'n=5');
  const starts = await events(page, 'actum:start');
  assert.equal(starts.length, 1);
  assert.equal(starts[0].target, 'counter_add', 'the event bubbles from the form');
  assert.match(starts[0].detail.url, /\/_actum\/[^/]+$/);
  await page.context().close();
});

test('a form added to the page later is enhanced too', async () => {
  const page = await home();
  const total = Number(await page.textContent('#total'));
  await page.evaluate(() => {
    const copy = document.querySelector('#counter_add').cloneNode(true);
    copy.id = 'counter_add_later';
    copy.querySelector('input').value = '3';
    document.body.append(copy);
  });
  await clickAndWait(page, '#counter_add_later button');
  assert.equal(await page.textContent('#total'), String(total + 3));
  assert.ok(await hasMarker(page));
  await page.context().close();
});

test("a form whose submit another handler prevented is left to that handler", async () => {
  const page = await home();
  const before = await runs(ctx.fixture.url);
  await page.evaluate(() => {
    window.__prevented = 0;
    document.addEventListener('submit', (event) => { event.preventDefault(); window.__prevented += 1; });
  });
  await page.click('#counter_add button');
  // The submit event is dispatched within the click: by now client.js has seen it, or never will.
  assert.equal(await page.evaluate(() => window.__prevented), 1);
  assert.equal(await countEvents(page, 'actum:start'), 0);
  assert.ok(await hasMarker(page));
  assert.equal((await runs(ctx.fixture.url)).counter_add, before.counter_add);
  await page.context().close();
});

test("the submitter's name and value are sent, and its formaction picks the action", async () => {
  const page = await home();
  const before = await runs(ctx.fixture.url);
  const total = Number(await page.textContent('#total'));
  await page.evaluate(() => {
    const form = document.createElement('form');
    form.id = 'two_buttons';
    // The server's page does not have this form: the morph keeps it only because it is marked.
    form.setAttribute('data-actum-permanent', '');
    form.method = 'post';
    form.action = document.querySelector('#slow').getAttribute('action');
    const sleep = document.createElement('button');
    Object.assign(sleep, { id: 'sleep_button', name: 'ms', value: '1', textContent: 'Sleep 1 ms' });
    const add = document.createElement('button');
    Object.assign(add, { id: 'add_button', name: 'n', value: '7', textContent: 'Add 7' });
    add.setAttribute('formaction', document.querySelector('#counter_add').getAttribute('action'));
    form.append(sleep, add);
    document.body.append(form);
  });
  const added = await clickAndWait(page, '#add_button');
  assert.deepEqual(added.result, { total: total + 7 });
  assert.equal(await page.textContent('#total'), String(total + 7));
  const slept = await clickAndWait(page, '#sleep_button');
  assert.deepEqual(slept.result, { slept: 1 });
  const after = await runs(ctx.fixture.url);
  assert.equal(after.counter_add, (before.counter_add ?? 0) + 1);
  assert.equal(after.slow, (before.slow ?? 0) + 1);
  assert.ok(await hasMarker(page));
  await page.context().close();
});

test('while a slow call is in flight the form is busy and its buttons are disabled', async () => {
  const page = await home();
  await page.fill('#slow input[name=ms]', '600');
  await page.click('#slow button');
  await page.waitForSelector('#slow[aria-busy=true]');
  assert.equal(await page.getAttribute('#slow', 'data-pending'), '');
  assert.equal(await page.getAttribute('#slow button', 'data-pending'), '', 'the submitter is marked');
  assert.ok(await page.isDisabled('#slow button'));
  assert.equal(await page.getAttribute('#counter_add', 'aria-busy'), null, 'other forms are not busy');
  const [end] = await waitForEvents(page, 'actum:end', 1);
  assert.deepEqual(end.detail.result, { slept: 600 });
  assert.equal(await page.getAttribute('#slow', 'aria-busy'), null);
  assert.equal(await page.getAttribute('#slow', 'data-pending'), null);
  assert.equal(await page.getAttribute('#slow button', 'data-pending'), null);
  assert.ok(await page.isEnabled('#slow button'));
  await page.context().close();
});

test('renaming fires actum:revalidate and the morph shows the new title', async () => {
  const page = await home();
  await page.fill('#rename_item-1 input[name=title]', 'Renamed with the script');
  const end = await clickAndWait(page, '#rename_item-1 button');
  assert.equal(end.ok, true);
  assert.equal(await page.textContent('#item-1'), 'Renamed with the script');
  const [revalidate] = await events(page, 'actum:revalidate');
  assert.equal(revalidate.target, 'rename_item-1');
  assert.deepEqual(revalidate.detail.paths, ['/']);
  assert.ok(await hasMarker(page));
  await page.context().close();
});

test('deleting removes the row and its forms from the page, without a reload', async () => {
  const page = await home();
  await clickAndWait(page, '#delete_item-3 button');
  assert.equal(await page.locator('#item-3').count(), 0);
  assert.equal(await page.locator('#rename_item-3').count(), 0);
  assert.equal(await page.locator('#delete_item-3').count(), 0);
  assert.equal(await page.textContent('#item-2'), 'Second item');
  // The form is gone from the page: its last events fire on the document instead.
  const ends = await events(page, 'actum:end');
  assert.equal(ends.at(-1).target, '#document');
  assert.ok(await hasMarker(page));
  await page.context().close();
});

test('a file goes as multipart and the answer is morphed in', async () => {
  const page = await home();
  await page.setInputFiles('#upload input[name=file]', { name: 'hello.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
  const end = await clickAndWait(page, '#upload button');
  assert.deepEqual(end.result, {
    name: 'hello.txt',
    size: 5,
    sha256: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
  });
  assert.match(await page.textContent('#result'), /hello\.txt/);
  assert.ok(await hasMarker(page));
  await page.context().close();
});

test('the morph keeps focus, caret, scroll and what is being typed elsewhere', async () => {
  const page = await home();
  await page.setViewportSize({ width: 800, height: 300 });
  const total = Number(await page.textContent('#total'));
  await page.focus('#echo input[name=text]');
  await page.keyboard.press('End');
  await page.keyboard.type(' world');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await page.evaluate(() => window.scrollTo(0, 120));
  const scrolled = await page.evaluate(() => window.scrollY);
  assert.ok(scrolled > 0, 'the page is long enough to scroll');
  // Another form is sent by a script (requestSubmit does not move focus).
  await page.evaluate(() => document.querySelector('#counter_add').requestSubmit());
  await waitForEvents(page, 'actum:end', 1);
  assert.equal(await page.textContent('#total'), String(total + 1));
  const state = await page.evaluate(() => {
    const input = document.querySelector('#echo input[name=text]');
    return {
      focused: document.activeElement === input,
      value: input.value,
      caret: [input.selectionStart, input.selectionEnd],
      scrollY: window.scrollY,
    };
  });
  assert.deepEqual(state, { focused: true, value: 'hello world', caret: [9, 9], scrollY: scrolled });
  assert.ok(await hasMarker(page));
  await page.context().close();
});

test('a redirect shows the target page, pushes history, and Back loads the page before', async () => {
  const page = await home();
  const length = await page.evaluate(() => history.length);
  await page.fill('#go_to input[name=to]', '/?from=redirect');
  const end = await clickAndWait(page, '#go_to button');
  assert.equal(end.redirect, '/?from=redirect');
  assert.equal(new URL(page.url()).search, '?from=redirect');
  assert.equal(await page.evaluate(() => history.length), length + 1);
  assert.ok(await hasMarker(page), 'no page load');
  await Promise.all([page.waitForEvent('load'), page.goBack()]);
  assert.equal(new URL(page.url()).search, '');
  assert.equal(await hasMarker(page), false, 'Back loaded the page');
  await page.screenshot({ path: artifact('enhanced-redirect.png') });
  await page.context().close();
});

test('a server error shows in the error boundary and the page stays usable', async () => {
  const page = await home();
  const end = await clickAndWait(page, '#boom button');
  assert.equal(end.ok, false);
  const [error] = await events(page, 'actum:error');
  assert.equal(error.target, 'boom');
  assert.equal(error.detail.name, 'ActumError');
  assert.equal(error.detail.status, 500);
  assert.match(error.detail.digest, /^[0-9a-f]+$/);
  assert.ok(await page.isVisible('#error-boundary'));
  const text = await page.textContent('#error-boundary');
  assert.ok(text.startsWith('something went wrong'), text);
  assert.ok(text.includes(`digest ${error.detail.digest}`), text);
  assert.ok(await page.isEnabled('#boom button'));
  // Still usable: the next action works, and its page hides the boundary again.
  const total = Number(await page.textContent('#total'));
  await clickAndWait(page, '#counter_add button');
  assert.equal(await page.textContent('#total'), String(total + 1));
  assert.equal(await page.isVisible('#error-boundary'), false);
  assert.ok(await hasMarker(page));
  await page.screenshot({ path: artifact('enhanced-error-boundary.png') });
  await page.context().close();
});

test('a listener can take over an error: preventDefault keeps the boundary hidden', async () => {
  const page = await home();
  await page.evaluate(() => document.addEventListener('actum:error', (event) => event.preventDefault()));
  await clickAndWait(page, '#boom button');
  assert.equal(await page.isVisible('#error-boundary'), false);
  await page.context().close();
});

test('a validation error focuses the field, marks it invalid and announces it', async () => {
  const page = await home();
  const long = 'x'.repeat(101);
  await page.fill('#rename_item-2 input[name=title]', long);
  await clickAndWait(page, '#rename_item-2 button');
  const field = '#rename_item-2 input[name=title]';
  assert.equal(await page.getAttribute(field, 'aria-invalid'), 'true');
  const describedBy = await page.getAttribute(field, 'aria-describedby');
  assert.ok(describedBy);
  assert.equal(await page.textContent(`#${describedBy}`), 'the title must have 1 to 100 characters');
  assert.equal(await page.locator('#rename_item-2 .actum-field-error').count(), 0,
    'the message the server rendered is used, not repeated');
  assert.ok(await page.evaluate((s) => document.activeElement === document.querySelector(s), field));
  assert.equal(await page.inputValue(field), long, 'what was typed is still there');
  const live = page.locator('[data-actum-live]');
  assert.equal(await live.count(), 1);
  assert.equal(await live.getAttribute('aria-live'), 'polite');
  assert.equal(await live.textContent(), 'please correct the highlighted fields');
  const box = await live.boundingBox();
  assert.ok(box === null || (box.width <= 1 && box.height <= 1), 'visually hidden');
  assert.equal(await page.isVisible('#error-boundary'), false, 'field errors stay with their fields');
  // A second outcome reuses the live region, and the morph keeps it.
  await page.fill(field, 'Fixed title');
  await clickAndWait(page, '#rename_item-2 button');
  assert.equal(await page.locator('[data-actum-live]').count(), 1);
  assert.equal(await live.textContent(), 'done');
  assert.equal(await page.getAttribute(field, 'aria-invalid'), null);
  assert.equal(await page.textContent('#item-2'), 'Fixed title');
  await page.screenshot({ path: artifact('enhanced-validation-error.png') });
  await page.context().close();
});

test('a field error the page does not show gets its own message element', async () => {
  const page = await home();
  // A text input lets the browser send what the number input would refuse.
  await page.evaluate(() => { document.querySelector('#counter_add input').type = 'text'; });
  await page.fill('#counter_add input[name=n]', 'many');
  const end = await clickAndWait(page, '#counter_add button');
  assert.equal(end.ok, false);
  assert.equal(end.error.status, 422);
  const field = '#counter_add input[name=n]';
  assert.equal(await page.getAttribute(field, 'aria-invalid'), 'true');
  const id = await page.getAttribute(field, 'aria-describedby');
  const note = page.locator(`#${id}`);
  assert.equal(await note.getAttribute('class'), 'actum-field-error');
  assert.equal(await note.evaluate((n) => n.previousElementSibling === document.querySelector('#counter_add input')), true);
  assert.match(await note.textContent(), /field `n`/);
  assert.ok(await page.evaluate((s) => document.activeElement === document.querySelector(s), field));
  // Fixed and sent again: the message goes.
  await page.fill(field, '2');
  await clickAndWait(page, '#counter_add button');
  assert.equal(await page.locator('#counter_add .actum-field-error').count(), 0);
  assert.equal(await page.getAttribute(field, 'aria-invalid'), null);
  await page.context().close();
});

test('a cookie the action sets is seen by the page morphed in', async () => {
  const page = await home();
  await page.fill('#set_cookie input[name=value]', 'light');
  await clickAndWait(page, '#set_cookie button');
  assert.equal(await page.getAttribute('body', 'data-theme'), 'light');
  assert.ok(await hasMarker(page));
  await page.context().close();
});
