// The harness itself (lib.mjs): it must fail a test on what it promises to
// catch, and let through what a test declares expected.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { baseURL, expectNoA11yBasics, withPage } from './lib.mjs';

test('harness: an unexpected 404 fails the test, an allowed one does not', async (t) => {
  await assert.rejects(
    withPage(t, 'harness-404', async (page) => { await page.goto(baseURL + '/ui/no-such-page'); }),
    (err) => /HTTP 404: GET .*\/ui\/no-such-page/.test(err.message),
  );
  await withPage(t, 'harness-404-allowed', async (page) => {
    const resp = await page.goto(baseURL + '/ui/no-such-page');
    assert.equal(resp.status(), 404);
    // The dashboard's own not-found page, inside the frame.
    assert.equal(await page.locator('main [role="alert"]').count(), 1);
  }, { key: 'admin', allowStatus: [404] });
});

test('harness: console errors and uncaught page errors fail the test', async (t) => {
  await assert.rejects(
    withPage(t, 'harness-console', async (page) => {
      await page.goto(baseURL + '/ui/');
      await page.evaluate(() => console.error('harness check: a console error'));
    }),
    (err) => err.message.includes('console error: harness check: a console error'),
  );
  await assert.rejects(
    withPage(t, 'harness-pageerror', async (page) => {
      await page.goto(baseURL + '/ui/');
      await page.evaluate(() => setTimeout(() => { throw new Error('harness check: uncaught'); }, 0));
      await page.waitForTimeout(200);
    }),
    (err) => err.message.includes('page error: Error: harness check: uncaught'),
  );
});

test('harness: a failing test still leaves its screenshot', async (t) => {
  await assert.rejects(
    withPage(t, 'harness-thrown', async (page) => {
      await page.goto(baseURL + '/ui/');
      throw new Error('harness check: thrown by the test');
    }),
    /thrown by the test/,
  );
  const dir = process.env.SHOPMIND_SCREENSHOTS || fileURLToPath(new URL('screenshots', import.meta.url));
  assert.ok(existsSync(join(dir, 'harness-thrown.png')), `screenshot saved in ${dir}`);
});

test('harness: the accessibility basics catch an unlabelled field, button and chart', async (t) => {
  await withPage(t, 'harness-a11y', async (page) => {
    await page.goto(baseURL + '/ui/');
    await expectNoA11yBasics(page);
    await page.evaluate(() => {
      const main = document.querySelector('main');
      const input = document.createElement('input');
      input.id = 'harness-unlabelled';
      const button = document.createElement('button');
      button.id = 'harness-empty-button';
      const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
      svg.setAttribute('id', 'harness-chart');
      svg.setAttribute('width', '20');
      svg.setAttribute('height', '20');
      main.append(input, button, svg);
    });
    await assert.rejects(expectNoA11yBasics(page), (err) =>
      /input#harness-unlabelled/.test(err.message) &&
      /button#harness-empty-button/.test(err.message) &&
      /svg#harness-chart/.test(err.message));
    // Named, they pass.
    await page.evaluate(() => {
      document.getElementById('harness-unlabelled').setAttribute('aria-label', 'x');
      document.getElementById('harness-empty-button').textContent = 'Go';
      document.getElementById('harness-chart').setAttribute('aria-label', 'a chart');
    });
    await expectNoA11yBasics(page);
  });
});

test('harness: a browser that died is replaced for the next test', async (t) => {
  await withPage(t, 'harness-browser-gone', async (page) => {
    await page.context().browser().close();
  });
  await withPage(t, 'harness-browser-new', async (page) => {
    await page.goto(baseURL + '/ui/');
    assert.equal(new URL(page.url()).pathname, '/ui/');
  });
});
