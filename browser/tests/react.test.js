// examples/react in real Chromium: the seeds' client components (Vite + React 19) calling Rust
// actions through the generated module (web/src/actions.ts). Each example is clicked as a person
// would, and the server's own state (`GET /api/state`) says what the actions did; a refused call
// leaves it as it was. Needs `cargo build -p actum-example-react` and `npm run build` in
// examples/react/web (the test command does both).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { launch } from '../lib/browser.js';
import { artifact } from '../lib/artifacts.js';
import { startServer } from '../lib/server.js';
import { holdActionRequests, setMarker, hasMarker } from '../lib/enhanced.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const binary = process.env.ACTUM_REACT_BIN ?? path.join(root, 'target', 'debug', 'actum-example-react');
const dist = path.join(root, 'examples', 'react', 'web', 'dist');

let app;
let browser;

before(async () => {
  app = await startServer(binary, ['--port', '0', '--dist', dist], {});
  browser = await launch();
});

after(async () => {
  await browser?.close();
  app?.stop();
});

/** The server's data. */
async function state() {
  const response = await fetch(`${app.url}/api/state`);
  return response.json();
}

/** The app in a fresh browser context, rendered (React has mounted the examples). */
async function open(url = app.url) {
  const context = await browser.newContext();
  const page = await context.newPage();
  /** @type {string[]} */
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  await page.goto(url);
  await page.waitForSelector('h1');
  return Object.assign(page, { errors });
}

/** Waits until the answer to the next action call has come (and is a POST to an action). */
function nextAnswer(page) {
  return page.waitForResponse((r) => r.url().includes('/_actum/') && r.request().method() === 'POST');
}

test('LikeButton: an action called from onClick returns the new count', async () => {
  const page = await open();
  const before = (await state()).likes;
  const answer = nextAnswer(page);
  await page.click('#like button');
  const response = await answer;
  const request = response.request();
  assert.equal(request.headers()['actum-request'], '1');
  assert.equal(request.headers()['content-type'], 'application/json');
  assert.equal(request.postData(), 'null', 'an action without input gets a JSON null');
  await page.waitForFunction((n) => document.querySelector('#like p')?.textContent === `Total Likes: ${n}`, before + 1);
  await page.click('#like button');
  await page.waitForFunction((n) => document.querySelector('#like p')?.textContent === `Total Likes: ${n}`, before + 2);
  assert.equal((await state()).likes, before + 2);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('ViewCount: an action called from useEffect in a transition counts each visit once', async () => {
  const before = (await state()).views;
  const page = await open();
  await page.waitForFunction((n) => document.querySelector('#views p')?.textContent === `Total Views: ${n}`, before + 1);
  assert.equal((await state()).views, before + 1);
  await page.reload();
  await page.waitForFunction((n) => document.querySelector('#views p')?.textContent === `Total Views: ${n}`, before + 2);
  assert.equal((await state()).views, before + 2);
  await page.context().close();
});

test('Signup: useActionState shows the server field error, useFormStatus marks the pending button, success redirects', async () => {
  const page = await open();
  const held = await holdActionRequests(page);
  const users = (await state()).users;

  await page.fill('#email', 'not-an-email');
  await page.click('#signup button');
  const release = await held.next();
  // In flight: the SubmitButton (useFormStatus) is disabled and says so.
  await page.waitForSelector('#signup button[disabled]');
  assert.equal(await page.textContent('#signup button'), 'Signing up…');
  await page.screenshot({ path: artifact('react-signup-pending.png') });
  await release();
  await page.waitForFunction(() => document.querySelector('#email-error')?.textContent === 'please enter a valid email');
  assert.equal(await page.getAttribute('#email', 'aria-invalid'), 'true');
  assert.equal(await page.inputValue('#email'), 'not-an-email', 'what was typed stays');
  assert.equal(await page.isDisabled('#signup button'), false);
  assert.deepEqual((await state()).users, users, 'nobody was signed up');
  await page.screenshot({ path: artifact('react-signup-error.png') });

  await page.fill('#email', 'ann@example.com');
  const click = page.click('#signup button');
  await (await held.next())();
  await click;
  await page.waitForURL(`${app.url}/dashboard`);
  await page.waitForSelector('#welcome');
  assert.equal(await page.textContent('#welcome'), 'Welcome, ann@example.com');
  assert.deepEqual((await state()).users, [...users, 'ann@example.com']);
  await page.context().close();

  // The same address again: the action refuses it, and the list stays as it was.
  const again = await open();
  await again.fill('#email', 'ann@example.com');
  await again.click('#signup button');
  await again.waitForFunction(() => document.querySelector('#email-error')?.textContent === 'this email is already signed up');
  assert.deepEqual((await state()).users, [...users, 'ann@example.com']);
  assert.equal(new URL(again.url()).pathname, '/');
  await again.context().close();
});

test('Thread: useOptimistic shows the message at once, then the saved one; a refused one goes away', async () => {
  const page = await open();
  const held = await holdActionRequests(page);
  const before = (await state()).messages.length;

  await page.fill('#thread input[name=message]', 'hello there');
  await page.click('#thread button');
  const release = await held.next();
  await page.waitForSelector('#messages li[data-sending]');
  assert.match(await page.textContent('#messages li[data-sending]'), /hello there \(sending…\)/);
  assert.equal((await state()).messages.length, before, 'not saved yet');
  await page.screenshot({ path: artifact('react-thread-optimistic.png') });
  await release();
  await page.waitForFunction(() => !document.querySelector('#messages li[data-sending]'));
  const items = await page.locator('#messages li').allTextContents();
  assert.equal(items.at(-1), 'hello there');
  assert.deepEqual((await state()).messages.at(-1), { message: 'hello there' });

  // Spaces only: shown while in flight, refused by the action, then gone.
  await page.fill('#thread input[name=message]', '   ');
  await page.click('#thread button');
  const releaseRefused = await held.next();
  await page.waitForSelector('#messages li[data-sending]');
  await releaseRefused();
  await page.waitForFunction(() => document.querySelector('#thread-error')?.textContent === 'a message is 1 to 2000 characters');
  await page.waitForFunction(() => !document.querySelector('#messages li[data-sending]'));
  assert.deepEqual(await page.locator('#messages li').allTextContents(), items, 'the optimistic message was rolled back');
  assert.equal((await state()).messages.length, before + 1, 'nothing more was saved');
  await page.context().close();
});

test('EditPost: the draft is saved as it is typed; the form publishes it; a refused publish reaches the error boundary', async () => {
  const page = await open();
  await setMarker(page);
  await page.fill('#edit-post textarea', 'A draft of mine');
  await page.waitForFunction(() => document.querySelector('#draft-status')?.textContent === 'Draft saved (15 characters)');
  assert.equal((await state()).draft, 'A draft of mine');

  // A new visit starts from the saved draft.
  const other = await open();
  assert.equal(await other.inputValue('#edit-post textarea'), 'A draft of mine');
  await other.context().close();

  const posts = (await state()).posts;
  await page.click('#edit-post button[type=submit]');
  await page.waitForFunction((n) => document.querySelectorAll('#posts li').length === n, posts.length + 1);
  assert.equal(await page.locator('#posts li').last().textContent(), 'A draft of mine');
  assert.equal(Number(await page.getAttribute('main', 'data-revalidations')) > 0, true, 'actum:revalidate fired');
  const after = await state();
  assert.deepEqual(after.posts, [...posts, 'A draft of mine']);
  assert.equal(after.draft, '', 'publishing cleared the draft');
  assert.ok(await hasMarker(page), 'no page load');

  await page.fill('#edit-post textarea', '   ');
  await page.waitForFunction(() => document.querySelector('#draft-status')?.textContent === 'Draft saved (3 characters)');
  await page.click('#edit-post button[type=submit]');
  await page.waitForSelector('#edit-post [role=alert]');
  const boundary = await page.textContent('#edit-post [role=alert]');
  assert.match(boundary, /please correct the highlighted fields \(digest [0-9a-f]+\)/);
  assert.match(boundary, /content: a post is 1 to 2000 characters/);
  assert.deepEqual((await state()).posts, after.posts, 'nothing was published');
  await page.screenshot({ path: artifact('react-edit-post-boundary.png') });
  await page.context().close();
});

test('Entry: Ctrl+Enter submits the form with requestSubmit, a file included; the bound delete removes it', async () => {
  const page = await open();
  const before = (await state()).entries.length;
  await page.fill('#entry textarea', 'Dear diary');
  await page.setInputFiles('#entry input[type=file]', {
    name: 'note.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('hello'),
  });
  const answer = nextAnswer(page);
  await page.press('#entry textarea', 'Control+Enter');
  const request = (await answer).request();
  assert.match(request.headers()['content-type'], /^multipart\/form-data; boundary=/);
  await page.waitForFunction((n) => document.querySelectorAll('#entries li').length === n, before + 1);
  const saved = (await state()).entries.at(-1);
  assert.equal(saved.text, 'Dear diary');
  assert.deepEqual(saved.attachment, { name: 'note.txt', bytes: 5 });
  assert.match(await page.locator('#entries li').last().textContent(), /Dear diary note\.txt, 5 bytes/);
  assert.equal(await page.inputValue('#entry textarea'), '', 'React reset the form after its action');

  // Without a file (an untouched file input sends none), and with Cmd on a Mac keyboard.
  await page.fill('#entry textarea', 'No attachment');
  await page.press('#entry textarea', 'Meta+Enter');
  await page.waitForFunction((n) => document.querySelectorAll('#entries li').length === n, before + 2);
  assert.equal((await state()).entries.at(-1).attachment, null);

  // The first entry's delete button: a form action bound to the URL the server sealed.
  const id = saved.id;
  await page.locator('#entries li', { hasText: 'Dear diary' }).getByRole('button', { name: 'Delete' }).click();
  await page.waitForFunction((n) => document.querySelectorAll('#entries li').length === n, before + 1);
  assert.equal((await state()).entries.some((e) => e.id === id), false);
  await page.context().close();
});

test('Avatar: a typed object holding a File goes as a multipart form; a refused file changes nothing', async () => {
  const page = await open();
  const answer = nextAnswer(page);
  await page.setInputFiles('#avatar input[type=file]', {
    name: 'me.png',
    mimeType: 'image/png',
    buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  });
  const request = (await answer).request();
  assert.match(request.headers()['content-type'], /^multipart\/form-data; boundary=/);
  await page.waitForFunction(() => document.querySelector('#avatar-status')?.textContent === 'me.png: 8 bytes, image/png');
  const kept = (await state()).avatar;
  assert.deepEqual(kept, { picture: { name: 'me.png', bytes: 8 }, content_type: 'image/png' });

  await page.setInputFiles('#avatar input[type=file]', {
    name: 'notes.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('not a picture'),
  });
  await page.waitForFunction(() => document.querySelector('#avatar-error')?.textContent === 'an avatar is an image');
  assert.deepEqual((await state()).avatar, kept, 'the avatar stayed');
  await page.context().close();
});
