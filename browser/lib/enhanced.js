// Helpers for the tests with JavaScript on (client.js loaded by the fixture's page): a page that
// records every actum:* event, waits on those events, and holds action requests until a test lets
// them go (to look at a page while a call is in flight, without sleeping).

/** The events client.js fires. */
export const EVENTS = ['actum:start', 'actum:end', 'actum:error', 'actum:revalidate'];

/**
 * A fresh context and page, JavaScript on, recording actum:* events in `window.__events`, at
 * `url`. `edits` change the server's HTML as if the server had rendered it so (see `editPages`).
 * @param {import('playwright-core').Browser} browser
 * @param {string} url
 * @param {Array<[string | RegExp, string]>} [edits]
 * @returns {Promise<import('playwright-core').Page>}
 */
export async function openPage(browser, url, edits = []) {
  const context = await browser.newContext();
  const page = await context.newPage();
  if (edits.length) await editPages(page, edits);
  await page.addInitScript((types) => {
    /** @type {any} */ (window).__events = [];
    for (const type of types) {
      document.addEventListener(type, (event) => {
        const target = /** @type {Element} */ (event.target);
        /** @type {any} */ (window).__events.push({ type, target: target.id ?? target.nodeName, detail: summary(event.detail) });
      });
    }
    /** Something structured-cloneable that says what the detail was. */
    function summary(detail) {
      if (detail instanceof Error) {
        return { name: detail.name, message: detail.message, status: detail.status, fields: detail.fields, digest: detail.digest };
      }
      if (detail && typeof detail === 'object') {
        const { html, body, ...rest } = detail;
        return { ...JSON.parse(JSON.stringify(rest)), hasHtml: typeof html === 'string' };
      }
      return detail;
    }
  }, EVENTS);
  await page.goto(url);
  return page;
}

/**
 * The actum:* events recorded so far, optionally of one type.
 * @param {import('playwright-core').Page} page
 * @param {string} [type]
 * @returns {Promise<Array<{ type: string, target: string, detail: any }>>}
 */
export function events(page, type) {
  return page.evaluate((t) => window.__events.filter((e) => !t || e.type === t), type);
}

/**
 * Applies `edits` (`String.replace` arguments) to every page the server sends, and to the page
 * re-rendered into a script's answer (`html`), so attributes such as `data-actum-autosave` come
 * from the server as they would in an app, and survive the morph.
 * @param {import('playwright-core').Page} page
 * @param {Array<[string | RegExp, string]>} edits
 */
export async function editPages(page, edits) {
  const edit = (/** @type {string} */ html) => edits.reduce((text, [from, to]) => text.replace(from, to), html);
  await page.route((url) => !url.pathname.startsWith('/_actum/client/'), async (route) => {
    // A native post is left alone: fetching it here would follow its 303 out of the browser's sight.
    const request = route.request();
    if (request.method() !== 'GET' && !request.headers()['actum-request']) return route.fallback();
    // The page may have closed (or aborted the call) while the server answered.
    const response = await route.fetch().catch(() => null);
    if (!response) return route.abort().catch(() => {});
    const type = response.headers()['content-type'] ?? '';
    if (type.startsWith('text/html')) return route.fulfill({ response, body: edit(await response.text()) });
    if (type.startsWith('application/json')) {
      const envelope = await response.json();
      if (typeof envelope.html === 'string') envelope.html = edit(envelope.html);
      return route.fulfill({ response, body: JSON.stringify(envelope) });
    }
    return route.fulfill({ response });
  });
}

/**
 * Waits until at least `count` events of `type` have fired since the page loaded.
 * @param {import('playwright-core').Page} page
 */
export async function waitForEvents(page, type, count) {
  await page.waitForFunction(([t, n]) => window.__events.filter((e) => e.type === t).length >= n, [type, count]);
  return events(page, type);
}

/** How many events of `type` fired so far. */
export async function countEvents(page, type) {
  return (await events(page, type)).length;
}

/**
 * Marks the window, so a test can tell that no full page load happened since.
 * @param {import('playwright-core').Page} page
 */
export function setMarker(page) {
  return page.evaluate(() => { window.__marker = 1; });
}

/** Whether the window marked by `setMarker` is still the one showing. */
export function hasMarker(page) {
  return page.evaluate(() => window.__marker === 1);
}

/**
 * Opens `url` (with `edits`, see `openPage`) and marks the page, so a reload would show.
 * @param {import('playwright-core').Browser} browser
 * @param {string} url
 * @param {Array<[string | RegExp, string]>} [edits]
 */
export async function openMarkedPage(browser, url, edits = []) {
  const page = await openPage(browser, url, edits);
  await setMarker(page);
  return page;
}

/**
 * Holds every script-mode action request (header `actum-request`) until the test releases it.
 * `next()` resolves with a function that lets the oldest held request go on to the server.
 * @param {import('playwright-core').Page} page
 */
export async function holdActionRequests(page) {
  /** @type {Array<() => Promise<void>>} */
  const held = [];
  /** @type {Array<(release: () => Promise<void>) => void>} */
  const waiting = [];
  await page.route('**/_actum/**', (route) => {
    if (!route.request().headers()['actum-request']) return route.fallback();
    const release = () => route.fallback();
    const waiter = waiting.shift();
    if (waiter) waiter(release);
    else held.push(release);
  });
  return {
    /** @returns {Promise<() => Promise<void>>} */
    next() {
      const release = held.shift();
      return release ? Promise.resolve(release) : new Promise((resolve) => waiting.push(resolve));
    },
  };
}

/**
 * Imports client.js in the page as `window.actum` (the module the page already loaded: same URL,
 * same instance), for tests of `call()`.
 * @param {import('playwright-core').Page} page
 */
export function exposeClient(page) {
  return page.evaluate(async () => {
    const script = document.querySelector('script[type=module][src*="/_actum/client/"]');
    window.actum = await import(script.src);
  });
}
