// actum's browser script (README.md): action forms go by fetch, the server's page is morphed in.
// Forms work without it; anything unexpected becomes a native post, so no input is lost.

/** @typedef {import('./actum').Envelope} Envelope @typedef {import('./actum').ErrorBody} ErrorBody */
/** @typedef {import('./internal').Call} Call @typedef {import('./internal').Shown} Shown @typedef {import('./internal').Saved} Saved */

export class ActumError extends Error {
  /** @param {ErrorBody} error */
  constructor(error) {
    super(error.message);
    this.name = 'ActumError';
    this.status = error.status;
    this.fields = error.fields ?? [];
    this.digest = error.digest;
  }
}

const LIVE = 'data-actum-live';
// What the morph leaves alone.
const KEPT = `[${LIVE}],[data-actum-permanent]`;
const here = () => location.pathname + location.search;
const ignore = () => {};
/** Queued or in flight, in order. @type {Set<Call>} */
const pending = new Set();
/** The pending call of a latest-wins form (or action path), to abort. @type {Map<unknown, AbortController>} */
const latest = new Map();
/** @type {Promise<unknown>} */
let queue = Promise.resolve();
/** The call whose answer is morphed in. @type {Call | undefined} */
let applying;
/** @type {Shown[]} */
let shown = [];
/** The URL of the page a redirect pushed ('' before any: other pushState calls are not ours). */
let page = '';
let noteCount = 0;
const STALE = 'actum:stale';
const staleText = 'this page was out of date: it has been reloaded; check and submit again';
/** This load restored a stale form: another unknown action goes native, never a reload loop. */
let restored = false;

/** The submitter's `form<name>` or the form's `<name>`. @param {HTMLFormElement} form @param {HTMLElement | null} by @param {string} name */
const attr = (form, by, name) => by?.getAttribute('form' + name) ?? form.getAttribute(name);

/** @param {HTMLFormElement} form @param {HTMLElement | null} by */
const actionOf = (form, by) => new URL(attr(form, by, 'action') ?? '', document.baseURI);

/** A POST in this window to a same-origin action URL. @param {HTMLFormElement} form @param {HTMLElement | null} by */
function ours(form, by) {
  const url = actionOf(form, by);
  const target = attr(form, by, 'target');
  return /^post$/i.test(attr(form, by, 'method') ?? '') && (!target || target == '_self') &&
    url.origin == location.origin && /\/_actum\/[^/]+$/.test(url.pathname);
}

// On window, bubbling: after the page's handlers, which may preventDefault.
addEventListener('submit', (event) => {
  const form = event.target;
  const by = event.submitter;
  if (form instanceof HTMLFormElement && !event.defaultPrevented && !form.hasAttribute('data-actum-native') && ours(form, by)) {
    event.preventDefault();
    submit(form, by).catch(ignore);
  }
});

/** @param {HTMLFormElement} form @param {HTMLElement | null} by @param {boolean} [auto] @param {AbortSignal} [signal] */
function submit(form, by, auto, signal) {
  const data = new FormData(form, by);
  const body = attr(form, by, 'enctype') == 'multipart/form-data' ? data
    : new URLSearchParams([...data].map(([name, value]) => [name, typeof value == 'string' ? value : value.name]));
  return run({ url: actionOf(form, by).href, body, el: form, form, by, data, auto, signal });
}

/** @type {typeof import('./actum').call} */
export const call = async (ref, input, options) => {
  const el = typeof ref == 'string' ? null : ref;
  const form = el instanceof HTMLFormElement ? el : null;
  if (form && !input) return submit(form, null, false, options?.signal);
  const url = typeof ref == 'string' ? ref : ref.getAttribute(form ? 'action' : 'data-actum-action');
  const isForm = input instanceof FormData;
  return run({
    url: new URL(url ?? '', document.baseURI).href,
    // A typed Blob sets the JSON content type.
    body: isForm ? input : input ? new Blob([JSON.stringify(input)], { type: 'application/json' }) : new URLSearchParams(),
    el, form, by: null,
    data: isForm ? input : new Map(Object.entries(input ?? {})),
    signal: options?.signal,
  });
};

/** @param {Call} c */
function run(c) {
  const { el, form } = c;
  const abort = c.abort = new AbortController();
  // The action's declared policy (docs/policies.md), which the server enforces too.
  const { pathname: path, searchParams } = new URL(c.url);
  const policy = searchParams.get('c');
  c.path = path;
  if (policy == 'drop' && [...pending].some((p) => p.path == path)) {
    return Promise.reject(new ActumError({ status: 409, message: 'this action is already running: wait for it to finish' }));
  }
  const last = policy == 'latest' ? path : el?.hasAttribute('data-actum-latest') && el;
  if (last) {
    latest.get(last)?.abort();
    latest.set(last, abort);
  }
  // One key per user action, sent again by a retry (the native fallback): the server runs it once.
  c.key = hex(16);
  c.buttons = /** @type {HTMLButtonElement[]} */ ([...form?.elements ?? []])
    .filter((b) => b.type == 'submit' && (!b.disabled || b.hasAttribute('data-actum-disabled')));
  c.templates = [...form?.querySelectorAll('template') ?? []].filter((t) => t.dataset.actumOptimistic);
  pending.add(c);
  render();
  emit(c, 'start', { url: c.url, body: c.body });
  const send = () => exchange(c, c.signal ? AbortSignal.any([abort.signal, c.signal]) : abort.signal);
  // One after another, as page loads would.
  if (el?.hasAttribute('data-actum-concurrent') && policy != 'serial') return send();
  const done = queue.then(send);
  queue = done.catch(ignore);
  return done;
}

/** @param {Call} c @param {AbortSignal} signal */
async function exchange(c, signal) {
  /** @type {Response | undefined} */
  let response;
  /** @type {Envelope | undefined} */
  let envelope;
  let answer = '';
  // A fresh W3C trace per call: the server's action span continues it.
  const headers = { 'actum-request': '1', 'actum-page': here(), 'actum-idempotency-key': c.key ?? '', traceparent: `00-${hex(16)}-${hex(8)}-01` };
  const selector = c.form?.getAttribute('data-actum-progress');
  const bar = c.body instanceof FormData && (selector ? document.querySelector(selector) : c.form?.querySelector('progress[data-actum-progress]'));
  try {
    response = bar instanceof HTMLProgressElement ? await upload(c, headers, signal, bar)
      : await fetch(c.url, { method: 'POST', body: c.body, signal, headers });
    answer = response.headers.get('actum-answer') ?? '';
    if (/^(envelope|rejected)$/.test(answer)) envelope = await response.json();
  } catch {}
  if (envelope) return apply(c, envelope);
  settle(c);
  emit(c, 'end', null);
  const stale = answer == 'unknown-action' && !restored && !signal.aborted;
  if (stale) reload(c.form);
  // Network failure, not our answer (or stale again): post natively, with the call's key.
  else if (c.form && !signal.aborted) native(c.form, c.by, c.key);
  throw new ActumError({ status: response?.status ?? 0, message: stale ? staleText : signal.aborted ? 'the call was aborted' : 'the server sent no action answer' });
}

/** @param {number} bytes */
const hex = (bytes) => [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');

/**
 * The POST by XMLHttpRequest, which reports upload progress (fetch cannot), into `bar`.
 * @param {Call} c @param {Record<string, string>} headers @param {AbortSignal} signal @param {HTMLProgressElement} bar
 * @returns {Promise<Response>}
 */
const upload = (c, headers, signal, bar) => new Promise((resolve, reject) => {
  const xhr = new XMLHttpRequest();
  xhr.open('POST', c.url);
  for (const name in headers) xhr.setRequestHeader(name, headers[name]);
  xhr.upload.onprogress = (event) => Object.assign(bar, { max: event.total, value: event.loaded });
  xhr.onload = () => {
    try {
      resolve(new Response(xhr.response, { status: xhr.status, headers: { 'actum-answer': xhr.getResponseHeader('actum-answer') ?? '' } }));
    } catch { reject(); }
  };
  xhr.onerror = xhr.onabort = reject;
  signal.onabort = () => xhr.abort();
  if (signal.aborted) reject();
  else xhr.send(/** @type {FormData} */ (c.body));
});

// Leaving the page aborts what is queued or in flight; an action that takes
// actum::Cancellation learns of it.
addEventListener('pagehide', () => pending.forEach((c) => c.abort?.abort()));

/**
 * What a stale reload keeps of a form: not passwords, files or hidden fields.
 * @param {HTMLFormElement} form
 * @returns {Array<HTMLInputElement & HTMLSelectElement>} (one type for every kind of field)
 */
const kept = (form) => /** @type {any[]} */ ([...form.elements]).filter((f) => f.name && 'value' in f &&
  !/^(password|file|hidden|submit|button|reset|image|output)$/.test(f.type));

/** The page is older than the server's actions (a deploy): keep what was typed, and reload. @param {HTMLFormElement | null} form */
function reload(form) {
  /** @type {Saved} */
  const saved = {
    url: here(), id: form?.id ?? '', at: form ? [...document.forms].indexOf(form) : -1,
    fields: (form ? kept(form) : []).map((f) => [f.name,
      /^(checkbox|radio)$/.test(f.type) ? f.checked : f.multiple ? [...f.selectedOptions].map((o) => o.value) : f.value]),
  };
  try {
    sessionStorage.setItem(STALE, JSON.stringify(saved));
  } catch {}
  location.reload();
}

/** After a stale reload: what was typed back into its form, and the message. @param {Saved} saved */
function restore({ id, at, fields }) {
  restored = true;
  const byId = document.getElementById(id);
  const found = byId instanceof HTMLFormElement ? byId : document.forms[at];
  const list = found ? kept(found) : [];
  const names = (/** @type {Array<[string, ...unknown[]]>} */ all) => all.map(([name]) => name) + '';
  // Found by position, it must have the same fields.
  const form = found && (found == byId || names(list.map((f) => [f.name])) == names(fields)) ? found : null;
  for (const f of form ? list : []) {
    // Each field takes the first value left under its name.
    const index = fields.findIndex(([name]) => name == f.name);
    const value = index < 0 ? null : fields.splice(index, 1)[0][1];
    if (typeof value == 'boolean') f.checked = value;
    else if (Array.isArray(value)) for (const o of f.options) o.selected = value.includes(o.value);
    else if (value != null) f.value = value;
  }
  announce(staleText);
  if (emit({ el: form }, 'stale', { message: staleText, fields: form ? [...new Set(list.map((f) => f.name))] : [] })) {
    // The page's error region, else a new one at the top of the form.
    const note = boundaryOf(form) ?? form?.insertAdjacentElement('afterbegin', Object.assign(document.createElement('p'), { role: 'alert', className: 'actum-stale' }));
    if (note instanceof HTMLElement) Object.assign(note, { textContent: staleText, hidden: false });
  }
}

/** @param {HTMLFormElement} form @param {HTMLElement | null} by @param {string} [once] */
function native(form, by, once) {
  form.setAttribute('data-actum-native', '');
  const { name, value } = /** @type {HTMLButtonElement} */ (by ?? {});
  if (name) form.append(Object.assign(document.createElement('input'), { type: 'hidden', name, value }));
  for (const key of ['action', 'method', 'enctype', 'target']) {
    const own = by?.getAttribute('form' + key);
    if (own != null) form.setAttribute(key, own);
  }
  // The same key as the call that may have reached the server: it runs once.
  const url = actionOf(form, null);
  if (once) url.searchParams.set('k', once);
  form.setAttribute('action', url.href);
  HTMLFormElement.prototype.submit.call(form);
}

/** @param {Call} c @param {Envelope} envelope */
function apply(c, envelope) {
  const { form, el } = c;
  const { ok, redirect, revalidated, html } = envelope;
  form?.querySelectorAll('.actum-field-error').forEach((note) => note.remove());
  form?.querySelectorAll('[aria-invalid]').forEach((field) => field.removeAttribute('aria-invalid'));
  if (html && redirect) {
    history.pushState(null, '', envelope.url ?? redirect);
    page = here();
  }
  settle(c, envelope);
  const changed =
    revalidated.paths.length + revalidated.layouts.length + revalidated.tags.length ||
    revalidated.refresh;
  // The server could not render the page: load it.
  if (!html && ok && redirect) location.assign(redirect);
  else if (!html && ok && changed) location.reload();
  if (changed) emit(c, 'revalidate', revalidated);
  if (ok) {
    // As React resets a form after its action: the fields go back to what the server rendered.
    if (form?.hasAttribute('data-actum-reset')) form.reset();
    announce(form?.dataset.actumDone ?? 'done');
    emit(c, 'end', envelope);
    return envelope.result;
  }
  const error = new ActumError(envelope.error ?? { status: 0, message: 'the action failed' });
  const marked = markFields(c, error.fields);
  announce(error.message);
  const boundary = boundaryOf(el);
  if (emit(c, 'error', error) && !marked && boundary) {
    boundary.textContent = error.message + (error.digest ? ` (digest ${error.digest})` : '');
    boundary.hidden = false;
  }
  emit(c, 'end', envelope);
  throw error;
}

/** The error region of `el`: its nearest `[data-actum-error-boundary]`, else the page's first. @param {Element | null} el */
function boundaryOf(el) {
  return /** @type {HTMLElement | null} */ (el?.closest('[data-actum-error-boundary]') ?? document.querySelector('[data-actum-error-boundary]'));
}

/** @param {Call} c @param {Envelope} [envelope] */
function settle(c, envelope) {
  pending.delete(c);
  mark(c, false);
  applying = c;
  render(envelope);
  applying = undefined;
}

/**
 * Optimistic copies off, the server's page in, pending marks and copies back on (in one task: a
 * newer copy never flickers).
 * @param {Envelope} [envelope]
 */
function render(envelope) {
  for (const [target, nodes, stash] of shown.reverse()) {
    for (const node of nodes) node.remove();
    if (stash) target.append(...stash);
  }
  shown = [];
  if (envelope?.html) morphPage(envelope.html, !!envelope.redirect);
  for (const c of pending) {
    mark(c, true);
    for (const template of c.templates ?? []) {
      const target = document.querySelector(template.dataset.actumOptimistic ?? '');
      if (!target) continue;
      const copy = /** @type {DocumentFragment} */ (template.content.cloneNode(true));
      for (const field of copy.querySelectorAll('[data-actum-field]')) {
        field.textContent = String(c.data.get(field.getAttribute('data-actum-field') ?? '') ?? '');
      }
      const nodes = [...copy.childNodes];
      // data-actum-replace: instead of the target's content.
      const stash = template.hasAttribute('data-actum-replace') ? [...target.childNodes] : null;
      if (stash) target.replaceChildren(copy);
      else target.append(copy);
      shown.push([target, nodes, stash]);
    }
  }
}

/** @param {Call} c @param {boolean} on */
function mark(c, on) {
  c.el?.toggleAttribute('data-pending', on);
  c.by?.toggleAttribute('data-pending', on);
  if (on) c.el?.setAttribute('aria-busy', 'true');
  else c.el?.removeAttribute('aria-busy');
  for (const button of c.buttons ?? []) {
    button.disabled = on;
    button.toggleAttribute('data-actum-disabled', on);
  }
}

/** True when a field was marked. @param {Call} c @param {import('./actum').FieldError[]} errors */
function markFields(c, errors) {
  const form = c.form;
  /** @type {HTMLElement | undefined} */
  let first;
  for (const { field, message } of form ? errors : []) {
    const input = form?.querySelector(`[name="${CSS.escape(field)}"]`);
    if (!(input instanceof HTMLElement)) continue;
    first ??= input;
    input.setAttribute('aria-invalid', 'true');
    // The message the page shows, else a new one.
    let note = [...form?.querySelectorAll('*') ?? []].find((e) => !e.children.length && e != input && e.textContent == message);
    if (!note) {
      note = Object.assign(document.createElement('span'), { className: 'actum-field-error', textContent: message });
      input.after(note);
    }
    note.id ||= 'actum-error-' + ++noteCount;
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

// Visually hidden by a constructed style sheet, which a strict CSP allows.
const sheet = new CSSStyleSheet();
sheet.replaceSync(`[${LIVE}]{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}`);
document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];

/** False if prevented. @param {Pick<Call, 'el'>} c @param {string} name @param {unknown} detail */
function emit(c, name, detail) {
  // A removed element cannot bubble to the document.
  const target = c.el?.isConnected ? c.el : document;
  return target.dispatchEvent(new CustomEvent('actum:' + name, { bubbles: true, cancelable: true, detail }));
}

// The morph, hand-written: a library would outweigh this whole script. It walks both trees,
// matches children by id, then tag and name, patches attributes and text, and keeps every node it
// can, so focus, caret, scroll and typing survive.

/** @param {string} html @param {boolean} newPage */
function morphPage(html, newPage) {
  const active = /** @type {HTMLInputElement} */ (document.activeElement ?? document.body);
  const { selectionStart: start, selectionEnd: end, selectionDirection: direction } = active;
  const [x, y] = newPage ? [0, 0] : [scrollX, scrollY];
  morph(document.documentElement, new DOMParser().parseFromString(html, 'text/html').documentElement);
  if (active.isConnected && document.activeElement != active) active.focus({ preventScroll: true });
  if (active.isConnected && start != null) active.setSelectionRange(start, end, direction ?? undefined);
  scrollTo(x, y);
}

/** @param {Node} old @param {Node} next */
function morph(old, next) {
  if (!(old instanceof Element && next instanceof Element)) {
    if (old.nodeValue != next.nodeValue) old.nodeValue = next.nodeValue;
    return;
  }
  const field = old instanceof HTMLInputElement || old instanceof HTMLTextAreaElement ? old : null;
  const [typed, was] = [field?.value, field?.defaultValue];
  const on = old instanceof HTMLOptionElement ? old.defaultSelected : old instanceof HTMLInputElement && old.defaultChecked;
  for (const { name, value } of [...next.attributes]) if (old.getAttribute(name) != value) old.setAttribute(name, value);
  for (const { name } of [...old.attributes]) if (!next.hasAttribute(name)) old.removeAttribute(name);
  if (old instanceof HTMLTemplateElement) old.content.replaceChildren(/** @type {HTMLTemplateElement} */ (next).content);
  else morphChildren(old, next);
  // Typing stays unless the server changed the field, and typing after the send always stays.
  if (field && field.type != 'file' && field.defaultValue != was &&
    (typed == was || (applying?.form == field.form && typed == applying?.data.get(field.name)))) {
    field.value = field.defaultValue;
  }
  if (old instanceof HTMLOptionElement && old.defaultSelected != on) old.selected = old.defaultSelected;
  if (old instanceof HTMLInputElement && old.defaultChecked != on) old.checked = old.defaultChecked;
}

/** @param {Element} parent @param {Element} next */
function morphChildren(parent, next) {
  const ids = new Set([...next.children].map((e) => e.id).filter(Boolean));
  let cursor = parent.firstChild;
  for (const child of [...next.childNodes]) {
    let match = cursor;
    // Text matches in place; elements further on.
    while (match && !same(match, child)) match = child instanceof Element ? match.nextSibling : null;
    if (!match) {
      parent.insertBefore(child, cursor);
      continue;
    }
    // Skipped nodes go, unless one is still wanted: then the match moves up.
    const skipped = [];
    for (let node = cursor; node != match; node = node?.nextSibling ?? null) skipped.push(node);
    if (skipped.some((node) => node instanceof Element && (ids.has(node.id) || node.contains(document.activeElement) || node.matches(KEPT)))) {
      parent.insertBefore(match, cursor);
    } else for (const node of skipped) node?.remove();
    morph(match, child);
    cursor = match.nextSibling;
  }
  while (cursor) {
    const node = cursor;
    cursor = cursor.nextSibling;
    if (!(node instanceof Element && node.matches(KEPT))) node.remove();
  }
}

/** @param {Node} a @param {Node} b */
function same(a, b) {
  if (!(a instanceof Element && b instanceof Element)) return a.nodeType == b.nodeType;
  return a.tagName == b.tagName && a.id == b.id && a.getAttribute('name') == b.getAttribute('name') && !a.matches(KEPT);
}

// Back/Forward across a pushed redirect: load that page.
addEventListener('popstate', () => {
  if (page && here() != page) location.reload();
});

/** @type {WeakMap<HTMLFormElement, number>} */
const timers = new WeakMap();
/** Last sent, so `change` after `input` saves once. @type {WeakMap<HTMLFormElement, string>} */
const saved = new WeakMap();

/** @param {Event} event */
function autosave(event) {
  const form = /** @type {HTMLInputElement} */ (event.target).form;
  const delay = form?.getAttribute('data-actum-autosave');
  if (!form || delay == null) return;
  clearTimeout(timers.get(form));
  timers.set(form, setTimeout(() => {
    const state = new URLSearchParams(/** @type {any} */ (new FormData(form))) + '';
    if (saved.get(form) != state && ours(form, null)) {
      saved.set(form, state);
      submit(form, null, true).catch(ignore);
    }
  }, +delay));
}
addEventListener('input', autosave);
addEventListener('change', autosave);

// Last, once everything above is defined: a stale reload puts back what was typed.
try {
  const saved = sessionStorage.getItem(STALE);
  sessionStorage.removeItem(STALE);
  /** @type {Saved | null} */
  const state = saved && JSON.parse(saved);
  if (state?.url == here()) restore(state);
} catch {}
