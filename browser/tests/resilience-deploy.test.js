// Deploys break no open tab (docs/resilience.md): a page rendered by deploy 1 submits after
// deploy 2 replaced the server on the same port. With JavaScript on, client.js reloads the page
// and puts back what was typed; with it off, the native post lands back on the form with the
// input kept. Either way the message says so, and nothing ran.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from '../lib/browser.js';
import { startFixture, runs } from '../lib/server.js';
import { openPage, waitForEvents, events } from '../lib/enhanced.js';

const MESSAGE = 'this page was out of date: it has been reloaded; check and submit again';
// One key for both deploys, as a real deployment keeps its ACTUM_SECRET_KEY.
const env = { ACTUM_SECRET_KEY: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=' };

const browser = await launch();
/** @type {Array<{ stop: () => void }>} */
const servers = [];
after(async () => {
  await browser.close();
  for (const server of servers) server.stop();
});

/** Starts deploy `n` (on `port`, else a free one). */
async function deploy(n, port = 0) {
  // The last --port wins over the helper's own --port 0.
  const server = await startFixture(['--deploy', String(n), '--port', String(port)], env);
  servers.push(server);
  return server;
}

/** Replaces the running deploy 1 with deploy 2 on the same address, as a deploy does. */
async function redeploy(first) {
  first.stop();
  const port = new URL(first.url).port;
  for (let attempt = 0; ; attempt++) {
    try {
      return await deploy(2, port);
    } catch (error) {
      // The old process may hold the port for a moment after it was killed.
      if (attempt > 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** The page of `url`, JavaScript on, recording actum:* events (actum:stale too) in `window.__events`. */
async function open(url, edits = []) {
  const page = await openPage(browser, url, edits);
  // From the next document on (the reload), actum:stale is recorded like the other events.
  await page.addInitScript(() => {
    document.addEventListener('actum:stale', (event) => {
      const target = /** @type {Element} */ (event.target);
      /** @type {any} */ (window).__events.push({ type: 'actum:stale', target: target.id || target.nodeName, detail: /** @type {CustomEvent} */ (event).detail });
    });
  });
  return page;
}

/** Types into the note form as a user would, password included. */
async function typeNote(page, form = '#note') {
  await page.fill(`${form} input[name=title]`, 'Groceries');
  await page.fill(`${form} textarea[name=body]`, 'milk\neggs & bread');
  await page.check(`${form} input[name=pinned]`);
  await page.selectOption(`${form} select[name=color]`, 'blue');
  await page.fill(`${form} input[name=password]`, 'hunter2');
}

/** What the note form shows. */
function noteValues(page) {
  return page.evaluate(() => {
    const form = /** @type {HTMLFormElement} */ (document.querySelector('#note'));
    const field = (name) => /** @type {HTMLInputElement} */ (form.elements.namedItem(name));
    return {
      title: field('title').value,
      body: field('body').value,
      pinned: field('pinned').checked,
      color: field('color').value,
      password: field('password').value,
      action: form.getAttribute('action'),
    };
  });
}

const typed = { title: 'Groceries', body: 'milk\neggs & bread', pinned: true, color: 'blue', password: '' };

test('with JavaScript on, a stale submit reloads the page and puts back what was typed', async () => {
  const first = await deploy(1);
  const page = await open(first.url);
  const oldAction = await page.getAttribute('#note', 'action');
  await typeNote(page);
  const second = await redeploy(first);

  const reloaded = page.waitForEvent('load');
  await page.click('#note button');
  await reloaded;
  const [stale] = await waitForEvents(page, 'actum:stale', 1);
  assert.equal(stale.target, 'note');
  assert.deepEqual(stale.detail, { message: MESSAGE, fields: ['title', 'body', 'pinned', 'color'] });

  const { action, ...values } = await noteValues(page);
  assert.deepEqual(values, typed, 'the values are back, the password is not');
  assert.notEqual(action, oldAction, 'the reloaded form posts to the new ID');
  assert.equal(await page.textContent('#error-boundary'), MESSAGE);
  assert.equal(await page.isVisible('#error-boundary'), true);
  assert.equal(await page.textContent('[data-actum-live]'), MESSAGE);
  assert.equal((await runs(second.url)).save_note, undefined, 'nothing ran');
  assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'the saved values are gone');

  // Sent again, it works, without another reload.
  await page.fill('#note input[name=password]', 'hunter2');
  await page.click('#note button');
  await waitForEvents(page, 'actum:end', 1);
  assert.equal((await events(page, 'actum:end'))[0].detail.ok, true);
  assert.equal(await page.textContent('#result'), '{"title":"Groceries"}');
  assert.equal((await runs(second.url)).save_note, 1);
  await page.context().close();
  second.stop();
});

test('a form without an id is found again by its position and field names; with no error boundary, the message goes at its top', async () => {
  const first = await deploy(1);
  const edits = [['<form id="note"', '<form'], [' data-actum-error-boundary', '']];
  const page = await open(first.url, edits);
  const form = 'form:has(input[name=pinned])';
  await typeNote(page, form);
  const second = await redeploy(first);
  const reloaded = page.waitForEvent('load');
  await page.click(`${form} button`);
  await reloaded;
  const [stale] = await waitForEvents(page, 'actum:stale', 1);
  assert.equal(stale.target, 'FORM');
  const title = await page.inputValue(`${form} input[name=title]`);
  assert.equal(title, 'Groceries');
  assert.equal(await page.textContent(`${form} > p.actum-stale:first-child`), MESSAGE);
  assert.equal(await page.getAttribute(`${form} > p.actum-stale`, 'role'), 'alert');
  await page.context().close();
  second.stop();
});

test('with JavaScript off, a stale post lands back on the form with the input kept', async () => {
  const first = await deploy(1);
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(first.url);
  await typeNote(page);
  const second = await redeploy(first);

  const [response] = await Promise.all([page.waitForNavigation(), page.click('#note button')]);
  assert.equal(response?.status(), 200);
  assert.equal(new URL(page.url()).pathname, '/');
  assert.equal(await page.textContent('#note-error'), MESSAGE);
  const { action, ...values } = await noteValues(page);
  assert.deepEqual(values, typed);
  assert.match(action ?? '', /\/_actum\/resilience\.v2\.save_note\./);
  assert.equal((await runs(second.url)).save_note, undefined, 'nothing ran');
  await context.close();
  second.stop();
});
