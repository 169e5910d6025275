// The customer page: look a user up (profile, next best action, segments,
// recommendations), and delete one as an admin through the confirmation
// step, after which the page says how many events went and the user is not
// found.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseURL, expectNoA11yBasics, withPage } from './lib.mjs';

// someUsers asks the segments preview for a few users matching expr.
async function someUsers(page, expr) {
  const resp = await page.request.get(baseURL + '/ui/segments/preview?expression=' + encodeURIComponent(expr));
  assert.equal(resp.status(), 200);
  const a = await resp.json();
  assert.ok(a.ok && a.sample.length > 0, `users matching ${expr}: ${JSON.stringify(a)}`);
  return a.sample;
}

test('customer: look up a user', async (t) => {
  await withPage(t, 'customer-lookup', async (page) => {
    await page.goto(baseURL + '/ui/customers?lang=en');
    const [user] = await someUsers(page, 'frequency >= 1');
    await page.fill('#user', user);
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('user') === user),
      page.press('#user', 'Enter'),
    ]);
    assert.ok((await page.locator('#customer-profile h2').textContent()).includes(user));
    assert.notEqual((await page.locator('#next-action-name').textContent()).trim(), '', 'a next best action is shown');
    assert.ok(await page.locator('#next-actions tbody tr').count() > 0);
    assert.ok(await page.locator('#customer-events tbody tr').count() > 0);
    assert.equal(await page.locator('#customer-delete').count(), 0, 'a read-only key is not offered the deletion');
    await expectNoA11yBasics(page);

    // Unknown users get the empty state.
    await page.goto(baseURL + '/ui/customers?lang=zh-CN&user=nobody-' + Date.now());
    assert.equal(await page.locator('#customer-empty').count(), 1);
  }, { key: 'read' });
});

test('customer: delete a user after typing their id', async (t) => {
  await withPage(t, 'customer-delete', async (page) => {
    await page.goto(baseURL + '/ui/customers?lang=en');
    // A browser who never bought: the other pages' revenue figures stay.
    const users = await someUsers(page, 'frequency == 0 and events >= 1');
    const user = users[users.length - 1];
    await page.goto(baseURL + '/ui/customers?lang=en&user=' + encodeURIComponent(user));
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/ui/customers/delete'),
      page.click('#customer-delete'),
    ]);
    assert.ok((await page.locator('#delete-warning').textContent()).includes(user));
    await expectNoA11yBasics(page);

    // A wrong id is refused next to the field, and nothing is deleted.
    await page.fill('#confirm', user + 'x');
    await page.click('#delete-submit');
    await page.locator('#confirm-error').waitFor();

    await page.fill('#confirm', user);
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/ui/customers' && u.searchParams.has('deleted')),
      page.click('#delete-submit'),
    ]);
    const notice = await page.locator('p.notice[role="status"]').textContent();
    assert.match(notice, new RegExp(`Deleted user ${user}: \\d+ events\\.`));
    assert.equal(await page.locator('#customer-empty').count(), 1, 'the user is not found after the deletion');
  }, { key: 'admin', allowStatus: [400] });
});
