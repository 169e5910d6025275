// Sign-in, sign-out, the session cookie, read-only keys and the language
// switch, through the real login form.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseURL, expectNoA11yBasics, signIn, withPage } from './lib.mjs';

const path = (page) => new URL(page.url()).pathname;

test('signin: a wrong key shows the error next to the field', async (t) => {
  await withPage(t, 'signin-wrong-key', async (page) => {
    await page.goto(baseURL + '/ui/login');
    await expectNoA11yBasics(page);
    await page.locator('#key').fill('not-a-key-of-this-server-0123');
    const [resp] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/ui/login'),
      page.locator('form[action="/ui/login"] button[type="submit"]').click(),
    ]);
    assert.equal(resp.status(), 401);
    await page.waitForLoadState();
    assert.equal(path(page), '/ui/login');

    const field = page.locator('#key');
    const error = page.locator('#key-error');
    assert.equal(await error.getAttribute('role'), 'alert');
    assert.match(await error.textContent(), /not known/);
    assert.equal(await field.getAttribute('aria-invalid'), 'true');
    assert.match(await field.getAttribute('aria-describedby') ?? '', /\bkey-error\b/);
    // "Next to the field": just below the input, not somewhere else on the page.
    const f = await field.boundingBox();
    const e = await error.boundingBox();
    assert.ok(f && e, 'the key field and its error are both visible');
    assert.ok(e.y >= f.y + f.height - 1 && e.y - (f.y + f.height) < 40,
      `the error (y=${e.y}) sits right below the field (bottom y=${f.y + f.height})`);
    // The key is not echoed back into the form.
    assert.equal(await field.inputValue(), '');
    // No session for a wrong key (checked without leaving the page, so the
    // screenshot shows the error).
    const cookies = await page.context().cookies(baseURL + '/ui/');
    assert.equal(cookies.find((c) => c.name === 'shopmind_session'), undefined, 'no session cookie for a wrong key');
  }, { key: null, allowStatus: [401] });
});

test('signin: the admin key lands on the overview with a strict HttpOnly session cookie', async (t) => {
  await withPage(t, 'signin-admin', async (page) => {
    assert.equal(path(page), '/ui/');
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.equal((await page.locator('h1').textContent()).trim(), 'Overview');
    assert.equal(await page.locator('#nav-main a[aria-current="page"]').getAttribute('href'), '/ui/');
    assert.equal(await page.locator('header .badge').count(), 0, 'an admin sees no read-only badge');
    await expectNoA11yBasics(page);

    const cookies = await page.context().cookies(baseURL + '/ui/');
    const session = cookies.find((c) => c.name === 'shopmind_session');
    assert.ok(session, `a session cookie is set (cookies: ${cookies.map((c) => c.name).join(', ')})`);
    assert.equal(session.httpOnly, true, 'the session cookie is HttpOnly');
    assert.equal(session.sameSite, 'Strict', 'the session cookie is SameSite=Strict');
    assert.equal(session.path, '/ui/');
    // Scripts cannot read it.
    assert.doesNotMatch(await page.evaluate(() => document.cookie), /shopmind_session/);
  });
});

test('signin: a read-only key sees the badge and no change forms', async (t) => {
  await withPage(t, 'signin-readonly', async (page) => {
    assert.equal(path(page), '/ui/');
    assert.match(await page.locator('header .badge').textContent(), /read-only/);
    await page.goto(baseURL + '/ui/segments');
    assert.equal(await page.locator('form[action="/ui/segments"]').count(), 0, 'no segment form for a read-only key');
    assert.match(await page.locator('main .notice').textContent(), /read-only/);
    // The only form that sends anything is signing out.
    const posts = await page.locator('form[method="post"]').evaluateAll((fs) => fs.map((f) => f.getAttribute('action')));
    assert.deepEqual(posts, ['/ui/logout']);
    await expectNoA11yBasics(page);
  }, { key: 'read' });
});

test('signin: signing out returns to the login page and ends the session', async (t) => {
  await withPage(t, 'signin-signout', async (page) => {
    const logout = page.locator('form[action="/ui/logout"] button[type="submit"]');
    await Promise.all([page.waitForURL((u) => u.pathname === '/ui/login'), logout.click()]);
    assert.equal(await page.locator('#key').count(), 1, 'the login form is shown');
    const cookies = await page.context().cookies(baseURL + '/ui/');
    assert.equal(cookies.find((c) => c.name === 'shopmind_session'), undefined, 'the session cookie is gone');
    await page.goto(baseURL + '/ui/segments');
    assert.equal(path(page), '/ui/login', 'pages ask to sign in again');
    // Signing in again works.
    await signIn(page, 'admin');
    assert.equal(path(page), '/ui/');
  });
});

test('signin: the language switch shows Chinese and back English', async (t) => {
  await withPage(t, 'signin-language', async (page) => {
    const nav = page.locator('#nav-main');
    await Promise.all([page.waitForURL((u) => u.searchParams.get('lang') === 'zh-CN'), page.locator('header a[hreflang="zh-CN"]').click()]);
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
    assert.match(await nav.textContent(), /概览/);
    assert.equal((await page.locator('h1').textContent()).trim(), '概览');
    assert.equal(await page.locator('header a[hreflang="zh-CN"]').getAttribute('aria-current'), 'true');

    // The choice sticks to the next page without ?lang.
    await page.goto(baseURL + '/ui/segments');
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
    assert.match(await nav.textContent(), /人群/);

    await Promise.all([page.waitForURL((u) => u.searchParams.get('lang') === 'en'), page.locator('header a[hreflang="en"]').click()]);
    assert.equal(path(page), '/ui/segments', 'switching language stays on the page');
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.match(await nav.textContent(), /Overview/);
    assert.doesNotMatch(await nav.textContent(), /概览/);
  });
});
