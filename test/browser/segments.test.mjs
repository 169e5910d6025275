// The segments pages: the live check of an expression as it is typed (its
// error with a position, then the size), saving and exporting a segment,
// k-means clusters saved as a segment, and lookalikes of a seed segment.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseURL, expectNoA11yBasics, withPage } from './lib.mjs';

const stamp = Date.now().toString(36);

test('segments: live validation, save and export', async (t) => {
  await withPage(t, 'segments-live', async (page) => {
    await page.goto(baseURL + '/ui/segments?lang=en');
    await expectNoA11yBasics(page);
    const live = page.locator('#expression-live');

    await page.fill('#expression', 'frequency >= ');
    await page.locator('#expression-live.bad').waitFor({ timeout: 10_000 });
    assert.match(await live.textContent(), /^Line 1, column 14: /, 'the error says where it is');
    assert.equal(await page.locator('#expression').getAttribute('aria-invalid'), 'true');
    assert.equal(await live.getAttribute('data-line'), '1');

    await page.fill('#expression', 'frequency >= 1');
    await page.locator('#expression-live.ok').waitFor({ timeout: 10_000 });
    const size = Number(await live.getAttribute('data-size'));
    assert.ok(size > 0, `the demo shop has buyers (size ${size})`);
    assert.match(await live.textContent(), new RegExp(`^Valid: ${size} members now\\.`));
    assert.equal(await page.locator('#expression').getAttribute('aria-invalid'), null);

    const name = `browser buyers ${stamp}`;
    await page.fill('#name', name);
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/ui/segments' && u.searchParams.has('saved')),
      page.click('#segment-save'),
    ]);
    const id = new URL(page.url()).searchParams.get('saved');
    assert.match(await page.locator('p.notice[role="status"]').textContent(), new RegExp(`Saved segment ${id}: ${size} members now`));
    const row = page.locator(`#segment-${id}`);
    assert.ok((await row.textContent()).includes(name));

    // The export link downloads the members as CSV (the demo's segment is
    // above min_group_size).
    const href = await page.locator(`#export-${id}`).getAttribute('href');
    const resp = await page.request.get(baseURL + href);
    assert.equal(resp.status(), 200);
    assert.match(resp.headers()['content-type'], /^text\/csv/);
    const lines = (await resp.text()).trim().split('\n');
    assert.equal(lines[0].split(',')[0], 'user_id');
    assert.equal(lines.length, size + 1, 'one line per member plus the header');
  });
});

test('segments: a read-only key sees segments but no forms', async (t) => {
  await withPage(t, 'segments-readonly', async (page) => {
    await page.goto(baseURL + '/ui/segments?lang=zh-CN');
    assert.equal(await page.locator('#segment-form').count(), 0);
    assert.ok((await page.locator('main').textContent()).includes('只读'));
    await expectNoA11yBasics(page);
  }, { key: 'read' });
});

test('segments: clusters, and saving one as a segment', async (t) => {
  await withPage(t, 'segments-clusters', async (page) => {
    await page.goto(baseURL + '/ui/segments/clusters?lang=en');
    await page.fill('#k', '4');
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('k') === '4'),
      page.click('#cluster-run'),
    ]);
    await page.locator('#clusters-table').waitFor();
    const rows = page.locator('#clusters-table tbody tr');
    assert.equal(await rows.count(), 4);
    const sizes = await page.locator('#clusters-table tbody tr td:nth-of-type(1)').allTextContents();
    assert.ok(sizes.every((s) => Number(s) > 0), `every cluster has members: ${sizes}`);
    assert.notEqual((await page.locator('#cluster-1 .cluster-desc').textContent()).trim(), '', 'clusters are described in words');
    assert.match(await page.locator('#cluster-stats').textContent(), /customers in 4 clusters/);
    await expectNoA11yBasics(page);

    const name = `browser cluster ${stamp}`;
    await page.fill('#cluster-name-1', name);
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/ui/segments' && u.searchParams.has('saved')),
      page.locator('#save-cluster-1 button[type="submit"]').click(),
    ]);
    const id = new URL(page.url()).searchParams.get('saved');
    assert.ok((await page.locator(`#segment-${id}`).textContent()).includes(name));
  });
});

test('segments: lookalikes of a seed segment', async (t) => {
  await withPage(t, 'segments-lookalike', async (page) => {
    await page.goto(baseURL + '/ui/segments/lookalike?lang=en');
    // The buyers saved by the first test of this file: a seed that holds
    // some customers but not all (other files' segments may not).
    const seeds = await page.locator('#segment option').evaluateAll((os, want) => os.filter((o) => o.textContent.includes(want)).map((o) => o.value), `browser buyers ${stamp}`);
    assert.equal(seeds.length, 1, 'the first test saved the buyers segment to start from');
    await page.selectOption('#segment', seeds[0]);
    await page.fill('#n', '10');
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('segment') === seeds[0]),
      page.click('#lookalike-run'),
    ]);
    const summary = await page.locator('#lookalike-summary').textContent();
    const rows = await page.locator('#lookalike-table tbody tr').count();
    assert.ok(rows === 10 || /No lookalikes/.test(summary), `10 lookalikes or the empty state: ${summary}`);
    await expectNoA11yBasics(page);
  }, { key: 'read' });
});
