// The assistant page: chatting as a customer with orders (a tool result or
// a cited source in the answer), asking for a person, and the escalation
// appearing in the queue; a read-only key reads but cannot chat.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseURL, expectNoA11yBasics, withPage } from './lib.mjs';

// send types msg into the chat box, submits the form (a real POST and a
// redirect back to the conversation) and returns the latest answer.
async function send(page, msg) {
  const before = await page.locator('#assistant-conversation li.turn.assistant').count();
  await page.locator('#message').fill(msg);
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/ui/assistant' && u.searchParams.has('session')),
    page.locator('#assistant-send').click(),
  ]);
  await page.waitForLoadState();
  const answers = page.locator('#assistant-conversation li.turn.assistant');
  assert.equal(await answers.count(), before + 1, `one more answer after "${msg}"`);
  const latest = page.locator('#latest');
  assert.equal(await latest.count(), 1, 'the latest answer is marked #latest');
  return latest;
}

test('assistant: a customer with orders asks about them, then asks for a person', async (t) => {
  await withPage(t, 'assistant-chat', async (page) => {
    await page.goto(baseURL + '/ui/assistant?lang=en');
    await expectNoA11yBasics(page);
    // Customers with recent orders are offered as links.
    const example = page.locator('#assistant-examples a.example-user').first();
    const user = (await example.textContent()).trim();
    assert.ok(user !== '', 'an example customer with orders is listed');
    await Promise.all([page.waitForURL((u) => u.searchParams.get('user') === user), example.click()]);
    assert.match(await page.locator('#assistant-consent').textContent(), /extractive|LLM/);
    assert.equal(await page.locator('#assistant-conversation').count(), 0, 'a new conversation is empty');

    let latest = await send(page, 'where is my order?');
    const session = new URL(page.url()).searchParams.get('session');
    assert.match(session ?? '', /^ui-[0-9a-f]+$/, 'the conversation has a dashboard session id');
    // The order history tool ran for this customer and its result is shown.
    assert.equal((await latest.locator('.tools code').first().textContent()).trim(), 'order_history');
    assert.match(await latest.locator('.tools ul.result li').first().textContent(), /^Order \S+ · placed \d{4}-\d\d-\d\d/);
    assert.match(await latest.locator('.confidence').textContent(), /Confidence \d\.\d\d/);

    latest = await send(page, '我的订单到哪了');
    assert.match(await latest.locator('.text').textContent(), /订单/);
    assert.ok(await latest.locator('.tools li').count() > 0, 'the Chinese question ran a tool');

    latest = await send(page, '退货运费谁出？');
    assert.ok(await latest.locator('.sources li').count() > 0, 'a policy answer cites its sources');
    assert.match(await latest.locator('.sources li code').first().textContent(), /^policy:/);

    // The conversation survives a reload (it is the assist service's).
    await page.reload();
    assert.equal(await page.locator('#assistant-conversation li.turn.customer').count(), 3);

    latest = await send(page, '转人工');
    assert.match(await latest.locator('.escalation').textContent(), /Escalated to a person/);
    const summary = (await latest.locator('.escalation .summary').textContent()).trim();
    assert.match(summary, /转人工/);
    assert.equal(await page.locator('#assistant-handed').getAttribute('role'), 'status');
    await expectNoA11yBasics(page);

    // The escalation is first in the queue, with its customer and summary.
    await Promise.all([page.waitForURL('**/ui/assistant/escalations'), page.locator('#assistant-handed a[href="/ui/assistant/escalations"]').click()]);
    const row = page.locator('#escalations tr.escalation').first();
    assert.equal((await row.locator('td.customer code').textContent()).trim(), user);
    assert.match(await row.locator('td.reason').textContent(), /asked for a person/);
    assert.match(await row.locator('td.summary').textContent(), /转人工/);
    await expectNoA11yBasics(page);

    // Its transcript, then "mark resolved" takes it out of the open queue.
    const id = await row.getAttribute('id');
    await Promise.all([page.waitForURL('**/ui/assistant/conversations/**'), row.locator('a', { hasText: 'Open the transcript' }).click()]);
    assert.equal(await page.locator('#assistant-conversation li.turn.customer').count(), 4);
    await Promise.all([page.waitForURL((u) => u.searchParams.has('resolved')), page.locator('#assistant-resolve-form button').click()]);
    assert.match(await page.locator('#conversation-info').textContent(), /resolved/);
    await page.goto(baseURL + '/ui/assistant/escalations');
    assert.equal(await page.locator(`[id="${id}"]`).count(), 0, 'the resolved conversation left the open queue');
    await page.goto(baseURL + '/ui/assistant/escalations?all=1');
    assert.match(await page.locator(`[id="${id}"]`).textContent(), /resolved/);
  });
});

test('assistant: a read-only key sees the queue but cannot chat', async (t) => {
  await withPage(t, 'assistant-readonly', async (page) => {
    await page.goto(baseURL + '/ui/assistant?lang=en');
    const example = page.locator('#assistant-examples a.example-user').first();
    await Promise.all([page.waitForURL((u) => u.searchParams.has('user')), example.click()]);
    assert.equal(await page.locator('#assistant-chat-form').count(), 0, 'no chat form for a read-only key');
    assert.match(await page.locator('#assistant-readonly').textContent(), /admin key/);
    await page.goto(baseURL + '/ui/assistant/escalations');
    assert.equal(await page.locator('form.resolve').count(), 0, 'no resolve buttons for a read-only key');
    await page.goto(baseURL + '/ui/assistant/knowledge');
    assert.ok(await page.locator('#knowledge-policies tbody tr').count() > 0, 'the policies are listed');
    await expectNoA11yBasics(page);
  }, { key: 'read' });
});
