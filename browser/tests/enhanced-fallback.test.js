// client.js never loses input: when its call cannot go through (the network fails, the action
// is unknown, the answer is not an envelope) the form is posted natively. Also: a strict CSP
// does not stop it, the script type-checks, and it stays small.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixtureAndBrowser } from '../lib/setup.js';
import { runs } from '../lib/server.js';
import { countEvents, setMarker, hasMarker, openMarkedPage } from '../lib/enhanced.js';

const clientDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'client');

const ctx = fixtureAndBrowser();

/** The fixture's home page, JavaScript on, marked so a reload would show; `edits` add
 * attributes as if the fixture rendered them. */
const home = (edits = []) => openMarkedPage(ctx.browser, ctx.fixture.url, edits);

/** Clicks `selector` and waits for the page load that follows. */
async function clickAndLoad(page, selector) {
  await Promise.all([page.waitForEvent('load'), page.click(selector)]);
}

test('when the network fails, the form is posted natively and nothing typed is lost', async () => {
  const page = await home();
  const before = await runs(ctx.fixture.url);
  const total = Number(await page.textContent('#total'));
  await page.route('**/_actum/**', (route) =>
    route.request().headers()['actum-request'] ? route.abort('internetdisconnected') : route.continue());
  await page.fill('#counter_add input[name=n]', '6');
  await clickAndLoad(page, '#counter_add button');
  assert.equal(await hasMarker(page), false, 'a native post loaded the page');
  assert.equal(await page.textContent('#total'), String(total + 6));
  assert.equal((await runs(ctx.fixture.url)).counter_add, (before.counter_add ?? 0) + 1);
  await page.context().close();
});

test("a native fallback keeps the submitter's name and value and its formaction", async () => {
  const page = await home();
  const total = Number(await page.textContent('#total'));
  await page.route('**/_actum/**', (route) =>
    route.request().headers()['actum-request'] ? route.abort('connectionrefused') : route.continue());
  await page.evaluate(() => {
    const form = document.querySelector('#slow');
    form.querySelector('input').remove();
    const add = document.createElement('button');
    Object.assign(add, { id: 'add_button', name: 'n', value: '9', textContent: 'Add 9' });
    add.setAttribute('formaction', document.querySelector('#counter_add').getAttribute('action'));
    form.append(add);
  });
  await clickAndLoad(page, '#add_button');
  assert.equal(await page.textContent('#total'), String(total + 9));
  await page.context().close();
});

test('an unknown action (a page older than the server) reloads the page and keeps what was typed', async () => {
  const page = await home();
  const before = await runs(ctx.fixture.url);
  await page.evaluate(() => { document.querySelector('#counter_add').action = '/_actum/gone.after.a.deploy'; });
  await page.fill('#counter_add input[name=n]', '6');
  await clickAndLoad(page, '#counter_add button');
  assert.equal(await hasMarker(page), false, 'the page was reloaded');
  assert.equal(await page.inputValue('#counter_add input[name=n]'), '6');
  assert.match(await page.textContent('#error-boundary'), /this page was out of date/);
  assert.deepEqual(await runs(ctx.fixture.url), before, 'nothing ran');
  await page.context().close();
});

test('an answer that is not an envelope (a proxy page, say) makes the form go native', async () => {
  const page = await home();
  const total = Number(await page.textContent('#total'));
  await page.route('**/_actum/**', (route) =>
    route.request().headers()['actum-request']
      ? route.fulfill({ status: 200, contentType: 'text/html', body: '<p>a proxy says hello</p>' })
      : route.continue());
  await clickAndLoad(page, '#counter_add button');
  assert.equal(await page.textContent('#total'), String(total + 1));
  assert.equal(await hasMarker(page), false);
  await page.context().close();
});

test('a strict Content-Security-Policy does not stop the script', async () => {
  const context = await ctx.browser.newContext();
  const page = await context.newPage();
  await page.route(`${ctx.fixture.url}/`, async (route) => {
    const response = await route.fetch();
    route.fulfill({
      response,
      headers: {
        ...response.headers(),
        'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self';",
      },
    });
  });
  const violations = [];
  page.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) violations.push(message.text());
  });
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective));
  });
  await page.goto(ctx.fixture.url);
  await setMarker(page);
  const total = Number(await page.textContent('#total'));
  await page.fill('#rename_item-1 input[name=title]', '');
  await page.click('#rename_item-1 button');
  await page.waitForSelector('[data-actum-live]');
  await page.click('#counter_add button');
  await page.waitForFunction((t) => document.querySelector('#total').textContent === String(t + 1), total);
  assert.ok(await hasMarker(page));
  const box = await page.locator('[data-actum-live]').boundingBox();
  assert.ok(box === null || box.width <= 1, 'the live region is hidden by the constructed style sheet');
  assert.deepEqual(await page.evaluate(() => window.__violations), []);
  assert.deepEqual(violations, []);
  await context.close();
});

test('the script enhances nothing it should not: a GET form and a form to another page stay native', async () => {
  const page = await home();
  await page.evaluate(() => {
    const form = document.createElement('form');
    form.id = 'search';
    form.action = '/';
    form.method = 'get';
    form.innerHTML = '<input name="q" value="x"><button>Search</button>';
    document.body.append(form);
  });
  await clickAndLoad(page, '#search button');
  assert.equal(new URL(page.url()).search, '?q=x');
  assert.equal(await countEvents(page, 'actum:start'), 0);
  await page.context().close();
});

test('client/actum.js type-checks (tsc --checkJs --strict)', async () => {
  const tsc = path.join(clientDir, 'node_modules', '.bin', 'tsc');
  const output = await new Promise((resolve) => {
    execFile(tsc, ['-p', clientDir], (error, stdout, stderr) => {
      resolve(error ? `${error.message}\n${stdout}${stderr}` : '');
    });
  });
  assert.equal(output, '', 'run `npm ci` in client/ first if tsc is missing');
});

test('client/actum.js stays small', () => {
  const source = readFileSync(path.join(clientDir, 'actum.js'), 'utf8');
  const size = gzipSync(source, { level: 9 }).length;
  // Without its comments and JSDoc types: what a minifier keeping names would leave.
  const code = source.replace(/\/\*\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*\n/gm, '');
  const codeSize = gzipSync(code, { level: 9 }).length;
  console.log(`client/actum.js: ${size} bytes gzipped as served, ${codeSize} without comments`);
  // A regression guard: the budget is "a few KB, not tens" (htmx 4 is 12.4 KB, Turbo 26.6 KB).
  assert.ok(codeSize < 6 * 1024, `${codeSize} bytes`);
});

test('a fallback fires actum:end with null before the page goes', async () => {
  const page = await home();
  await page.route('**/_actum/**', (route) =>
    route.request().headers()['actum-request'] ? route.abort('failed') : route.continue());
  await page.evaluate(() => {
    document.addEventListener('actum:end', (event) => { sessionStorage.setItem('end', JSON.stringify(event.detail)); });
  });
  await clickAndLoad(page, '#counter_add button');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('end')), 'null');
  await page.context().close();
});
