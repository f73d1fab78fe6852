// The example app's posts in real Chromium, every flow with JavaScript off (native posts, 303s)
// and on (client.js: no page load): sign in and out, publish after a validation error, save a
// draft with the second button, autosave, publish the edit, like, views, delete, and another
// user's delete refused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MODES, appAndBrowser, mode, openApp, screenshot, signedIn, submit, text } from '../lib/example-app.js';

const ctx = appAndBrowser();

/** The post id in the page's URL. @param {import('playwright-core').Page} page */
const postId = (page) => Number(/\/posts\/(\d+)/.exec(page.url())?.[1]);

for (const js of MODES) {
  test(`a post is published after a validation error, then deleted (${mode(js)})`, async () => {
    const page = await signedIn(ctx.browser, ctx.url, `ann-${js}`, js);
    // Spaces pass the browser's `required` check; the server trims them and refuses the title.
    await page.fill('#create-post input[name=title]', '   ');
    await page.fill('#create-post textarea[name=body]', 'kept after the error');
    await submit(page, '#publish', js);
    assert.equal(await text(page, '#title-error'), 'a title is required');
    assert.equal(await page.inputValue('#create-post textarea[name=body]'), 'kept after the error');
    if (js) assert.equal(await page.evaluate(() => document.activeElement?.id), 'title', 'focus on the field');

    await page.fill('#create-post input[name=title]', `Hello from Chromium ${js}`);
    await submit(page, '#publish', js);
    await page.waitForURL(/\/posts\/\d+$/);
    assert.match(await text(page, 'h1'), /Hello from Chromium/);
    assert.equal(await text(page, '#post-body'), 'kept after the error');

    await submit(page, `#delete-post-${postId(page)} button`, js);
    await page.waitForURL(`${ctx.url}/`);
    assert.doesNotMatch(await text(page, 'body'), new RegExp(`Hello from Chromium ${js}`));
    await page.context().close();
  });

  test(`save draft is the second button; the edit form saves and publishes (${mode(js)})`, async () => {
    const page = await signedIn(ctx.browser, ctx.url, `dora-${js}`, js);
    await page.fill('#create-post input[name=title]', 'A first idea');
    await submit(page, '#save-draft', js);
    await page.waitForURL(/\/posts\/\d+\/edit$/);
    const id = postId(page);
    assert.equal(await page.inputValue('#edit-post input[name=title]'), 'A first idea');

    await page.fill('#edit-post input[name=title]', 'A better title');
    await page.fill('#edit-post textarea[name=body]', 'Written in the edit form.');
    if (js) {
      // No click: the form saves itself once typing has paused.
      await page.waitForFunction(() => document.querySelector('#draft-status')?.textContent?.includes('Draft saved at'));
      await screenshot(page, 'edit-autosave');
    } else {
      await submit(page, '#save-draft', js);
      assert.match(await text(page, '#draft-status'), /Draft saved at/);
    }
    assert.equal(await page.inputValue('#edit-post input[name=title]'), 'A better title');

    // The draft is its author's only.
    const other = await signedIn(ctx.browser, ctx.url, `eve-${js}`, js);
    assert.equal((await other.goto(`${ctx.url}/posts/${id}`))?.status(), 404);
    await other.context().close();

    await submit(page, '#publish', js);
    await page.waitForURL(new RegExp(`/posts/${id}$`));
    assert.equal(await text(page, 'h1'), 'A better title');
    assert.equal(await text(page, '#post-body'), 'Written in the edit form.');
    await page.goto(ctx.url);
    assert.match(await text(page, '#posts'), /A better title/);
    await page.context().close();
  });

  test(`likes and views count (${mode(js)})`, async () => {
    const page = await signedIn(ctx.browser, ctx.url, `lee-${js}`, js);
    await page.fill('#create-post input[name=title]', 'Likeable');
    await page.fill('#create-post textarea[name=body]', 'Like it, or not.');
    await submit(page, '#publish', js);
    await page.waitForURL(/\/posts\/\d+$/);
    const url = page.url();

    await page.goto(url);
    const views = Number((await text(page, '#views')).split(' ')[0]);
    await page.goto(url);
    assert.equal(await text(page, '#views'), `${views + 1} views`, 'a navigation is a view');

    await submit(page, '#like button', js);
    assert.equal(await text(page, '#likes'), 'Total likes: 1');
    assert.match(await text(page, '#liked'), /returned 1/);
    assert.equal(await text(page, '#views'), `${views + 1} views`, 'a like is not a view');
    await submit(page, '#like button', js);
    assert.equal(await text(page, '#likes'), 'Total likes: 2');
    if (js) await screenshot(page, 'post');
    await page.context().close();
  });

  test(`another user's delete is refused and the post stays (${mode(js)})`, async () => {
    const ann = await signedIn(ctx.browser, ctx.url, `owner-${js}`, js);
    await ann.fill('#create-post input[name=title]', `Owner keeps this ${js}`);
    await submit(ann, '#publish', js);
    await ann.waitForURL(/\/posts\/\d+$/);
    const url = ann.url();

    // Bob gets no delete button, but the page shows one on purpose: the action checks the user.
    const bob = await signedIn(ctx.browser, ctx.url, `bob-${js}`, js);
    await bob.goto(url);
    assert.equal(await bob.locator('form[id^="delete-post-"]').count(), 0);
    const response = await submit(bob, '#delete-as-other button', js);
    if (js) {
      // The error boundary around the button now shows the error instead.
      assert.match(await text(bob, '#not-yours-boundary'), /you are not allowed to do this \(digest \w+\)/);
      assert.equal(await bob.locator('#delete-as-other').count(), 0);
      assert.equal(bob.url(), url);
      await screenshot(bob, 'forbidden');
    } else {
      assert.equal(response?.status(), 403);
      assert.match(await text(bob, 'body'), /you are not allowed to do this/);
    }

    await ann.goto(url);
    assert.match(await text(ann, 'h1'), /Owner keeps this/);
    await ann.context().close();
    await bob.context().close();
  });

  test(`signing out shows the sign-in form again (${mode(js)})`, async () => {
    const page = await signedIn(ctx.browser, ctx.url, `sam-${js}`, js);
    if (js) await screenshot(page, 'home');
    await submit(page, '#sign-out button', js);
    assert.equal(await page.isVisible('#sign-in'), true);
    assert.equal(await page.locator('#create-post').count(), 0);
    await page.context().close();
  });
}

test('a visitor sees the posts but no forms to change them', async () => {
  const page = await openApp(ctx.browser, ctx.url, false);
  assert.equal(await page.locator('#create-post').count(), 0);
  assert.match(await text(page, 'body'), /Sign in \(at the top of the page\) to write posts/);
  await page.context().close();
});
