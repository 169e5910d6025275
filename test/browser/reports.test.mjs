// The reports page over the demo shop: recommendation exposure (figures,
// Lorenz curve, brands), ad delivery by a user attribute, the form's
// errors, and the validation metrics of the kept model versions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseURL, expectNoA11yBasics, withPage } from './lib.mjs';

test('reports: exposure, ad delivery by group and model metrics', async (t) => {
  await withPage(t, 'reports-en', async (page) => {
    await page.goto(baseURL + '/ui/reports?lang=en');
    assert.equal(await page.locator('h1').textContent(), 'Reports');
    await expectNoA11yBasics(page);

    const gini = Number(await page.locator('#reports-gini').textContent());
    assert.ok(gini > 0 && gini < 1, `Gini ${gini} in (0, 1)`);
    assert.match(await page.locator('#reports-coverage').textContent(), /^\d+\.\d%$/);
    assert.equal(await page.locator('#reports-lorenz svg[role="img"]').count(), 1);
    assert.ok(await page.locator('#reports-brands-table tbody tr').count() > 0);

    // The kept versions carry their validation metrics, with a chart.
    const rows = page.locator('#reports-versions tbody tr');
    assert.ok(await rows.count() >= 1);
    assert.ok((await rows.first().textContent()).includes('in force'));
    assert.equal(await page.locator('#reports-versions-chart svg').count(), 1);

    // Measure again on another sample, with ads grouped by age band.
    await page.fill('#users', '150');
    await page.fill('#n', '5');
    await page.fill('#group_by', 'age_band');
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('users') === '150'),
      page.click('#reports-exposure-form button[type="submit"]'),
    ]);
    assert.match(await page.locator('#reports-exposure p').first().textContent(), /^\s*150 customers sampled/);
    assert.ok(await page.locator('#reports-ads-table tbody tr').count() > 0, 'age bands are reported');
    assert.equal(await page.inputValue('#group_by'), 'age_band');
  }, { key: 'read' });
});

test('reports: an invalid sample size is refused next to its field', async (t) => {
  await withPage(t, 'reports-invalid', async (page) => {
    await page.goto(baseURL + '/ui/reports?lang=zh-CN');
    await page.fill('#n', '0');
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('n') === '0'),
      page.click('#reports-exposure-form button[type="submit"]'),
    ]);
    assert.equal(await page.locator('#n-error[role="alert"]').textContent(), '请输入 1 到 50 之间的整数。');
    assert.equal(await page.locator('#n').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.inputValue('#n'), '0');
    await expectNoA11yBasics(page);
  }, { allowStatus: [400] });
});
