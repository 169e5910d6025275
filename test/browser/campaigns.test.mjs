// The Campaigns pages (ads): create a campaign through the form (an invalid
// value first, shown next to its field), find it in the list, open it and
// read its pacing chart; pause and resume it; a read-only key sees the
// pages without any form.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseURL, expectNoA11yBasics, withPage } from './lib.mjs';

const path = (page) => new URL(page.url()).pathname;

// A name of this run, so that runs against the same server stay apart.
const name = `Browser sale ${Date.now().toString(36)}`;
let campaignPath = ''; // set by the first test

test('campaigns: create a campaign through the form, see it in the list and its pacing chart', async (t) => {
  await withPage(t, 'campaigns-create', async (page) => {
    await page.goto(baseURL + '/ui/campaigns?lang=en');
    assert.equal((await page.locator('h1').textContent()).trim(), 'Campaigns');
    await expectNoA11yBasics(page);
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/ui/campaigns/new'),
      page.locator('#new-campaign').click(),
    ]);
    await expectNoA11yBasics(page);

    await page.locator('#name').fill(name);
    await page.locator('#advertiser').fill('Browser Co');
    await page.locator('#creatives').fill('hero | item-1 | Summer sunglasses\nitem-2 | Straw hats');
    await page.locator('#bid_type').selectOption('cpm');
    await page.locator('#bid').fill('0');
    await page.locator('#daily_budget').fill('50');
    await page.locator('#total_budget').fill('500');
    await page.locator('#time_zone').fill('Asia/Shanghai');
    await page.locator('#schedule_hours').fill('0-23');
    await page.locator('#devices').fill('mobile, desktop');
    await page.locator('#frequency_cap').fill('3');

    // A bid of 0 is refused by the ads validation, next to the bid field,
    // with everything typed kept.
    const [bad] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/ui/campaigns/new'),
      page.locator('#campaign-save').click(),
    ]);
    assert.equal(bad.status(), 400);
    await page.waitForLoadState();
    const err = page.locator('#bid-error');
    assert.equal(await err.getAttribute('role'), 'alert');
    assert.match(await err.textContent(), /above zero/);
    assert.equal(await page.locator('#bid').getAttribute('aria-invalid'), 'true');
    assert.match(await page.locator('#bid').getAttribute('aria-describedby') ?? '', /\bbid-error\b/);
    assert.equal(await page.locator('#name').inputValue(), name);
    assert.equal(await page.locator('#bid_type').inputValue(), 'cpm');
    const f = await page.locator('#bid').boundingBox();
    const e = await err.boundingBox();
    assert.ok(f && e && e.y >= f.y + f.height - 1 && e.y - (f.y + f.height) < 40, 'the error sits right below the bid field');

    await page.locator('#bid').fill('2.5');
    await Promise.all([
      page.waitForURL((u) => /^\/ui\/campaigns\/[^/]+$/.test(u.pathname) && u.pathname !== '/ui/campaigns/new'),
      page.locator('#campaign-save').click(),
    ]);
    campaignPath = path(page);
    assert.equal((await page.locator('h1').textContent()).trim(), name);
    assert.match(await page.locator('p.notice[role="status"]').textContent(), /version 1/);

    // The pacing chart: cumulative spend, the ideal line and the budget line.
    const chart = page.locator('#pacing-chart');
    await chart.locator('svg').first().waitFor();
    const chartText = await chart.textContent();
    for (const want of ['Spend so far', 'Ideal pacing', 'Budget today']) {
      assert.ok(chartText.includes(want), `the pacing chart shows "${want}"`);
    }
    assert.ok(await page.locator('#pacing-bars svg, #pacing-nohours').count() >= 1, 'spend by hour is shown, or why not');
    if (await page.locator('#pacing-hours').count() > 0) {
      await page.locator('#pacing-chart ~ details summary').click();
      assert.equal(await page.locator('#pacing-hours tbody tr').count(), 24, 'a row per hour');
    }
    assert.match(await page.locator('#spent-today').textContent(), /\/ 50\.00/);
    assert.match(await page.locator('#campaign-caps').textContent(), /at most 3 impressions per user/);
    // The form below holds the saved campaign.
    assert.equal(await page.locator('#bid').inputValue(), '2.5');
    assert.match(await page.locator('#creatives').inputValue(), /^hero \| item-1 \| Summer sunglasses\n/);
    await expectNoA11yBasics(page);

    // Serve it through the API, as a shop would, and count impressions
    // and a click: the page shows them after a reload.
    const id = campaignPath.split('/').pop();
    const api = async (p, body) => {
      const r = await fetch(baseURL + p, {
        method: 'POST',
        headers: { Authorization: `Bearer ${process.env.SHOPMIND_UI_ADMIN_KEY}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(r.status, 200, `POST ${p}: ${await r.clone().text()}`);
      return r.json();
    };
    let served = 0;
    for (let i = 0; i < 600 && served < 4; i++) {
      const d = await api('/v1/ads/decide', { user: `browser-${name}-${i}`, context: { device: 'mobile' }, slots: 1 });
      const slot = d.ads.findIndex((a) => a.campaign_id === id);
      if (slot < 0) continue; // throttled by the pacer, or another campaign won
      await api('/v1/ads/events', { decision_id: d.decision_id, slot, type: 'impression' });
      if (served === 0) await api('/v1/ads/events', { decision_id: d.decision_id, slot, type: 'click' });
      served++;
    }
    assert.ok(served > 0, 'the new campaign was served at least once');
    await page.goto(baseURL + campaignPath);
    assert.equal((await page.locator('#campaign-impressions').textContent()).trim(), String(served));
    assert.equal((await page.locator('#campaign-clicks').textContent()).trim(), '1');
    assert.equal((await page.locator('#campaign-ctr').textContent()).trim(), `${(100 / served).toFixed(2)}%`);
    if (await page.locator('#pacing-hours').count() > 0) {
      const hourImpressions = await page.locator('#pacing-hours tbody tr').evaluateAll(
        (rows) => rows.reduce((n, r) => n + Number(r.cells[4].textContent), 0));
      assert.equal(hourImpressions, served, 'the impressions are counted by hour');
    }

    // The list shows it; its link leads back.
    await page.goto(baseURL + '/ui/campaigns');
    const row = page.locator('#campaigns-table tbody tr', { hasText: name });
    assert.equal(await row.count(), 1);
    assert.match(await row.textContent(), /CPM 2\.50/);
    assert.match(await row.textContent(), /50\.00/);
    await Promise.all([
      page.waitForURL((u) => u.pathname === campaignPath),
      row.locator('a').first().click(),
    ]);
    assert.equal(await page.locator('#pacing-chart svg').count() >= 1, true);
  }, { key: 'admin', allowStatus: [400] });
});

test('campaigns: pause and resume', async (t) => {
  assert.ok(campaignPath, 'the create test made a campaign');
  await withPage(t, 'campaigns-pause', async (page) => {
    await page.goto(baseURL + campaignPath + '?lang=en');
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('saved') === 'status'),
      page.locator('#campaign-pause').click(),
    ]);
    assert.match(await page.locator('p.notice[role="status"]').textContent(), /now paused/);
    assert.equal((await page.locator('#pace-state').textContent()).trim(), 'not running');
    // Resuming lands on the same address: wait for the button it swaps in.
    await page.locator('#campaign-resume').click();
    await page.locator('#campaign-pause').waitFor();
    assert.match(await page.locator('p.notice[role="status"]').textContent(), /now active/);
  }, { key: 'admin' });
});

test('campaigns: a read-only key sees the list and the pacing but no form', async (t) => {
  assert.ok(campaignPath, 'the create test made a campaign');
  await withPage(t, 'campaigns-readonly', async (page) => {
    await page.goto(baseURL + campaignPath + '?lang=zh-CN');
    await page.locator('#pacing-chart svg').first().waitFor();
    assert.ok((await page.locator('#pacing-chart').textContent()).includes('理想节奏'));
    assert.equal(await page.locator('#campaign-form').count(), 0, 'no edit form');
    assert.equal(await page.locator('#campaign-status-form').count(), 0, 'no pause button');
    await expectNoA11yBasics(page);
    // The list last, so that the screenshot shows it.
    await page.goto(baseURL + '/ui/campaigns');
    assert.equal((await page.locator('h1').textContent()).trim(), '广告活动');
    assert.equal(await page.locator('#new-campaign').count(), 0, 'no create link for a read-only key');
    assert.equal(await page.locator('#campaigns-table tbody tr', { hasText: name }).count(), 1);
    await expectNoA11yBasics(page);
  }, { key: 'read' });
});
