// client.js with JavaScript on: calls from one page run one after another (unless a form opts
// out), latest-wins forms abort older calls, call() from a script, autosave, optimistic UI.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureAndBrowser } from '../lib/setup.js';
import { runs } from '../lib/server.js';
import {
  events, waitForEvents, hasMarker, holdActionRequests, exposeClient, openMarkedPage,
} from '../lib/enhanced.js';

const ctx = fixtureAndBrowser();

/** The fixture's home page, JavaScript on, marked so a reload would show; `edits` add
 * attributes as if the fixture rendered them. */
const home = (edits = []) => openMarkedPage(ctx.browser, ctx.fixture.url, edits);

/** An edit that adds `attributes` to the form with id `id`. */
function formWith(id, attributes) {
  return [`<form id="${id}"`, `<form id="${id}" ${attributes}`];
}

/** Which forms the actum:end events came from, in order. */
async function endOrder(page) {
  return (await events(page, 'actum:end')).map((e) => e.target);
}

test('calls from one page run one after another, in submit order', async () => {
  const page = await home();
  await page.fill('#slow input[name=ms]', '500');
  await page.click('#slow button');
  await page.click('#counter_add button');
  // Both are pending at once: the second waits in the queue.
  assert.equal(await page.getAttribute('#counter_add', 'aria-busy'), 'true');
  await waitForEvents(page, 'actum:end', 2);
  assert.deepEqual(await endOrder(page), ['slow', 'counter_add']);
  await page.context().close();
});

test('a data-actum-concurrent form does not wait for the queue', async () => {
  const page = await home([formWith('counter_add', 'data-actum-concurrent')]);
  await page.fill('#slow input[name=ms]', '800');
  await page.click('#slow button');
  await page.click('#counter_add button');
  await waitForEvents(page, 'actum:end', 2);
  assert.deepEqual(await endOrder(page), ['counter_add', 'slow']);
  await page.context().close();
});

test('a data-actum-latest form: a newer submit aborts the older call, only the newest applies', async () => {
  const page = await home([formWith('slow', 'data-actum-latest')]);
  await page.evaluate(() => {
    // Every state #result goes through, as the page shows it.
    window.__results = [];
    new MutationObserver(() => {
      window.__results.push(document.querySelector('#result')?.textContent ?? null);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await page.fill('#slow input[name=ms]', '1500');
  await page.evaluate(() => document.querySelector('#slow').requestSubmit());
  await page.waitForSelector('#slow[aria-busy=true]');
  await page.fill('#slow input[name=ms]', '20');
  await page.evaluate(() => document.querySelector('#slow').requestSubmit());
  const ends = await waitForEvents(page, 'actum:end', 2);
  assert.equal(ends[0].detail, null, 'the older call was aborted');
  assert.deepEqual(ends[1].detail.result, { slept: 20 });
  assert.equal(await page.textContent('#result'), '{"slept":20}');
  const shown = await page.evaluate(() => window.__results);
  assert.ok(!shown.some((text) => text?.includes('1500')), `the aborted call never showed: ${shown}`);
  assert.equal(await page.getAttribute('#slow', 'aria-busy'), null);
  assert.ok(await hasMarker(page));
  await page.context().close();
});

test('call() sends a plain object as JSON, returns the result and updates the page', async () => {
  const page = await home();
  await exposeClient(page);
  const posts = [];
  page.on('request', (request) => { if (request.method() === 'POST') posts.push(request); });
  const result = await page.evaluate(() => window.actum.call(document.querySelector('#rename_item-3'), { title: 'Called' }));
  assert.deepEqual(result, { id: 3, title: 'Called' });
  assert.equal(await page.textContent('#item-3'), 'Called', 'the action revalidated the page: it is morphed in');
  assert.equal(posts[0].headers()['content-type'], 'application/json');
  // JSON carries what a form cannot: numbers and booleans as such, lists of any length.
  const input = { text: 'json', tags: [], nested: { a: 7, b: true } };
  assert.deepEqual(await page.evaluate((i) => window.actum.call(document.querySelector('#echo').getAttribute('action'), i), input), input);
  const [end] = await events(page, 'actum:end');
  assert.equal(end.target, 'rename_item-3');
  assert.ok(await hasMarker(page));
  await page.context().close();
});

test('call() takes an action URL and FormData, or an element with data-actum-action', async () => {
  const page = await home();
  await exposeClient(page);
  const echoed = await page.evaluate(() => {
    const data = new FormData();
    for (const [name, value] of [['text', 'hi'], ['tags', 'x'], ['tags', 'y'], ['nested[a]', '2']]) data.append(name, value);
    return window.actum.call(document.querySelector('#echo').getAttribute('action'), data);
  });
  assert.deepEqual(echoed, { text: 'hi', tags: ['x', 'y'], nested: { a: 2, b: null } });
  const slept = await page.evaluate(() => {
    const button = document.createElement('button');
    button.setAttribute('data-actum-action', document.querySelector('#slow').getAttribute('action'));
    document.body.append(button);
    return window.actum.call(button, { ms: 3 });
  });
  assert.deepEqual(slept, { slept: 3 });
  // A form without input sends its own fields.
  const total = Number(await page.textContent('#total'));
  assert.deepEqual(await page.evaluate(() => window.actum.call(document.querySelector('#counter_add'))), { total: total + 1 });
  await page.context().close();
});

test('call() rejects with an ActumError carrying status, message, fields and digest', async () => {
  const page = await home();
  await exposeClient(page);
  const failure = await page.evaluate(async () => {
    try {
      await window.actum.call(document.querySelector('#boom').getAttribute('action'));
      return null;
    } catch (error) {
      return { isActumError: error instanceof window.actum.ActumError, status: error.status, message: error.message, digest: error.digest };
    }
  });
  assert.equal(failure.isActumError, true);
  assert.equal(failure.status, 500);
  assert.match(failure.message, /^something went wrong/);
  assert.match(failure.digest, /^[0-9a-f]+$/);
  const invalid = await page.evaluate(async () => {
    try {
      await window.actum.call(document.querySelector('#rename_item-1'), { title: '' });
      return null;
    } catch (error) {
      return { status: error.status, fields: error.fields };
    }
  });
  assert.deepEqual(invalid, {
    status: 422,
    fields: [{ field: 'title', message: 'the title must have 1 to 100 characters' }],
  });
  await page.context().close();
});

test('an autosave form saves once after typing stops, without taking focus', async () => {
  const page = await home([formWith('set_cookie', 'data-actum-autosave="200"')]);
  const before = await runs(ctx.fixture.url);
  const field = '#set_cookie input[name=value]';
  await page.click(field, { clickCount: 3 });
  await page.keyboard.type('sepia');
  const [end] = await waitForEvents(page, 'actum:end', 1);
  assert.equal(end.detail.ok, true);
  assert.equal(await page.getAttribute('body', 'data-theme'), 'sepia');
  assert.equal((await runs(ctx.fixture.url)).set_cookie, (before.set_cookie ?? 0) + 1, 'one save for five keys');
  const state = await page.evaluate((s) => {
    const input = document.querySelector(s);
    return { focused: document.activeElement === input, value: input.value, caret: input.selectionStart };
  }, field);
  assert.deepEqual(state, { focused: true, value: 'sepia', caret: 5 });
  // Typing on saves again.
  await page.keyboard.type('-2');
  await waitForEvents(page, 'actum:end', 2);
  assert.equal(await page.getAttribute('body', 'data-theme'), 'sepia-2');
  assert.ok(await hasMarker(page));
  await page.context().close();
});

test('leaving an autosaved field (its change event) does not save what was already saved', async () => {
  const page = await home([formWith('set_cookie', 'data-actum-autosave="0"')]);
  await page.click('#set_cookie input[name=value]', { clickCount: 3 });
  await page.keyboard.type('x');
  await waitForEvents(page, 'actum:end', 1);
  // The change event fires here; with a delay of 0 its save would start before the click below.
  await page.focus('#counter_add input');
  await page.click('#counter_add button');
  await waitForEvents(page, 'actum:end', 2);
  assert.deepEqual(await endOrder(page), ['set_cookie', 'counter_add']);
  await page.context().close();
});

test('typing while an autosave is in flight is kept when its answer comes', async () => {
  const page = await home([formWith('set_cookie', 'data-actum-autosave="0"')]);
  const hold = await holdActionRequests(page);
  const field = '#set_cookie input[name=value]';
  await page.click(field, { clickCount: 3 });
  await page.keyboard.type('a');
  const release = await hold.next();
  await page.keyboard.type('bc');
  await release();
  await waitForEvents(page, 'actum:end', 1);
  assert.equal(await page.inputValue(field), 'abc', 'the answer for "a" does not undo "bc"');
  await page.context().close();
});

/** Puts an optimistic template into rename form `id`, showing the title in #item-id. */
async function addOptimisticTitle(page, id) {
  await page.evaluate((n) => {
    const template = document.createElement('template');
    template.setAttribute('data-actum-optimistic', `#item-${n}`);
    template.setAttribute('data-actum-replace', '');
    template.innerHTML = '<span class="optimistic" data-actum-field="title"></span>';
    document.querySelector(`#rename_item-${n}`).append(template);
  }, id);
}

test('optimistic: the template shows the submitted value until the server page replaces it', async () => {
  const page = await home();
  const hold = await holdActionRequests(page);
  await addOptimisticTitle(page, 1);
  await page.fill('#rename_item-1 input[name=title]', 'Optimistic title');
  await page.click('#rename_item-1 button');
  const release = await hold.next();
  assert.equal(await page.textContent('#item-1 .optimistic'), 'Optimistic title');
  assert.equal(await page.textContent('#item-1'), 'Optimistic title', 'the copy stands in for the old title');
  await release();
  await waitForEvents(page, 'actum:end', 1);
  assert.equal(await page.locator('#item-1 .optimistic').count(), 0);
  assert.equal(await page.textContent('#item-1'), 'Optimistic title');
  await page.context().close();
});

test('optimistic: an error rolls the copy back', async () => {
  const page = await home();
  const hold = await holdActionRequests(page);
  const title = await page.textContent('#item-2');
  await addOptimisticTitle(page, 2);
  await page.fill('#rename_item-2 input[name=title]', 'y'.repeat(101));
  await page.click('#rename_item-2 button');
  const release = await hold.next();
  assert.equal(await page.textContent('#item-2 .optimistic'), 'y'.repeat(101));
  await release();
  await waitForEvents(page, 'actum:error', 1);
  assert.equal(await page.locator('#item-2 .optimistic').count(), 0);
  assert.equal(await page.textContent('#item-2'), title);
  await page.context().close();
});

test('optimistic: two overlapping submits never flash the older value', async () => {
  const page = await home();
  const hold = await holdActionRequests(page);
  await addOptimisticTitle(page, 1);
  await page.evaluate(() => {
    window.__titles = [];
    new MutationObserver(() => window.__titles.push(document.querySelector('#item-1').textContent))
      .observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await page.fill('#rename_item-1 input[name=title]', 'First guess');
  await page.evaluate(() => document.querySelector('#rename_item-1').requestSubmit());
  await page.fill('#rename_item-1 input[name=title]', 'Second guess');
  await page.evaluate(() => document.querySelector('#rename_item-1').requestSubmit());
  assert.equal(await page.textContent('#item-1'), 'Second guess');
  await (await hold.next())();
  await waitForEvents(page, 'actum:end', 1);
  assert.equal(await page.textContent('#item-1'), 'Second guess', 'still the newer value');
  await (await hold.next())();
  await waitForEvents(page, 'actum:end', 2);
  assert.equal(await page.textContent('#item-1'), 'Second guess');
  const titles = await page.evaluate(() => window.__titles);
  assert.equal(titles[0], 'First guess');
  assert.ok(titles.slice(titles.indexOf('Second guess')).every((t) => t === 'Second guess'), `no flash back: ${titles}`);
  await page.context().close();
});
