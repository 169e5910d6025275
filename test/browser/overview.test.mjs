// The overview page over the demo shop: events per hour (chart and table),
// the conversion funnel, revenue, the model in force with its kept
// versions, and the health of the store and the profile follower.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseURL, expectNoA11yBasics, withPage } from './lib.mjs';

const nums = async (locator) => (await locator.allTextContents()).map((s) => Number(s.trim().replace(/[^0-9.]/g, '')));

test('overview: activity, funnel, revenue, models and health', async (t) => {
  await withPage(t, 'overview-en', async (page) => {
    await page.goto(baseURL + '/ui/?lang=en');
    assert.equal(await page.locator('h1').textContent(), 'Overview');
    await expectNoA11yBasics(page);

    // Events per hour: a chart and a 48-row table behind a disclosure.
    assert.equal(await page.locator('#overview-hourly svg[role="img"]').count(), 1);
    const table = page.locator('#overview-hourly-table');
    assert.equal(await table.isVisible(), false, 'the hourly table starts folded');
    await page.locator('#overview-activity details summary').focus();
    await page.keyboard.press('Enter');
    await table.waitFor({ state: 'visible' });
    assert.equal(await table.locator('tbody tr').count(), 48);
    const totals = await nums(table.locator('tbody tr td:last-child'));
    assert.ok(totals.reduce((a, b) => a + b, 0) > 0, 'the demo shop has events in its last 48 hours');

    // The funnel narrows step by step.
    const [viewers, carters, buyers] = await nums(page.locator('#overview-funnel-table tbody td:nth-child(2)'));
    assert.ok(viewers >= carters && carters >= buyers && buyers > 0, `funnel ${viewers} ≥ ${carters} ≥ ${buyers} > 0`);
    assert.match(await page.locator('#overview-funnel-all').textContent(), /^\d+\.\d%$/);

    // Revenue: a total and a chart per day.
    assert.ok(Number(await page.locator('#overview-revtotal').textContent()) > 0);
    assert.equal(await page.locator('#overview-revday svg').count(), 1);

    // The model in force is among the kept versions, marked.
    const version = (await page.locator('#overview-model dl code').textContent()).trim();
    assert.match(version, /^\d{8}T\d{6}/);
    const row = page.locator('#overview-versions tbody tr', { hasText: version });
    assert.equal(await row.count(), 1);
    assert.ok((await row.textContent()).includes('in force'));

    // Health.
    assert.match(await page.locator('#overview-store-ok').textContent(), /^reachable/);
    assert.match(await page.locator('#overview-behind').textContent(), /^\d+$/);
  }, { key: 'read' });
});

test('overview: Chinese', async (t) => {
  await withPage(t, 'overview-zh', async (page) => {
    await page.goto(baseURL + '/ui/?lang=zh-CN');
    assert.equal(await page.locator('h1').textContent(), '概览');
    const main = await page.locator('main').textContent();
    for (const s of ['每小时事件数', '转化漏斗', '销售额', '推荐模型', '运行状态']) {
      assert.ok(main.includes(s), `the page shows ${s}`);
    }
    await expectNoA11yBasics(page);
  });
});
