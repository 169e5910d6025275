// The browser test harness for shopmind's dashboard (/ui/): headless
// Chromium driven by playwright-core, signed in through the real login form.
// test/browser/browser_test.go starts a server and runs every *.test.mjs
// here; README.md says how to run them by hand.
//
//   export const baseURL                     from SHOPMIND_UI_URL
//   export async function withPage(t, name, fn, opts = { key: 'admin' })
//   export async function signIn(page, key)  'admin', 'read' or a key itself
//   export async function expectNoA11yBasics(page)

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

/** The dashboard server, e.g. http://127.0.0.1:PORT (no trailing slash). */
export const baseURL = (process.env.SHOPMIND_UI_URL ?? '').replace(/\/+$/, '');

const here = dirname(fileURLToPath(import.meta.url));
const screenshotDir = process.env.SHOPMIND_SCREENSHOTS || join(here, 'screenshots');

// A laptop screen.
const viewport = { width: 1366, height: 850 };

// Flags that keep Chromium from reaching the network on its own (updates,
// sync, field trials), so only the page's own requests are made and seen.
const chromiumArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
];

// One browser per test file (node --test runs each file in its own
// process), started on first use with an empty profile directory of its
// own, which is removed when the file's tests end.
let browserPromise;
let profileDir;

// Profile directories of browsers that died and could not be removed at
// once; the exit hook tries again.
const leftovers = new Set();

function browser() {
  if (!browserPromise) {
    const dir = mkdtempSync(join(tmpdir(), 'shopmind-chromium-'));
    profileDir = dir;
    const launched = chromium.launchPersistentContext(dir, {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: chromiumArgs,
      viewport,
    }).then((ctx) => {
      // Each withPage gets its own context (cookies, storage) in this
      // browser, so no sign-in or language choice leaks between tests.
      const b = ctx.browser();
      if (!b) {
        throw new Error('playwright-core returned a persistent context without a browser; cannot open separate contexts');
      }
      // If Chromium dies, the next withPage starts a new one rather than
      // every later test failing on a dead browser.
      b.on('disconnected', () => {
        if (browserPromise === launched) {
          browserPromise = undefined;
          // Chromium's helper processes may still be writing to the
          // profile as they exit; a profile that will not go yet is left
          // for the exit hook rather than failing a test that has ended.
          try {
            rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
            if (profileDir === dir) profileDir = undefined;
          } catch {
            leftovers.add(dir);
          }
        }
      });
      return { ctx, browser: b };
    }).catch((err) => {
      throw new Error(`starting Chromium (${process.env.CHROMIUM || '/usr/bin/chromium'}; set CHROMIUM to another binary) failed: ${err.message}`, { cause: err });
    });
    browserPromise = launched;
  }
  return browserPromise;
}

async function closeBrowser() {
  if (browserPromise) {
    const p = browserPromise;
    browserPromise = undefined;
    try {
      const { ctx } = await p;
      await ctx.close();
    } catch {
      // Chromium never started or already died; the profile is removed below.
    }
  }
  if (profileDir) {
    try {
      rmSync(profileDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
      profileDir = undefined;
    } catch {
      // Left for the exit hook.
    }
  }
}

after(closeBrowser);
// If the process ends without running the hook (an uncaught error), the
// profile directory still goes; Playwright kills Chromium itself on exit.
process.on('exit', () => {
  for (const dir of [profileDir, ...leftovers]) {
    if (!dir) continue;
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    } catch {
      // Nothing more can be done at exit; it is a temporary directory.
    }
  }
});

function requireBaseURL() {
  if (!baseURL) {
    throw new Error('SHOPMIND_UI_URL is not set: point it at a running `shopmind serve` (e.g. http://127.0.0.1:8080), or run `go test ./test/browser -run TestDashboardInChromium`');
  }
}

function keyFor(key) {
  if (key === 'admin' || key === 'read') {
    const env = key === 'admin' ? 'SHOPMIND_UI_ADMIN_KEY' : 'SHOPMIND_UI_READ_KEY';
    const v = process.env[env];
    if (!v) throw new Error(`${env} is not set: give the ${key} API key the server accepts`);
    return v;
  }
  if (typeof key !== 'string' || key === '') throw new Error(`signIn: key must be 'admin', 'read' or an API key, got ${key}`);
  return key;
}

/**
 * Signs in through the login form with the admin or read-only key (or a
 * literal key) and waits for the page it lands on. Fails if the form shows
 * an error instead.
 */
export async function signIn(page, key = 'admin') {
  requireBaseURL();
  const secret = keyFor(key);
  await page.goto(baseURL + '/ui/login');
  if (new URL(page.url()).pathname !== '/ui/login') {
    return; // the server runs without keys (open mode) and sent us on
  }
  await page.locator('#key').fill(secret);
  await Promise.all([
    page.waitForURL((u) => u.pathname !== '/ui/login'),
    page.locator('form[action="/ui/login"] button[type="submit"]').click(),
  ]).catch(async (err) => {
    const shown = await page.locator('#key-error, .error').allTextContents().catch(() => []);
    throw new Error(`signing in with the ${key === 'admin' || key === 'read' ? key : 'given'} key failed: ${shown.join(' ').trim() || err.message}`, { cause: err });
  });
}

let busy = false;

/**
 * Runs fn(page) in a fresh browser context (no cookies), signed in with
 * opts.key ('admin', 'read', a key, or null for not signed in). It records
 * console errors, page errors, failed requests and responses with status
 * >= 400 (except opts.allowStatus), always saves a full-page screenshot
 * to $SHOPMIND_SCREENSHOTS/<name>.png, and fails the test listing every
 * problem recorded. Calls must not overlap within one file.
 */
export async function withPage(t, name, fn, opts = { key: 'admin' }) {
  requireBaseURL();
  if (busy) throw new Error(`withPage(${name}): another withPage is still running in this file; await it first`);
  busy = true;
  const key = 'key' in opts ? opts.key : 'admin';
  const allowStatus = new Set(opts.allowStatus ?? []);
  const problems = [];
  const notes = [];
  let closing = false;
  let epoch = 0; // main-frame navigations so far
  const started = new WeakMap(); // request -> epoch it started in

  let context;
  try {
    const { browser: b } = await browser();
    context = await b.newContext({ viewport, locale: 'en-US' });
  } catch (err) {
    busy = false;
    throw err;
  }
  let fnErr;
  let page;
  try {
    page = await context.newPage();
    page.on('framenavigated', (f) => { if (f === page.mainFrame()) epoch++; });
    page.on('request', (r) => started.set(r, epoch));
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      const text = m.text();
      const where = m.location()?.url ?? '';
      const status = /^Failed to load resource: the server responded with a status of (\d+)/.exec(text);
      if (status && allowStatus.has(Number(status[1]))) return;
      problems.push(`console error: ${text}${where ? ` (${where})` : ''}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.stack || err.message}`));
    page.on('requestfailed', (r) => {
      const why = r.failure()?.errorText ?? 'unknown';
      // Leaving a page cancels what it still loads (a poll, an image):
      // not a failure of the request.
      if (why === 'net::ERR_ABORTED' && (closing || started.get(r) !== epoch)) return;
      problems.push(`request failed: ${r.method()} ${r.url()}: ${why}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400 && !allowStatus.has(r.status())) {
        problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
      }
    });
    if (key !== null && key !== undefined && key !== 'none') await signIn(page, key);
    await fn(page);
  } catch (err) {
    fnErr = err;
  } finally {
    if (page) {
      const file = join(screenshotDir, name.replace(/[^\w.-]+/g, '_') + '.png');
      try {
        mkdirSync(screenshotDir, { recursive: true });
        await page.screenshot({ path: file, fullPage: true });
        t.diagnostic(`screenshot: ${file}`);
      } catch (err) {
        t.diagnostic(`screenshot ${file} not saved: ${err.message}`);
      }
    }
    closing = true;
    await context.close().catch(() => {});
    busy = false;
  }
  for (const n of notes) t.diagnostic(`note: ${n}`);
  if (fnErr) {
    for (const p of problems) t.diagnostic(`${name}: also recorded: ${p}`);
    throw fnErr;
  }
  assert.deepEqual(problems, [], `${name}: the page logged errors or had failed requests:\n  ${problems.join('\n  ')}`);
}

/**
 * Fails unless the page passes basic accessibility checks: every visible
 * form field has a label (or aria-label/aria-labelledby), every button
 * and link has text or an aria-label, every image has alt text (empty
 * only if decorative) and every chart (svg, role=img) has an accessible
 * name.
 */
export async function expectNoA11yBasics(page) {
  const problems = await page.evaluate(() => {
    const out = [];
    const visible = (el) => el.checkVisibility({ visibilityProperty: true, opacityProperty: false });
    const text = (s) => (s ?? '').replace(/\s+/g, ' ').trim();
    const labelledBy = (el) => text((el.getAttribute('aria-labelledby') ?? '').split(/\s+/)
      .map((id) => document.getElementById(id)?.textContent ?? '').join(' '));
    const named = (el) => text(el.getAttribute('aria-label')) !== '' || labelledBy(el) !== '';
    const describe = (el) => {
      let s = el.tagName.toLowerCase();
      if (el.id) s += '#' + el.id;
      else if (el.getAttribute('name')) s += `[name="${el.getAttribute('name')}"]`;
      else if (el.className && typeof el.className === 'string') s += '.' + el.className.trim().split(/\s+/).join('.');
      const snippet = text(el.outerHTML).slice(0, 120);
      return `${s} (${snippet})`;
    };
    const hidden = (el) => el.closest('[aria-hidden="true"]') !== null;

    for (const el of document.querySelectorAll('input, select, textarea')) {
      if (el.type === 'hidden' || !visible(el) || hidden(el)) continue;
      if (['submit', 'reset', 'button', 'image'].includes(el.type)) {
        const v = el.type === 'image' ? el.getAttribute('alt') : el.value;
        if (text(v) === '' && !named(el)) out.push(`${describe(el)}: a button input without text or aria-label`);
        continue;
      }
      const byLabel = [...(el.labels ?? [])].some((l) => text(l.textContent) !== '');
      if (!byLabel && !named(el)) out.push(`${describe(el)}: a form field without a <label for> or aria-label`);
    }
    for (const el of document.querySelectorAll('button, [role="button"]')) {
      if (!visible(el) || hidden(el)) continue;
      if (text(el.textContent) === '' && !named(el) && text(el.getAttribute('title')) === '') {
        out.push(`${describe(el)}: a button without text or aria-label`);
      }
    }
    for (const el of document.querySelectorAll('a[href]')) {
      if (!visible(el) || hidden(el)) continue;
      const imgAlt = [...el.querySelectorAll('img[alt]')].some((i) => text(i.alt) !== '');
      if (text(el.textContent) === '' && !named(el) && !imgAlt) out.push(`${describe(el)}: a link without text or aria-label`);
    }
    for (const el of document.querySelectorAll('img')) {
      if (hidden(el) || el.getAttribute('role') === 'presentation') continue;
      if (!el.hasAttribute('alt')) out.push(`${describe(el)}: an image without alt`);
    }
    // Charts: outermost svgs not hidden from assistive technology.
    for (const el of document.querySelectorAll('svg')) {
      if (el.parentElement?.closest('svg') || hidden(el)) continue;
      const title = [...el.children].find((c) => c.tagName.toLowerCase() === 'title');
      if (!named(el) && text(title?.textContent) === '') out.push(`${describe(el)}: an svg without aria-label, aria-labelledby or <title>`);
    }
    return out;
  });
  assert.deepEqual(problems, [], `accessibility basics on ${page.url()}:\n  ${problems.join('\n  ')}`);
}
