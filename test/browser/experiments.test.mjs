// Experiments and uplift: an admin creates an experiment through the form,
// lands on its (empty or early) results page and stops it; a read-only key sees no
// form; the uplift report of the demo's past coupon test (spring-coupon)
// shows its Qini chart, and the planner answers for a budget.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseURL, expectNoA11yBasics, withPage } from './lib.mjs';

test('experiments: create an experiment, see its results page and stop it', async (t) => {
  await withPage(t, 'experiments-create', async (page) => {
    await page.goto(baseURL + '/ui/experiments?lang=en');
    await expectNoA11yBasics(page);
    const id = `browser-${Date.now()}`;
    await page.locator('#id').fill(id);
    await page.locator('#name').fill('Browser test: free shipping banner');
    await page.locator('#variant-name-0').fill('control');
    await page.locator('#variant-weight-0').fill('1');
    await page.locator('#variant-name-1').fill('banner');
    await page.locator('#variant-weight-1').fill('1');
    await page.locator('#holdout').fill('0.1');
    await page.locator('#conversion_event').selectOption('purchase');
    await Promise.all([
      page.waitForURL((u) => u.pathname === `/ui/experiments/${id}`),
      page.locator('#experiment-create').click(),
    ]);
    assert.match(await page.locator('.notice[role="status"]').textContent(), new RegExp(`Created experiment ${id}`));
    // No exposures yet: the empty state says how to log them, and the
    // verdict says to keep running.
    assert.match(await page.locator('#experiment-empty').textContent(), new RegExp(`context.experiment = ${id}`));
    const verdicts = await page.locator('#verdicts .verdict').allTextContents();
    assert.ok(verdicts.some((v) => /banner vs control on conversion rate: no decision yet/.test(v) && /keep running/.test(v)),
      `verdicts: ${JSON.stringify(verdicts)}`);
    assert.equal(await page.locator('#arms-table tbody tr').count(), 3, 'holdout, control and banner rows');
    await expectNoA11yBasics(page);
    // Stop it: the page says so and offers no stop button any more.
    await Promise.all([
      page.waitForURL((u) => u.searchParams.has('stopped')),
      page.locator('#experiment-stop').click(),
    ]);
    assert.match(await page.locator('.notice[role="status"]').textContent(), new RegExp(`Stopped experiment ${id}`));
    assert.equal(await page.locator('#stop-form').count(), 0);
    // The list shows it, stopped.
    await page.goto(baseURL + '/ui/experiments?lang=en');
    assert.equal(await page.locator(`#experiment-${id} a.experiment-link`).textContent(), 'Browser test: free shipping banner');
    assert.match(await page.locator(`#experiment-${id}`).textContent(), /stopped/);
  });
});

test('experiments: an invalid form keeps the values and names the field', async (t) => {
  await withPage(t, 'experiments-invalid', async (page) => {
    await page.goto(baseURL + '/ui/experiments?lang=en');
    await page.locator('#name').fill('too much holdout');
    await page.locator('#holdout').fill('0.9');
    await page.locator('#experiment-create').click();
    await page.locator('#holdout-error').waitFor();
    assert.match(await page.locator('#holdout-error').textContent(), /from 0 to 0.5/);
    assert.equal(await page.locator('#holdout').inputValue(), '0.9');
    assert.equal(await page.locator('#name').inputValue(), 'too much holdout');
  }, { key: 'admin', allowStatus: [400] });
});

test('experiments: a read-only key sees no create form', async (t) => {
  await withPage(t, 'experiments-readonly', async (page) => {
    await page.goto(baseURL + '/ui/experiments?lang=en');
    assert.equal(await page.locator('#experiment-form').count(), 0);
    assert.match(await page.locator('main').textContent(), /read-only/);
  }, { key: 'read' });
});

test('experiments: the uplift report of the demo campaign shows a Qini chart and a plan', async (t) => {
  await withPage(t, 'experiments-uplift', async (page) => {
    page.setDefaultTimeout(120_000); // the first report and plan train models
    // The planner chooses among a saved segment's members: save one
    // through the segments form if this store has none of that name.
    const segName = 'browser uplift shoppers';
    await page.goto(baseURL + '/ui/segments?lang=en');
    if (await page.locator('#segments-table', { hasText: segName }).count() === 0) {
      await page.locator('#name').fill(segName);
      await page.locator('#expression').fill('frequency >= 0');
      await Promise.all([
        page.waitForURL((u) => u.searchParams.has('saved')),
        page.locator('#segment-form button[type="submit"]').click(),
      ]);
    }

    await page.goto(baseURL + '/ui/experiments/uplift?lang=en');
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('campaign') === 'spring-coupon'),
      page.locator('#campaigns-table a.campaign-link', { hasText: 'spring-coupon' }).click(),
    ]);
    const chart = page.locator('#qini-chart svg');
    await chart.waitFor();
    assert.equal(await chart.locator('polyline').count(), 2, 'the model line and the random line');
    assert.match(await chart.getAttribute('aria-label'), /Qini curve: spring-coupon, t-learner/);
    assert.match(await page.locator('#qini').textContent(), /^-?\d+\.\d{3}$/);
    assert.match(await page.locator('#uplift-took').textContent(), /Computed in/);
    assert.ok(await page.locator('#qini-table tbody tr').count() >= 2);
    await expectNoA11yBasics(page);

    // Another model from the form.
    await page.locator('#model').selectOption('uplift-forest');
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('model') === 'uplift-forest'),
      page.locator('#uplift-show').click(),
    ]);
    assert.match(await page.locator('#qini-chart svg').getAttribute('aria-label'), /spring-coupon, uplift-forest/);

    // The planner for a budget: who to target and the expected incremental
    // conversions with their bootstrap interval.
    await page.locator('#segment').selectOption({ label: segName });
    await page.locator('#budget').fill('300');
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('budget') === '300'),
      page.locator('#plan-submit').click(),
    ]);
    await page.locator('#plan-result').waitFor();
    assert.match(await page.locator('#plan-conversions').textContent(), /^-?\d+\.\d \[-?\d+\.\d, -?\d+\.\d\]$/);
    assert.ok(await page.locator('#targets-table tbody tr').count() > 0, 'the plan lists whom to target');
    await expectNoA11yBasics(page);
  }, { key: 'admin' });
});
