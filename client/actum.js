// actum's browser script: upgrades action forms to calls without a page load (docs/protocol.md,
// "script mode"). Plain ES module, no dependency, no build step. Every form still works without
// it; anything unexpected falls back to a native post, so input is never lost.

/** @typedef {{ field: string, message: string }} FieldError */
/** @typedef {{ status: number, message: string, fields?: FieldError[], digest?: string }} ErrorBody */
/** @typedef {{ paths: string[], tags: string[], refresh: boolean }} Revalidated */
/**
 * @typedef {object} Envelope
 * @property {boolean} ok
 * @property {unknown} [result]
 * @property {ErrorBody} [error]
 * @property {string | null} redirect
 * @property {Revalidated} revalidated
 * @property {string} [html] the page, re-rendered after the action
 * @property {string} [url] the path and query `html` is the page of
 */
/**
 * One call, from its submit to its answer.
 * @typedef {object} Call
 * @property {string} url
 * @property {BodyInit} body
 * @property {Element | null} el the form or element it came from; events fire there
 * @property {HTMLFormElement | null} form
 * @property {HTMLElement | null} submitter
 * @property {{ get(name: string): unknown }} [data] what was sent, by field name
 * @property {boolean} [json]
 * @property {boolean} [auto] an autosave, which must not move focus
 * @property {HTMLButtonElement[]} [buttons] the submit buttons it disables
 * @property {HTMLTemplateElement[]} [templates] its optimistic templates
 */

/** Why an action failed: the envelope's `error`. */
export class ActumError extends Error {
  /** @param {ErrorBody} error */
  constructor(error) {
    super(error.message);
    this.name = 'ActumError';
    this.status = error.status;
    /** @type {FieldError[]} */
    this.fields = error.fields ?? [];
    this.digest = error.digest;
  }
}

const LIVE = 'data-actum-live';
const ACTION_PATH = /\/_actum\/[^/]+$/;
/** Calls queued or in flight, in submit order. @type {Set<Call>} */
const pending = new Set();
/** The fetch a newer submit of a `data-actum-latest` form aborts. @type {WeakMap<Element, AbortController>} */
const latest = new WeakMap();
let queue = Promise.resolve();
/** The call whose answer is being morphed in. @type {Call | undefined} */
let applying;
/** Optimistic copies on screen, to take back before each morph. @type {{ target: Element, nodes: Node[], stash: Node[] | null }[]} */
let optimistic = [];
let errorCount = 0;
let shownPage = here();
const ignore = () => {};

function here() {
  return location.pathname + location.search;
}

/**
 * A form attribute, overridden by the submitter's `form*` one (`formaction`, `formmethod`…).
 * @param {HTMLFormElement} form @param {HTMLElement | null} submitter @param {string} name
 */
function attr(form, submitter, name) {
  return submitter?.getAttribute('form' + name) ?? form.getAttribute(name);
}

/** @param {HTMLFormElement} form @param {HTMLElement | null} submitter */
function actionUrl(form, submitter) {
  return new URL(attr(form, submitter, 'action') ?? '', document.baseURI);
}

/**
 * Whether the script should take this submit: a same-window POST to a same-origin action URL.
 * @param {HTMLFormElement} form @param {HTMLElement | null} submitter
 */
function isActionSubmit(form, submitter) {
  const url = actionUrl(form, submitter);
  const target = attr(form, submitter, 'target');
  return attr(form, submitter, 'method')?.toLowerCase() == 'post' && (!target || target == '_self') &&
    url.origin == location.origin && ACTION_PATH.test(url.pathname);
}

// Listening on window, in the bubble phase, runs after the page's own handlers, so a handler
// that called preventDefault keeps the form.
addEventListener('submit', (event) => {
  const form = event.target;
  const submitter = event.submitter;
  if (event.defaultPrevented || !(form instanceof HTMLFormElement) || form.hasAttribute('data-actum-native') ||
    !isActionSubmit(form, submitter)) return;
  event.preventDefault();
  submit(form, submitter).catch(ignore);
});

/**
 * Sends a form as its native post would (the submitter's name and value included).
 * @param {HTMLFormElement} form @param {HTMLElement | null} submitter @param {boolean} [auto]
 */
function submit(form, submitter, auto) {
  const data = new FormData(form, submitter);
  const body = attr(form, submitter, 'enctype') == 'multipart/form-data' ? data
    : new URLSearchParams([...data].map(([name, value]) => [name, typeof value == 'string' ? value : value.name]));
  return run({ url: actionUrl(form, submitter).href, body, el: form, form, submitter, data, auto });
}

/**
 * Calls an action from any script and applies the page update, as a form submit would.
 * @param {string | Element} actionRef a form, an action URL, or an element with `data-actum-action`
 * @param {FormData | Record<string, unknown>} [input] sent as a form, as JSON, or (for a form) its fields
 * @returns {Promise<unknown>} the action's result; rejects with an {@link ActumError}
 */
export function call(actionRef, input) {
  const el = typeof actionRef == 'string' ? null : actionRef;
  const form = el instanceof HTMLFormElement ? el : null;
  if (form && !input) return submit(form, null);
  const url = el ? el.getAttribute(form ? 'action' : 'data-actum-action') : actionRef;
  const json = !(input instanceof FormData) && !!input;
  return run({
    url: new URL(url ?? '', document.baseURI).href,
    body: input instanceof FormData ? input : json ? JSON.stringify(input) : new URLSearchParams(),
    el, form, submitter: null, json,
    data: input instanceof FormData ? input : new Map(Object.entries(input ?? {})),
  });
}

/**
 * Marks the call pending, then sends it when its turn comes.
 * @param {Call} c @returns {Promise<unknown>}
 */
function run(c) {
  const { el, form } = c;
  const controller = new AbortController();
  if (el?.hasAttribute('data-actum-latest')) {
    latest.get(el)?.abort();
    latest.set(el, controller);
  }
  c.buttons = /** @type {HTMLButtonElement[]} */ ([...form?.elements ?? []]).filter(
    (b) => b.type == 'submit' && (!b.disabled || b.hasAttribute('data-actum-disabled')));
  c.templates = [...form?.querySelectorAll('template[data-actum-optimistic]') ?? []];
  pending.add(c);
  render();
  emit(c, 'start', { url: c.url, body: c.body });
  const send = () => exchange(c, controller.signal);
  // Actions from one page run one after another, as they would in a server-rendered app.
  if (el?.hasAttribute('data-actum-concurrent')) return send();
  const done = queue.then(send);
  queue = done.catch(ignore);
  return done;
}

/**
 * Posts the call and applies the answer; anything but an envelope goes native.
 * @param {Call} c @param {AbortSignal} signal
 */
async function exchange(c, signal) {
  /** @type {Response | undefined} */
  let response;
  /** @type {Envelope | undefined} */
  let envelope;
  try {
    /** @type {Record<string, string>} */
    const headers = { 'actum-request': '1', 'actum-page': here() };
    if (c.json) headers['content-type'] = 'application/json';
    response = await fetch(c.url, { method: 'POST', body: c.body, headers, signal });
    if (/^(envelope|rejected)$/.test(response.headers.get('actum-answer') ?? '')) envelope = await response.json();
  } catch (error) {
    if (signal.aborted) {
      settle(c);
      emit(c, 'end', null);
      throw error;
    }
  }
  if (!envelope) {
    emit(c, 'end', null);
    if (c.form) native(c.form, c.submitter);
    throw new ActumError({ status: response?.status ?? 0, message: response ? 'the answer was not an action envelope' : 'the request failed' });
  }
  return apply(c, envelope);
}

/**
 * Submits the form natively (the network failed, the action is unknown, or the answer is not
 * ours): the browser then shows whatever the server says, and what was typed is posted.
 * @param {HTMLFormElement} form @param {HTMLElement | null} submitter
 */
function native(form, submitter) {
  form.setAttribute('data-actum-native', '');
  const { name, value } = /** @type {HTMLButtonElement} */ (submitter ?? {});
  if (name) {
    const input = form.appendChild(document.createElement('input'));
    Object.assign(input, { type: 'hidden', name, value });
  }
  for (const key of ['action', 'method', 'enctype', 'target']) {
    const own = submitter?.getAttribute('form' + key);
    if (own != null) form.setAttribute(key, own);
  }
  HTMLFormElement.prototype.submit.call(form);
}

/**
 * Applies an envelope: the page, history, errors, events.
 * @param {Call} c @param {Envelope} envelope
 */
function apply(c, envelope) {
  const { form, el } = c;
  const { ok, redirect, revalidated, html } = envelope;
  for (const note of form?.querySelectorAll('.actum-field-error') ?? []) note.remove();
  for (const field of form?.querySelectorAll('[aria-invalid]') ?? []) field.removeAttribute('aria-invalid');
  if (html && redirect) {
    history.pushState(null, '', envelope.url ?? redirect);
    shownPage = here();
  }
  settle(c, envelope);
  const changed = revalidated.paths.length || revalidated.tags.length || revalidated.refresh;
  // Without a page (the server could not render it), fall back to loading it.
  if (!html && ok && redirect) location.assign(redirect);
  else if (!html && ok && changed) location.reload();
  if (changed) emit(c, 'revalidate', revalidated);
  if (ok) {
    announce(form?.dataset.actumDone ?? 'done');
    emit(c, 'end', envelope);
    return envelope.result;
  }
  const error = new ActumError(envelope.error ?? { status: 0, message: 'the action failed' });
  const marked = markFields(c, error.fields);
  announce(error.message);
  if (emit(c, 'error', error) && !marked) {
    const boundary = /** @type {HTMLElement | null} */ (
      el?.closest('[data-actum-error-boundary]') ?? document.querySelector('[data-actum-error-boundary]'));
    if (boundary) {
      boundary.textContent = error.digest ? `${error.message} (digest ${error.digest})` : error.message;
      boundary.hidden = false;
    }
  }
  emit(c, 'end', envelope);
  throw error;
}

/**
 * Takes a call off the pending list and redraws the page around the others.
 * @param {Call} c @param {Envelope} [envelope]
 */
function settle(c, envelope) {
  pending.delete(c);
  mark(c, false);
  applying = c;
  render(envelope);
  applying = undefined;
}

/**
 * The page for the pending calls: the server's page (if new), their marks, their optimistic
 * copies on top. The morph always sees the page without copies, so it never keeps stale ones.
 * @param {Envelope} [envelope]
 */
function render(envelope) {
  for (const { target, nodes, stash } of optimistic.reverse()) {
    for (const node of nodes) node.remove();
    if (stash) target.append(...stash);
  }
  optimistic = [];
  if (envelope?.html) morphPage(envelope.html, !!envelope.redirect);
  for (const c of pending) {
    mark(c, true);
    for (const template of c.templates ?? []) showOptimistic(c, template);
  }
}

/** @param {Call} c @param {boolean} on */
function mark(c, on) {
  for (const el of [c.el, c.submitter]) el?.toggleAttribute('data-pending', on);
  if (on) c.el?.setAttribute('aria-busy', 'true');
  else c.el?.removeAttribute('aria-busy');
  for (const button of c.buttons ?? []) {
    button.disabled = on;
    button.toggleAttribute('data-actum-disabled', on);
  }
}

/**
 * Clones an optimistic template into its target, filled with the submitted values; with
 * `data-actum-replace` the copy stands in for the target's content instead of being appended.
 * @param {Call} c @param {HTMLTemplateElement} template
 */
function showOptimistic(c, template) {
  const target = document.querySelector(template.dataset.actumOptimistic ?? '');
  if (!target) return;
  const copy = /** @type {DocumentFragment} */ (template.content.cloneNode(true));
  for (const field of copy.querySelectorAll('[data-actum-field]')) {
    field.textContent = String(c.data?.get(field.getAttribute('data-actum-field') ?? '') ?? '');
  }
  const nodes = [...copy.childNodes];
  const stash = template.hasAttribute('data-actum-replace') ? [...target.childNodes] : null;
  if (stash) target.replaceChildren(copy);
  else target.append(copy);
  optimistic.push({ target, nodes, stash });
}

/**
 * Marks each invalid field for assistive technology and focuses the first.
 * @param {Call} c @param {FieldError[]} fields @returns {boolean} whether a field was found
 */
function markFields(c, fields) {
  const form = c.form;
  /** @type {HTMLElement | undefined} */
  let first;
  for (const { field, message } of form ? fields : []) {
    const input = form?.querySelector(`[name="${CSS.escape(field)}"]`);
    if (!(input instanceof HTMLElement)) continue;
    first ??= input;
    input.setAttribute('aria-invalid', 'true');
    // The page may already show the message (a server-rendered error): point at it.
    let note = [...form?.querySelectorAll(':not(input,select,textarea,button)') ?? []]
      .find((e) => !e.children.length && e.textContent == message);
    if (!note) {
      note = document.createElement('span');
      note.className = 'actum-field-error';
      note.textContent = message;
      input.after(note);
    }
    note.id ||= `actum-error-${++errorCount}`;
    input.setAttribute('aria-describedby', note.id);
  }
  if (!c.auto) first?.focus();
  return !!first;
}

/** @param {string} text */
function announce(text) {
  let live = document.querySelector(`[${LIVE}]`);
  if (!live) {
    live = document.body.appendChild(document.createElement('div'));
    live.setAttribute('aria-live', 'polite');
    live.setAttribute(LIVE, '');
  }
  live.textContent = text;
}

// Visually hidden, still read: a constructed style sheet, which a strict CSP allows (no inline
// style attribute, no <style> element).
const sheet = new CSSStyleSheet();
sheet.replaceSync(`[${LIVE}]{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}`);
document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];

/**
 * @param {Call} c @param {string} name @param {unknown} detail
 * @returns {boolean} false when a listener called preventDefault
 */
function emit(c, name, detail) {
  // An element the new page no longer has cannot bubble to the document: fire there instead.
  const target = c.el?.isConnected ? c.el : document;
  return target.dispatchEvent(new CustomEvent('actum:' + name, { bubbles: true, cancelable: true, detail }));
}

// ---- The morph ----
// Hand-written, not a dependency: it is a few hundred bytes, where a general morphing library
// is several KB and handles cases (shadow DOM, head merging rules, hooks) actum does not need.
// It walks the old and new trees together, matching children by id, then by tag and name,
// patching attributes and text, inserting and removing nodes, and never replacing a node it can
// keep, so focus, caret, scroll and what the user typed survive.

/** @param {string} html @param {boolean} isNewPage */
function morphPage(html, isNewPage) {
  const next = new DOMParser().parseFromString(html, 'text/html');
  const active = /** @type {HTMLInputElement | null} */ (document.activeElement);
  const { selectionStart, selectionEnd, selectionDirection } = active ?? {};
  const [x, y] = [scrollX, scrollY];
  morph(document.documentElement, next.documentElement);
  if (active?.isConnected && document.activeElement != active) active.focus({ preventScroll: true });
  if (active?.isConnected && selectionStart != null) {
    active.setSelectionRange(selectionStart, selectionEnd ?? selectionStart, selectionDirection ?? undefined);
  }
  if (isNewPage) scrollTo(0, 0);
  else scrollTo(x, y);
}

/** @param {Node} old @param {Node} next */
function morph(old, next) {
  if (!(old instanceof Element && next instanceof Element)) {
    if (old.nodeValue != next.nodeValue) old.nodeValue = next.nodeValue;
    return;
  }
  const field = old instanceof HTMLInputElement || old instanceof HTMLTextAreaElement ? old : null;
  const [typed, was] = [field?.value, field?.defaultValue];
  const wasOn = old instanceof HTMLOptionElement ? old.defaultSelected : field?.defaultChecked;
  for (const { name, value } of [...next.attributes]) if (old.getAttribute(name) != value) old.setAttribute(name, value);
  for (const { name } of [...old.attributes]) if (!next.hasAttribute(name)) old.removeAttribute(name);
  if (old instanceof HTMLTemplateElement) old.content.replaceChildren(/** @type {HTMLTemplateElement} */ (next).content);
  else morphChildren(old, next);
  // A field keeps what the user typed unless the server changed it, and even then when the user
  // typed more after sending it.
  if (field && field.type != 'file' && field.defaultValue != was &&
    (typed == was || (applying?.form == field.form && typed == applying?.data?.get(field.name)))) {
    field.value = field.defaultValue;
  }
  if (old instanceof HTMLOptionElement && old.defaultSelected != wasOn) old.selected = old.defaultSelected;
  if (old instanceof HTMLInputElement && old.defaultChecked != wasOn) old.checked = old.defaultChecked;
}

/** @param {Element} parent @param {Element} next */
function morphChildren(parent, next) {
  const ids = new Set([...next.children].map((e) => e.id).filter(Boolean));
  /** @param {Node} node kept when moving another node past it is better than removing it */
  const keep = (node) => node instanceof Element &&
    (ids.has(node.id) || node.contains(document.activeElement) || node.hasAttribute(LIVE));
  let cursor = parent.firstChild;
  for (const child of [...next.childNodes]) {
    let match = cursor;
    // Text only matches in place; elements are looked for further on.
    while (match && !same(match, child)) match = child instanceof Element ? match.nextSibling : null;
    if (!match) {
      parent.insertBefore(child, cursor);
      continue;
    }
    const between = [];
    for (let node = cursor; node && node != match; node = node.nextSibling) between.push(node);
    if (between.some(keep)) parent.insertBefore(match, cursor);
    else for (const node of between) node.remove();
    morph(match, child);
    cursor = match.nextSibling;
  }
  while (cursor) {
    const node = cursor;
    cursor = cursor.nextSibling;
    if (!(node instanceof Element && node.hasAttribute(LIVE))) node.remove();
  }
}

/** @param {Node} a @param {Node} b */
function same(a, b) {
  if (!(a instanceof Element && b instanceof Element)) return a.nodeType == b.nodeType;
  return a.tagName == b.tagName && a.id == b.id && a.getAttribute('name') == b.getAttribute('name') &&
    !a.hasAttribute(LIVE);
}

// Back and Forward across entries pushed after a redirect: load the page the URL names.
addEventListener('popstate', () => {
  if (here() != shownPage) location.reload();
});

// ---- Autosave ----
/** @type {WeakMap<HTMLFormElement, number>} */
const timers = new WeakMap();
/** What each autosaved form last sent, so a `change` after `input` does not save twice. @type {WeakMap<HTMLFormElement, string>} */
const saved = new WeakMap();

/** @param {Event} event */
function autosave(event) {
  const form = /** @type {HTMLInputElement} */ (event.target).form;
  const delay = form?.getAttribute('data-actum-autosave');
  if (!form || delay == null) return;
  clearTimeout(timers.get(form));
  timers.set(form, setTimeout(() => {
    const state = new URLSearchParams(/** @type {any} */ (new FormData(form))).toString();
    if (saved.get(form) == state || !isActionSubmit(form, null)) return;
    saved.set(form, state);
    submit(form, null, true).catch(ignore);
  }, +delay));
}
addEventListener('input', autosave);
addEventListener('change', autosave);
