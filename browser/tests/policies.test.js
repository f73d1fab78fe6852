// Policies in real Chromium (docs/policies.md): each concurrency policy with two calls of one
// action pending at once (client.js follows the policy its URL announces; the server enforces it
// for a second tab), exactly once (a native double click, a lost answer retried natively, a
// key per submit), and a rate limit's 429 shown in the page.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureAndBrowser } from '../lib/setup.js';
import { runs } from '../lib/server.js';
import { waitForEvents, events, exposeClient, openMarkedPage, hasMarker } from '../lib/enhanced.js';

const ctx = fixtureAndBrowser();

/** The fixture's home page, JavaScript on, marked so that a reload would show. */
const home = () => openMarkedPage(ctx.browser, ctx.fixture.url);

/** Runs since the test began: `runs` minus what `before` counted. */
async function ranSince(before, name) {
  return ((await runs(ctx.fixture.url))[name] ?? 0) - (before[name] ?? 0);
}

/** Submits two forms of one action at once (each with `ms`), without waiting. */
async function submitBoth(page, id, firstMs, secondMs) {
  await page.fill(`#${id} input[name=ms]`, String(firstMs));
  await page.fill(`#${id}-2 input[name=ms]`, String(secondMs));
  await page.evaluate((id) => {
    document.getElementById(id).requestSubmit();
    document.getElementById(`${id}-2`).requestSubmit();
  }, id);
}

test('serial: the second call waits for the first, even from a data-actum-concurrent form', async () => {
  const before = await runs(ctx.fixture.url);
  const page = await home();
  // Requests and answers in the order the browser saw them.
  const seen = [];
  page.on('request', (r) => { if (r.method() === 'POST') seen.push('sent'); });
  page.on('response', (r) => { if (r.request().method() === 'POST') seen.push('answered'); });
  await submitBoth(page, 'slow_serial', 400, 10);
  const ends = await waitForEvents(page, 'actum:end', 2);
  assert.deepEqual(ends.map((e) => e.target), ['slow_serial', 'slow_serial-2']);
  assert.deepEqual(seen, ['sent', 'answered', 'sent', 'answered'], 'the second was sent after the first answered');
  assert.equal(await ranSince(before, 'slow_serial.done'), 2);
  assert.equal((await runs(ctx.fixture.url))['slow_serial.most'], 1);
  await page.context().close();
});

test('serial: the server serializes two tabs of one session', async () => {
  const before = await runs(ctx.fixture.url);
  const first = await home();
  const second = await first.context().newPage();
  await second.goto(ctx.fixture.url);
  await first.fill('#slow_serial input[name=ms]', '400');
  await second.fill('#slow_serial input[name=ms]', '10');
  await first.click('#slow_serial button');
  await first.waitForSelector('#slow_serial[aria-busy=true]');
  await second.click('#slow_serial button');
  await waitForEvents(first, 'actum:end', 1);
  await second.waitForSelector('#result');
  assert.equal(await ranSince(before, 'slow_serial.done'), 2);
  assert.equal((await runs(ctx.fixture.url))['slow_serial.most'], 1, 'never two at once');
  await first.context().close();
});

test('latest: a newer call aborts the older one, whose body the server stops', async () => {
  const before = await runs(ctx.fixture.url);
  const page = await home();
  await page.fill('#slow_latest input[name=ms]', '1500');
  await page.fill('#slow_latest-2 input[name=ms]', '20');
  await page.click('#slow_latest button');
  // Once the older call runs on the server, the newer one.
  while (await ranSince(before, 'slow_latest') < 1) await new Promise((resolve) => setTimeout(resolve, 20));
  await page.click('#slow_latest-2 button');
  const ends = await waitForEvents(page, 'actum:end', 2);
  assert.equal(ends[0].target, 'slow_latest');
  assert.equal(ends[0].detail, null, 'the older call was aborted');
  assert.deepEqual(ends[1].detail.result, { slept: 20 });
  assert.equal(await page.textContent('#result'), '{"slept":20}');
  assert.equal(await ranSince(before, 'slow_latest'), 2);
  // The server cancelled the older body when the newer call came: it never ends.
  await new Promise((resolve) => setTimeout(resolve, 1700));
  assert.equal(await ranSince(before, 'slow_latest.done'), 1);
  assert.ok(await hasMarker(page));
  await page.context().close();
});

test('drop: a second call while one is pending is not sent', async () => {
  const before = await runs(ctx.fixture.url);
  const page = await home();
  const posts = [];
  page.on('request', (r) => { if (r.method() === 'POST') posts.push(r.url()); });
  await submitBoth(page, 'slow_drop', 400, 400);
  await waitForEvents(page, 'actum:end', 1);
  assert.equal(posts.length, 1);
  assert.equal(await ranSince(before, 'slow_drop'), 1);
  // call() says why.
  await exposeClient(page);
  const refused = await page.evaluate(async () => {
    const form = document.getElementById('slow_drop');
    const first = window.actum.call(form);
    const second = await window.actum.call(form).catch((e) => ({ status: e.status, message: e.message }));
    await first;
    return second;
  });
  assert.equal(refused.status, 409);
  assert.match(refused.message, /already running/);
  assert.equal(await ranSince(before, 'slow_drop'), 2);
  await page.context().close();
});

test('drop: the server refuses a second tab of the session, and the page says so', async () => {
  const before = await runs(ctx.fixture.url);
  const first = await home();
  const second = await first.context().newPage();
  await second.goto(ctx.fixture.url);
  await first.fill('#slow_drop input[name=ms]', '800');
  await first.click('#slow_drop button');
  await first.waitForSelector('#slow_drop[aria-busy=true]');
  await second.click('#slow_drop button');
  await second.waitForSelector('#error-boundary:not([hidden])');
  assert.match(await second.textContent('#error-boundary'), /already running for you/);
  assert.equal(await ranSince(before, 'slow_drop'), 1, 'the refused call did not run');
  await first.context().close();
});

test('exactly once, JavaScript off: a second click while the post is on its way adds once', async () => {
  const before = await runs(ctx.fixture.url);
  const context = await ctx.browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(ctx.fixture.url);
  const total = Number(await page.textContent('#total'));
  const posts = [];
  page.on('request', (r) => { if (r.method() === 'POST') posts.push(r.url()); });
  // Two clicks, the second while the first post is on its way (the action takes 300 ms); by
  // mouse, since a locator's click waits for the navigation the first one starts.
  const box = await page.locator('#add_slowly button').boundingBox();
  await page.mouse.click(box.x + 5, box.y + 5);
  await new Promise((resolve) => setTimeout(resolve, 100));
  await page.mouse.click(box.x + 5, box.y + 5);
  await page.waitForSelector('#result');
  assert.equal(posts.length, 2, 'the browser sent the form twice');
  assert.equal(posts[0], posts[1], 'with the same one-time token');
  assert.match(posts[0], /[?&]k=[\w-]{22}/);
  assert.equal(await ranSince(before, 'add_slowly'), 1);
  assert.equal(Number(await page.textContent('#total')), total + 1);
  await context.close();
});

test('exactly once, JavaScript on: an answer lost on the way is retried natively and not run again', async () => {
  const before = await runs(ctx.fixture.url);
  const page = await home();
  const total = Number(await page.textContent('#total'));
  /** @type {string[]} */
  const keys = [];
  await page.route('**/_actum/**', async (route) => {
    const request = route.request();
    if (request.method() !== 'POST') return route.fallback();
    if (!request.headers()['actum-request']) {
      keys.push(new URL(request.url()).searchParams.get('k'));
      return route.fallback();
    }
    keys.push(request.headers()['actum-idempotency-key']);
    // The call reaches the server and runs; its answer never reaches the page.
    await route.fetch();
    return route.abort('connectionreset');
  });
  await page.click('#add_slowly button');
  await page.waitForURL((url) => url.pathname === '/' && !url.search);
  await page.waitForSelector('#result');
  assert.equal(keys.length, 2, 'the call, then its native retry');
  assert.match(keys[0], /^[0-9a-f]{32}$/);
  assert.equal(keys[1], keys[0], 'the retry carries the same key');
  assert.equal(await ranSince(before, 'add_slowly'), 1);
  assert.equal(Number(await page.textContent('#total')), total + 1);
  await page.context().close();
});

test('exactly once, JavaScript on: every submit has its own key', async () => {
  const page = await home();
  const keys = [];
  page.on('request', (r) => { if (r.method() === 'POST') keys.push(r.headers()['actum-idempotency-key']); });
  await page.click('#counter_add button');
  await waitForEvents(page, 'actum:end', 1);
  await page.click('#counter_add button');
  await waitForEvents(page, 'actum:end', 2);
  await exposeClient(page);
  await page.evaluate(() => window.actum.call(document.getElementById('counter_add'), { n: 1 }));
  assert.equal(keys.length, 3);
  assert.equal(new Set(keys).size, 3, `${keys}`);
  const ends = await events(page, 'actum:end');
  assert.ok(ends.every((e) => e.detail?.ok), 'each ran');
  await page.context().close();
});

test('a rate limit: the third call in a minute shows the server\'s 429 in the page', async () => {
  const before = await runs(ctx.fixture.url);
  const page = await home();
  for (let i = 1; i <= 2; i++) {
    await page.click('#limited button');
    await waitForEvents(page, 'actum:end', i);
  }
  await page.click('#limited button');
  await page.waitForSelector('#error-boundary:not([hidden])');
  assert.match(await page.textContent('#error-boundary'), /too many calls: try again in \d+ s/);
  const errors = await events(page, 'actum:error');
  assert.equal(errors.at(-1).detail.status, 429);
  assert.equal(await ranSince(before, 'limited'), 2);
  await page.context().close();
});
