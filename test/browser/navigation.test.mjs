// Every page in the main navigation, in English and Chinese: it renders with
// a heading, without console errors or failed requests, passes the basic
// accessibility checks, and the navigation works from the keyboard. The
// pages are read from the nav itself, so a new page is covered when it is
// added there.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseURL, expectNoA11yBasics, withPage } from './lib.mjs';

const langs = ['en', 'zh-CN'];
const cjk = /[\u3400-\u9fff]/;

// navLinks reads the main navigation's links (path and English text) from
// the overview.
async function navLinks(t) {
  let links = [];
  await withPage(t, 'nav-links', async (page) => {
    await page.goto(baseURL + '/ui/?lang=en');
    links = await page.locator('#nav-main a[href]').evaluateAll((as) =>
      as.map((a) => ({ href: a.getAttribute('href'), text: a.textContent.trim() })));
  });
  assert.ok(links.length >= 2, `the main navigation lists pages (found ${JSON.stringify(links)})`);
  for (const l of links) {
    assert.ok(l.href.startsWith('/ui/'), `nav link ${l.text} stays in the dashboard: ${l.href}`);
  }
  return links;
}

function slug(href) {
  return href.replace(/^\/ui\/?/, '').replace(/[^\w-]+/g, '-') || 'overview';
}

test('navigation: every page in the nav, in English and Chinese', async (t) => {
  const links = await navLinks(t);
  for (const lang of langs) {
    for (const link of links) {
      await t.test(`${lang} ${link.href}`, async (t) => {
        await withPage(t, `nav-${lang}-${slug(link.href)}`, async (page) => {
          const u = new URL(link.href, baseURL);
          u.searchParams.set('lang', lang);
          const resp = await page.goto(u.href);
          assert.ok(resp, `navigating to ${u.href} gave a response`);
          assert.ok(resp.status() < 400, `${link.href} answers ${resp.status()}`);
          assert.equal(await page.locator('html').getAttribute('lang'), lang);

          const h1 = page.locator('main h1');
          assert.equal(await h1.count(), 1, `${link.href} has one h1 in <main>`);
          const heading = (await h1.textContent()).trim();
          assert.notEqual(heading, '', `${link.href} has a non-empty h1`);
          // A missing translation shows its key (e.g. "campaigns.title").
          assert.doesNotMatch(heading, /^[a-z]+\.[a-z_.]+$/, `${link.href}: the h1 is an untranslated key`);
          if (lang === 'zh-CN') {
            assert.match(heading, cjk, `${link.href}: the Chinese page's h1 is in Chinese: ${heading}`);
          }
          const title = await page.title();
          assert.ok(title.includes(heading), `${link.href}: the <title> (${title}) names the page (${heading})`);

          // The current page is marked in the nav.
          const current = await page.locator('#nav-main a[aria-current="page"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
          assert.deepEqual(current, [link.href], `${link.href} is the nav's current page`);

          // No untranslated message keys anywhere in the page's text.
          const body = await page.locator('body').innerText();
          // (File names such as reports.csv are not keys.)
          const keys = body.match(/\b(?:nav|error|login|overview|customer|segments|campaigns|copy|assistant|experiments|reports)\.(?!(?:csv|json|jsonl|txt|html|png|svg|pdf|xlsx)\b)[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*\b/g) ?? [];
          assert.deepEqual(keys, [], `${link.href} shows message keys instead of text`);

          await expectNoA11yBasics(page);
        });
      });
    }
  }
});

test('navigation: the keyboard reaches the first nav link and Enter follows it', async (t) => {
  await withPage(t, 'nav-keyboard', async (page) => {
    // Start on the second page of the nav, so following the first link
    // changes the page.
    await page.goto(baseURL + '/ui/?lang=en');
    const hrefs = await page.locator('#nav-main a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.ok(hrefs.length >= 2, 'the nav lists at least two pages');
    const [first, second] = hrefs;
    await page.goto(baseURL + second);
    // Tab from the top of the page, as a keyboard user arriving.
    await page.evaluate(() => document.activeElement?.blur());
    let presses = 0;
    let focused = '';
    for (; presses < 8; presses++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => {
        const a = document.activeElement;
        return a?.closest('#nav-main') ? a.getAttribute('href') : `${a?.tagName} ${a?.getAttribute('href') ?? ''}`;
      });
      if (focused === first) break;
    }
    assert.equal(focused, first, `Tab reaches the first nav link (last focus: ${focused})`);
    t.diagnostic(`Tab presses to reach the first nav link: ${presses + 1}`);
    // The focus is visible.
    const style = await page.evaluate(() => {
      const a = document.activeElement;
      const s = getComputedStyle(a);
      return { focusVisible: a.matches(':focus-visible'), outline: s.outlineStyle, width: s.outlineWidth };
    });
    assert.ok(style.focusVisible, 'the keyboard focus matches :focus-visible');
    assert.notEqual(style.outline, 'none', `the focused link shows an outline (${JSON.stringify(style)})`);

    await Promise.all([
      page.waitForURL((u) => u.pathname === first),
      page.keyboard.press('Enter'),
    ]);
    assert.equal(await page.locator('main h1').count(), 1);
    assert.equal(await page.locator('#nav-main a[aria-current="page"]').getAttribute('href'), first);
  });
});

test('navigation: the first Tab offers a skip link that moves the focus to the page content', async (t) => {
  await withPage(t, 'nav-skip-link', async (page) => {
    await page.goto(baseURL + '/ui/segments?lang=en');
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press('Tab');
    const skip = await page.evaluate(() => ({ cls: document.activeElement?.className, text: document.activeElement?.textContent }));
    assert.equal(skip.cls, 'skip', `the first Tab focuses the skip link (got ${JSON.stringify(skip)})`);
    assert.equal(skip.text, 'Skip to content');
    assert.ok(await page.locator('a.skip').isVisible(), 'the focused skip link is visible');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.id === 'main');
    // The next Tab goes into the page, not back through the header.
    await page.keyboard.press('Tab');
    const inMain = await page.evaluate(() => !!document.activeElement?.closest('main'));
    assert.ok(inMain, 'after skipping, Tab moves within the main content');
  });
});
