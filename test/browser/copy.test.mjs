// The Copy studio (/ui/copy): generate variants from a brief with the
// template writer and see every guardrail pass; edit a variant to carry a
// banned term and check again: the failure is explained and Approve is
// disabled, and a forced approval is refused with the reasons; approve a
// passing variant. A read-only key checks a Chinese text of its own. Jobs
// run for a segment with live progress; the bandit's statistics show for a
// brief served through POST /v1/copy/serve.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseURL, expectNoA11yBasics, withPage } from './lib.mjs';

const post = (path) => (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === path;

// fillBrief picks the first catalogue item and a push notification brief.
async function fillBrief(page, lang) {
  const item = await page.locator('#brief-items option').first().getAttribute('value');
  assert.ok(item, 'the catalogue list offers no item');
  await page.locator('#brief-items').selectOption([item]);
  await page.locator('#brief-goal').selectOption('conversion');
  await page.locator('#brief-channel').selectOption('push');
  await page.locator('#brief-language').selectOption(lang);
  await page.locator('#brief-voice').fill('warm');
  return item;
}

test('copy: generate variants, all guardrails pass; a banned term is explained and cannot be approved', async (t) => {
  await withPage(t, 'copy-studio', async (page) => {
    await page.goto(baseURL + '/ui/copy?lang=en');
    assert.equal((await page.locator('h1').textContent()).trim(), 'Copy studio');
    await expectNoA11yBasics(page);
    await fillBrief(page, 'en');
    await page.locator('#brief-variants').fill('3');
    const [gen] = await Promise.all([page.waitForResponse(post('/ui/copy/generate')), page.locator('#generate').click()]);
    assert.equal(gen.status(), 200);
    await page.waitForLoadState();

    // Three variants, each with a result for every guardrail, all passing.
    assert.equal(await page.locator('#variants article.variant').count(), 3);
    for (const i of [0, 1, 2]) {
      assert.equal(await page.locator(`#variant-${i}-status`).getAttribute('data-ok'), 'true', `variant ${i} does not pass`);
      const rows = page.locator(`#variant-${i}-checks tbody tr`);
      assert.equal(await rows.count(), 12, 'one row per guardrail');
      assert.equal(await page.locator(`#variant-${i}-checks tbody tr[data-state="fail"]`).count(), 0);
      assert.ok(await page.locator(`#approve-${i}`).isEnabled(), `Approve ${i} is disabled for passing copy`);
      assert.match(await page.locator(`#count-${i}`).textContent(), /^\d+ of 100 characters allowed/);
    }
    await expectNoA11yBasics(page);

    // Edit variant 1 to open with an absolute term: before checking, the
    // page marks it edited and holds Approve back.
    const original = await page.locator('#text-0').inputValue();
    await page.locator('#text-0').fill('Best ever! ' + original);
    assert.ok(await page.locator('#stale-0').isVisible(), 'no "check again" hint after an edit');
    assert.ok(await page.locator('#approve-0').isDisabled(), 'Approve stays enabled for an unchecked edit');

    const [chk] = await Promise.all([page.waitForResponse(post('/ui/copy/check')), page.locator('#check-0').click()]);
    assert.equal(chk.status(), 200);
    await page.waitForLoadState();
    assert.equal(await page.locator('#text-0').inputValue(), 'Best ever! ' + original, 'the edit was not kept');
    assert.equal(await page.locator('#variant-0-status').getAttribute('data-ok'), 'false');
    assert.equal(await page.locator('#variant-0-status').getAttribute('role'), 'alert');
    assert.equal(await page.locator('#variant-0-checks tr[data-code="banned_term"]').getAttribute('data-state'), 'fail');
    const why = await page.locator('#variant-0-why').textContent();
    assert.match(why, /Absolute and banned terms/);
    assert.match(why, /banned_term/);
    assert.match(why, /absolute term “Best ever”/);
    assert.match(why, /PRC Advertising Law art\. 9/);
    assert.match(why, /How to fix:/);
    assert.equal((await page.locator('#variant-0-marked mark').first().textContent()), 'Best ever');
    assert.ok(await page.locator('#approve-0').isDisabled(), 'Approve is enabled for failing copy');
    assert.ok(await page.locator('#approve-1').isEnabled(), 'Approve is disabled for the untouched variant');
    await expectNoA11yBasics(page);

    // Forcing the button anyway: the server checks again and refuses.
    await page.locator('#approve-0').evaluate((b) => { b.disabled = false; });
    const [refused] = await Promise.all([page.waitForResponse(post('/ui/copy/approve')), page.locator('#approve-0').click()]);
    assert.equal(refused.status(), 422);
    await page.waitForLoadState();
    assert.match(await page.locator('#approve-error').textContent(), /Variant 1 was not approved: failing guardrails on its text: \d+/);
    assert.ok(await page.locator('#variant-0-refused').isVisible());
    const approvedBefore = await page.locator('#approved tbody tr').count();
    assert.equal(await page.locator('#approved').getByText('Best ever! ', { exact: false }).count(), 0, 'the failing text was kept');

    // A passing variant is approved and listed.
    const good = await page.locator('#text-1').inputValue();
    const [ok] = await Promise.all([page.waitForResponse(post('/ui/copy/approve')), page.locator('#approve-1').click()]);
    assert.equal(ok.status(), 200);
    await page.waitForLoadState();
    assert.match(await page.locator('p.notice[role="status"]').textContent(), /Variant 2 is approved/);
    assert.ok(await page.locator('#variant-1-approved').isVisible());
    assert.ok((await page.locator('#approved tbody tr').count()) >= Math.max(approvedBefore, 1));
    assert.ok((await page.locator('#approved').textContent()).includes(good), 'the approved text is not listed');
  }, { key: 'admin', allowStatus: [422] });
});

test('copy: a read-only key checks its own Chinese text and sees why 最好 fails', async (t) => {
  await withPage(t, 'copy-check-zh', async (page) => {
    await page.goto(baseURL + '/ui/copy?lang=zh-CN');
    assert.equal(await page.locator('#generate').count(), 0, 'a read-only key is offered Generate');
    await fillBrief(page, 'zh-CN');
    await page.locator('#text-0').fill('最好的好物，今天只要 1.23 元！');
    const [chk] = await Promise.all([page.waitForResponse(post('/ui/copy/check')), page.locator('#check-0').click()]);
    assert.equal(chk.status(), 200);
    await page.waitForLoadState();
    assert.equal(await page.locator('#variant-0-status').getAttribute('data-ok'), 'false');
    const why = await page.locator('#variant-0-why').textContent();
    assert.match(why, /绝对化用语“最好”/);
    assert.match(why, /广告法》第九条/);
    assert.match(why, /金额“[^”]*1\.23[^”]*”不是需求中商品的价格/);
    assert.match(why, /修改建议/);
    assert.equal(await page.locator('#variant-0-checks tr[data-code="ungrounded_price"]').getAttribute('data-state'), 'fail');
    assert.equal(await page.locator('#approve-0').count(), 0, 'a read-only key is offered Approve');
    await expectNoA11yBasics(page);
  }, { key: 'read' });
});

test('copy: a job for a segment shows its progress until done', async (t) => {
  await withPage(t, 'copy-jobs', async (page) => {
    await page.goto(baseURL + '/ui/copy/jobs?lang=en');
    // A segment to write for (kept small so the job ends quickly).
    if (await page.locator('#brief-segment option').count() < 2) {
      await page.goto(baseURL + '/ui/segments?lang=en');
      await page.locator('#name').fill('copy studio buyers ' + Date.now().toString(36));
      await page.locator('#expression').fill('frequency >= 3');
      await Promise.all([page.waitForURL((u) => u.searchParams.has('saved')), page.locator('form[action="/ui/segments"] button[type="submit"]').click()]);
      await page.goto(baseURL + '/ui/copy/jobs?lang=en');
    }
    await expectNoA11yBasics(page);
    const seg = await page.locator('#brief-segment option').nth(1).getAttribute('value');
    await page.locator('#brief-segment').selectOption(seg);
    await fillBrief(page, 'en');
    await Promise.all([page.waitForURL((u) => u.searchParams.has('started')), page.locator('#start-job').click()]);
    const id = new URL(page.url()).searchParams.get('started');
    const row = page.locator(`#job-${id}`);
    assert.equal(await row.count(), 1, 'the new job is not listed');
    // The page polls GET /ui/copy/jobs.json and updates the row until the
    // job is done (or it was done before the page showed it).
    await page.waitForFunction((rid) => document.getElementById(rid)?.dataset.finished === 'true', `job-${id}`, { timeout: 60000 });
    assert.equal((await row.locator('[data-field="label"]').textContent()).trim(), 'done');
    const [handled, total] = (await row.locator('[data-field="count"]').textContent()).split('/').map(Number);
    assert.ok(total > 0 && handled === total, `progress ${handled}/${total}`);
    assert.equal(await page.locator(`#cancel-${id}`).count(), 0, 'a finished job offers Cancel');
    const r = await page.request.get(baseURL + '/ui/copy/jobs.json');
    assert.equal(r.status(), 200);
    const listed = (await r.json()).jobs.find((j) => j.id === id);
    assert.ok(listed && listed.finished && listed.handled === total, `jobs.json: ${JSON.stringify(listed)}`);

    // The job's page lists the copy written for its members.
    await Promise.all([page.waitForURL((u) => u.pathname === `/ui/copy/jobs/${id}`), row.locator('a').first().click()]);
    assert.equal((await page.locator('#job-status').textContent()).trim(), 'done');
    assert.ok(await page.locator('#job-results tbody tr').count() > 0, 'no member results listed');
    await expectNoA11yBasics(page);
  }, { key: 'admin' });
});

test('copy: variant performance from the bandit', async (t) => {
  await withPage(t, 'copy-performance', async (page) => {
    const key = process.env.SHOPMIND_UI_ADMIN_KEY;
    const auth = { Authorization: `Bearer ${key}` };
    const user = 'copy-browser-' + Date.now().toString(36);
    let r = await page.request.put(`${baseURL}/v1/users/${user}`, { headers: auth, data: { id: user, consent: { marketing_messages: true } } });
    assert.ok(r.ok(), `PUT user: ${r.status()} ${await r.text()}`);
    await page.goto(baseURL + '/ui/copy?lang=en');
    const item = await page.locator('#brief-items option').first().getAttribute('value');
    const brief = { goal: 'win_back', channel: 'sms', language: 'en', voice: 'concise ' + user };
    const served = [];
    for (let i = 0; i < 12; i++) {
      r = await page.request.post(`${baseURL}/v1/copy/serve`, { headers: auth, data: { user, brief, item_ids: [item] } });
      assert.ok(r.ok(), `serve: ${r.status()} ${await r.text()}`);
      served.push(await r.json());
    }
    const first = served[0];
    r = await page.request.post(`${baseURL}/v1/events`, { headers: auth, data: [
      { id: 'ev-' + user, type: 'message_click', user_id: user, timestamp: new Date().toISOString(), context: { message_id: first.message_id } },
    ] });
    assert.ok(r.ok(), `events: ${r.status()} ${await r.text()}`);

    await page.goto(baseURL + '/ui/copy/performance?lang=en');
    const table = page.locator(`#brief-${first.arm_id}-table`);
    assert.equal(await table.count(), 1, 'the served brief is not shown');
    assert.ok(await page.locator(`#brief-${first.arm_id} figure.chart svg`).isVisible());
    const row = table.locator(`tr[data-variant="${first.variant_id}"]`);
    const cells = await row.locator('td').allTextContents();
    // text, sends, opens, clicks, conversions, rate, mean, interval, share, P(best)
    const sends = served.filter((s) => s.variant_id === first.variant_id).length;
    assert.equal(Number(cells[1]), sends);
    assert.equal(Number(cells[3]), 1, 'the click is not counted');
    assert.match(cells[7], /^\d+\.\d% – \d+\.\d%$/);
    await expectNoA11yBasics(page);
  }, { key: 'admin' });
});
