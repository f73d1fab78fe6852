// client.js resilience in real Chromium (docs/resilience.md): call() takes an AbortSignal and
// leaving the page aborts in-flight calls, which fires the action's cancellation token on the
// server; a multipart form with a declared <progress> shows the upload's progress; every call
// sends a W3C traceparent that the server's action span continues.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureAndBrowser } from '../lib/setup.js';
import { runs } from '../lib/server.js';
import { openPage, events, waitForEvents, exposeClient } from '../lib/enhanced.js';

const ctx = fixtureAndBrowser();

const home = () => openPage(ctx.browser, ctx.fixture.url);

/** Waits until `/__log` counts `key`, or fails after 5 s. */
async function waitForRun(key) {
  for (let i = 0; i < 250; i++) {
    const count = (await runs(ctx.fixture.url))[key];
    if (count) return count;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail(`${key} never ran: ${JSON.stringify(await runs(ctx.fixture.url))}`);
}

test('call() with an AbortSignal: aborting rejects the call and the action sees its token fire', async () => {
  const page = await home();
  await exposeClient(page);
  const before = await runs(ctx.fixture.url);
  const outcome = await page.evaluate(async () => {
    const url = document.querySelector('#wait_or_cancel').getAttribute('action');
    const controller = new AbortController();
    const call = window.actum.call(url, { ms: 1500 }, { signal: controller.signal });
    const started = performance.now();
    setTimeout(() => controller.abort(), 300);
    try {
      await call;
      return { rejected: false };
    } catch (error) {
      return { rejected: true, name: error.name, message: error.message, after: performance.now() - started };
    }
  });
  assert.deepEqual({ ...outcome, after: undefined }, { rejected: true, name: 'ActumError', message: 'the call was aborted', after: undefined });
  assert.ok(outcome.after < 1000, `rejected after ${outcome.after} ms`);
  await waitForRun('wait_or_cancel:cancelled');
  const after = await runs(ctx.fixture.url);
  assert.equal(after['wait_or_cancel:cancelled'], (before['wait_or_cancel:cancelled'] ?? 0) + 1);
  assert.equal(after['wait_or_cancel:finished'], before['wait_or_cancel:finished']);
  const [end] = await events(page, 'actum:end');
  assert.equal(end.detail, null);
  assert.equal(await page.getAttribute('#wait_or_cancel', 'aria-busy'), null, 'no longer pending');
  await page.context().close();
});

test('an already aborted signal never reaches the server', async () => {
  const page = await home();
  await exposeClient(page);
  const before = (await runs(ctx.fixture.url)).wait_or_cancel ?? 0;
  const message = await page.evaluate(async () => {
    const url = document.querySelector('#wait_or_cancel').getAttribute('action');
    return window.actum.call(url, { ms: 10 }, { signal: AbortSignal.abort() }).catch((e) => e.message);
  });
  assert.equal(message, 'the call was aborted');
  assert.equal((await runs(ctx.fixture.url)).wait_or_cancel ?? 0, before);
  await page.context().close();
});

test('leaving the page aborts its in-flight call: the token fires; an action without one still finishes', async () => {
  const page = await home();
  const before = await runs(ctx.fixture.url);
  const total = Number(await page.textContent('#total'));
  await page.fill('#slow_add input[name=ms]', '600');
  await page.fill('#slow_add input[name=n]', '4');
  await page.evaluate(() => {
    for (const id of ['#wait_or_cancel', '#slow_add']) {
      /** @type {HTMLFormElement} */ (document.querySelector(id)).toggleAttribute('data-actum-concurrent', true);
      /** @type {HTMLFormElement} */ (document.querySelector(id)).requestSubmit();
    }
  });
  await waitForRun('slow_add');
  await page.goto(`${ctx.fixture.url}/__log`);
  await waitForRun('wait_or_cancel:cancelled');
  const cancelled = (await runs(ctx.fixture.url))['wait_or_cancel:cancelled'];
  assert.equal(cancelled, (before['wait_or_cancel:cancelled'] ?? 0) + 1);
  await waitForRun('slow_add:finished');
  await page.goto(ctx.fixture.url);
  assert.equal(Number(await page.textContent('#total')), total + 4, 'its effect is stored');
  await page.context().close();
});

test('a multipart form with a declared <progress> shows the upload progress; the rest behaves as with fetch', async () => {
  const page = await home();
  const size = 8 * 1024 * 1024;
  // Slow the upload down (about 4 MB/s), so that progress has time to show.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 4 * 1024 * 1024,
  });
  await page.setInputFiles('#upload_large input[name=file]', {
    name: 'big.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(size, 7),
  });
  await page.evaluate(() => {
    window.__progress = [];
    window.__pending = [];
    const bar = document.querySelector('#upload_large-progress');
    new MutationObserver(() => {
      window.__progress.push([bar.value, bar.max]);
      window.__pending.push(document.querySelector('#upload_large').getAttribute('aria-busy'));
    }).observe(bar, { attributes: true, attributeFilter: ['value', 'max'] });
  });
  const before = (await runs(ctx.fixture.url)).upload_large ?? 0;
  await page.click('#upload_large button');
  await waitForEvents(page, 'actum:end', 1);

  const progress = await page.evaluate(() => window.__progress);
  const during = progress.filter(([value, max]) => value > 0 && value < max);
  assert.ok(new Set(during.map(([value]) => value)).size >= 3, `intermediate values: ${JSON.stringify(progress)}`);
  assert.ok(during.every(([, max]) => max > size), 'max is the whole body');
  const values = progress.map(([value]) => value).filter((value) => value > 0);
  assert.deepEqual(values, [...values].sort((a, b) => a - b), 'it only grows');
  assert.ok((await page.evaluate(() => window.__pending)).includes('true'), 'the form was pending while it uploaded');

  // Answer handling, pending state and events as with fetch.
  const [start] = await events(page, 'actum:start');
  assert.equal(start.target, 'upload_large');
  const [end] = await events(page, 'actum:end');
  assert.equal(end.target, 'upload_large');
  assert.equal(end.detail.ok, true);
  assert.equal(end.detail.hasHtml, true);
  assert.deepEqual(JSON.parse(await page.textContent('#result')), { name: 'big.bin', size, note: 'large' });
  assert.equal(await page.getAttribute('#upload_large', 'aria-busy'), null);
  assert.equal(await page.isDisabled('#upload_large button'), false);
  assert.equal((await runs(ctx.fixture.url)).upload_large, before + 1);
  await page.context().close();
});

test('every call sends a well-formed traceparent, a fresh trace each time, and the server continues it', async () => {
  const page = await home();
  /** @type {string[]} */
  const sent = [];
  page.on('request', (request) => {
    if (request.url().includes('/_actum/') && request.method() === 'POST') sent.push(request.headers().traceparent);
  });
  await page.click('#counter_add button');
  await waitForEvents(page, 'actum:end', 1);
  await page.click('#counter_add button');
  await waitForEvents(page, 'actum:end', 2);
  assert.equal(sent.length, 2);
  for (const header of sent) {
    assert.match(header, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const [, trace, parent] = header.split('-');
    assert.notEqual(trace, '0'.repeat(32));
    assert.notEqual(parent, '0'.repeat(16));
  }
  const traces = sent.map((header) => header.split('-')[1]);
  assert.notEqual(traces[0], traces[1], 'one trace per user action');
  // The fixture logs its action spans: each carries the trace the click started.
  const log = ctx.fixture.log().replace(/\x1b\[[0-9;]*m/g, '');
  for (const header of sent) {
    const [, trace, parent] = header.split('-');
    assert.match(log, new RegExp(`action\\{[^}]*trace_id=${trace} parent_span_id=${parent}`));
  }
  await page.context().close();
});
