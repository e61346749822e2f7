import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { apiAs, launchBrowser, loggedIn, startDemo, type Demo } from './rig.js';

/** Polls a condition the page reaches asynchronously (the views fetch after a click). */
async function until(condition: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface AlertView {
  id: string;
  at: string;
  tenant: string;
  rule: string;
  status: string;
}

/**
 * The NOC console in a real browser (Debian's chromium, headless) against `sentinela demo`: the real server, the
 * embedded ClickHouse (chDB) and the demo's synthetic day with its fraud episodes. No mocks.
 */
describe('the NOC console (issue 17) in a browser, on the demo', () => {
  let demo: Demo;
  let browser: Browser;
  before(async () => {
    demo = await startDemo();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await demo?.stop();
  });

  it("serves the console's files under a strict CSP, uPlot's two dist files from its package, and nothing else", async () => {
    const get = (path: string) => fetch(`${demo.base}${path}`, { redirect: 'manual' });
    const index = await get('/console/');
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type') ?? '', /text\/html/);
    assert.match(index.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.equal((await get('/console')).headers.get('location'), '/console/');
    const uplot = await get('/console/vendor/uplot/uPlot.esm.js');
    assert.equal(uplot.status, 200);
    assert.match(uplot.headers.get('content-type') ?? '', /javascript/);
    for (const path of ['/console/vendor/uplot/uPlot.cjs.js', '/console/vendor/uplot/', '/console/%2e%2e/package.json', '/console/js/nothing.js'])
      assert.equal((await get(path)).status, 404, path);
  });

  it('shows the critical alerts with their evidence; acknowledging one and unblocking one land in the audit trail', async () => {
    const { page, errors, close } = await loggedIn(browser, demo, demo.user, demo.password);
    try {
      // the alerts view opens first, filtered to open critical alerts: the demo's episodes
      const rows = page.locator('#alert-list tbody tr');
      await rows.first().waitFor();
      const rules = await page.locator('#alert-list tbody tr td:nth-child(3)').allTextContents();
      assert.ok(rules.includes('premium-destination'), `the demo's premium-rate episode is listed: ${rules.join(', ')}`);
      assert.equal(await page.locator('#alert-list .badge.warn').count(), 0, 'critical only by default');

      // its evidence: the CDRs that made it, and the explanation (observed value against the threshold)
      await rows.filter({ hasText: 'premium-destination' }).first().click();
      const detail = page.locator('#alert-detail');
      await detail.locator('h2').filter({ hasText: 'premium-destination' }).waitFor();
      assert.match((await detail.locator('ul.why').textContent()) ?? '', /Observed \d+(\.\d+)?, threshold \d+/);
      const evidence = detail.locator('table tbody tr');
      assert.ok((await evidence.count()) >= 1, 'evidence CDRs are shown to an administrator');
      assert.match((await evidence.first().textContent()) ?? '', /\+55\d{10}/, 'with the caller number');

      // acknowledge it (with a note): the list drops it (it is no longer open) and the detail shows the new status
      const subject = (await detail.locator('h2 code').textContent()) ?? '';
      await detail.locator('input[name=note]').fill('checked with the customer');
      await detail.locator('#ack').click();
      await detail.locator('p').filter({ hasText: 'acknowledged' }).waitFor();

      // unblock one active block with a reason
      await page.locator('#nav-blocks').click();
      const blockRows = page.locator('#block-list tbody tr');
      await blockRows.first().waitFor();
      const before = await blockRows.count();
      const first = blockRows.first();
      const blocked = (await first.locator('td code').textContent()) ?? '';
      await first.locator('button.unblock').click();
      await first.locator('input[name=reason]').fill('customer confirmed the calls');
      await first.locator('.unblock-form button[type=submit]').click();
      await page
        .locator('#view-blocks .note.ok')
        .filter({ hasText: `Unblocked ${blocked}` })
        .waitFor();
      await until(async () => (await blockRows.count()) === Math.max(1, before - 1), 'the lifted block left the list');

      // the audit trail shows both, newest first, and sorts by a column on a click
      await page.locator('#nav-audit').click();
      const audit = page.locator('#audit-list table.audit tbody');
      await audit.locator('tr').first().waitFor();
      const text = (await audit.textContent()) ?? '';
      assert.ok(text.includes('alert.status') && text.includes('checked with the customer'), 'the acknowledgement is audited');
      assert.ok(text.includes('block.unblock') && text.includes('customer confirmed the calls'), 'the unblock is audited');
      // a search: the reads of the trail are audited too (their query holds the text), the event filter narrows it
      await page.locator('#audit-search input[name=q]').fill('customer confirmed');
      await page.locator('#audit-search input[name=eventType]').fill('block.unblock');
      await page.locator('#audit-search button[type=submit]').click();
      await until(async () => (await audit.locator('tr').count()) === 1, 'the search finds the one unblock');
      assert.match((await audit.textContent()) ?? '', /block\.unblock.*customer confirmed the calls/);
      await page.locator('#audit-search input[name=q]').fill('');
      await page.locator('#audit-search input[name=eventType]').fill('');
      await page.locator('#audit-search button[type=submit]').click();
      await page.locator('button.sort[data-sort=event_type]').click();
      await page.locator('button.sort[data-sort=event_type]').filter({ hasText: '▼' }).waitFor();
      const types = await audit.locator('tr td:nth-child(3)').allTextContents();
      assert.deepEqual(types, [...types].sort().reverse(), 'sorted by event type, descending');
      assert.ok(subject.length > 0);
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });

  it('shows a reviewer no CDRs and none of the actions the role cannot take; a session ended elsewhere asks to log in again', async () => {
    const admin = await apiAs(demo.base, demo.user, demo.password);
    const password = 'Revisor#2026-ok';
    const made = await admin('/v1/users', { method: 'POST', body: { name: 'rita.reviewer', role: 'reviewer', password } });
    assert.equal(made.status, 201, JSON.stringify(made.json));
    const { page, errors, close } = await loggedIn(browser, demo, 'rita.reviewer', password);
    try {
      const nav = await page.locator('#nav a').allTextContents();
      assert.deepEqual(nav, ['Alerts', 'Blocks', 'Charts', 'Rules', 'Block-check tester', 'Audit trail']);
      await page.locator('#alert-list tbody tr').first().click();
      const detail = page.locator('#alert-detail');
      await detail.locator('h2').waitFor();
      assert.match((await detail.textContent()) ?? '', /Your role does not see CDRs: \d+ evidence CDR ids only\./);
      assert.equal(await detail.locator('table').count(), 0, 'no evidence table');
      assert.equal(await detail.locator('#ack, #false-positive').count(), 0, 'no acknowledge or false-positive buttons');
      await page.locator('#nav-blocks').click();
      await page.locator('#block-list p.muted').waitFor();
      assert.equal(await page.locator('#block-form, button.unblock').count(), 0, 'no manual block, no unblock');

      // the API agrees: the evidence CDRs stay out of a reviewer's answer
      const reviewer = await apiAs(demo.base, 'rita.reviewer', password);
      const list = await reviewer<{ items: AlertView[] }>('/v1/alerts?severity=critical&limit=1');
      const one = await reviewer<{ evidenceCdrs: unknown[]; evidence: string[] }>(`/v1/alerts/${list.json.items[0]?.id}`);
      assert.ok(one.json.evidence.length > 0 && one.json.evidenceCdrs.length === 0);
      // that login superseded the browser's session: its next request is refused and the console asks to log in again
      await page.locator('#nav-alerts').click();
      await page.locator('#login .note').filter({ hasText: 'Your session ended; log in again.' }).waitFor();
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });

  it("speaks pt-BR to a Brazilian browser and shows times in the tenant's zone, not the browser's", async () => {
    const admin = await apiAs(demo.base, demo.user, demo.password);
    const newest = (await admin<{ items: AlertView[] }>('/v1/alerts?severity=critical&status=open&limit=1')).json.items[0];
    assert.ok(newest, 'an open critical alert');
    const { page, errors, close } = await loggedIn(browser, demo, demo.user, demo.password, { locale: 'pt-BR', timezoneId: 'Asia/Tokyo' });
    try {
      assert.deepEqual((await page.locator('#nav a').allTextContents()).slice(0, 3), ['Alertas', 'Bloqueios', 'Gráficos']);
      const first = page.locator('#alert-list tbody tr').first();
      await first.waitFor();
      const shown = (await first.locator('td').first().textContent()) ?? '';
      const saoPaulo = new Intl.DateTimeFormat('pt-BR', { dateStyle: 'short', timeStyle: 'medium', timeZone: 'America/Sao_Paulo' }).format(new Date(newest.at));
      assert.equal(shown, saoPaulo);
      // the switch goes back to English at once
      await page.locator('#language').selectOption('en');
      await page.locator('#nav-alerts').filter({ hasText: 'Alerts' }).waitFor();
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });

  it("charts the demo's day from the rollups (uPlot), lists the rules with their rates, previews a rule change", async () => {
    const { page, errors, close } = await loggedIn(browser, demo, demo.user, demo.password);
    try {
      await page.locator('#nav-charts').click();
      const calls = page.locator('#charts figure').filter({ hasText: 'Calls' });
      await calls.locator('canvas').waitFor();
      assert.deepEqual(await calls.locator('.u-legend .u-label').allTextContents(), ['Time', 'calls', 'answered']);
      await page.locator('#charts figure').filter({ hasText: 'Alerts and blocks' }).locator('canvas').waitFor();
      const accounts = page.locator('#charts .card').filter({ hasText: 'Top accounts by cost' }).locator('tbody tr');
      assert.ok((await accounts.count()) >= 2, 'both tenants spend');
      assert.match((await accounts.first().textContent()) ?? '', /(acme|globex).*R\$/);
      // 30 days are drawn day by day (the API's step), one x per day; every chart follows the tenant filter
      const month = page.waitForResponse((r) => r.url().includes('/v1/stats/traffic?') && !r.url().includes('by=country'));
      await page.locator('#view-charts select[name=range]').selectOption('30d');
      assert.equal(((await (await month).json()) as { step: string }).step, 'day');
      const xs = await page.evaluate(async () => {
        const module = '/console/js/views/charts.js'; // the browser's import, not the test's
        const { columns } = (await import(module)) as { columns: (a: unknown, f: string[], s: unknown) => number[][] };
        const to = Date.now();
        const span = { from: new Date(to - 30 * 86_400_000).toISOString(), to: new Date(to).toISOString() };
        return columns({ step: 'day', points: [{ t: new Date(to - (to % 86_400_000)).toISOString(), calls: 7 }] }, ['calls'], span);
      });
      assert.ok(xs[0]?.length === 30 || xs[0]?.length === 31, `${xs[0]?.length} x values for 30 days`);
      assert.equal(xs[1]?.at(-1), 7, 'the last day holds its calls');
      const asked: string[] = [];
      page.on('request', (r) => void (r.url().includes('/v1/stats/') && asked.push(r.url())));
      await page.locator('#view-charts input[name=tenant]').fill('acme');
      await page.locator('#view-charts input[name=tenant]').dispatchEvent('change');
      await until(async () => asked.length === 5, 'the five stats requests');
      assert.deepEqual(
        asked.filter((url) => !url.includes('tenant=acme')),
        [],
        'every chart of the tenant',
      );

      await page.locator('#nav-rules').click();
      const premium = page.locator('#rule-list tbody tr').filter({ hasText: 'premium-destination' });
      await premium.waitFor();
      const cells = await premium.locator('td').allTextContents();
      assert.ok(Number(cells[7]) > 0 && /^\d+ \(\d+(\.\d)?\s?%\)$/.test(cells[8] ?? ''), `alerts and false positives of the week: ${cells.join(' | ')}`);
      // the shipped premium rules with premium-destination switched off: its alerts disappear over the stored day
      const edited = readFileSync('rules/premium.yaml', 'utf8').replace(/(id: premium-destination[\s\S]*?enabled:) true/, '$1 false');
      const form = page.locator('#compare');
      await form.locator('input[name=file]').fill('premium.yaml');
      await form.locator('textarea[name=yaml]').fill(edited);
      await form.locator('input[name=days]').fill('1');
      await form.locator('button[type=submit]').click();
      const row = page.locator('#compare-result table').first().locator('tbody tr').filter({ hasText: 'premium-destination' });
      await row.waitFor({ timeout: 120_000 });
      const [, appear, disappear] = await row.locator('td').allTextContents();
      assert.ok(appear === '0' && Number(disappear) > 0, `appears 0, disappears some: ${appear} ${disappear}`);
      assert.match((await page.locator('#compare-result p.muted').textContent()) ?? '', /CDRs replayed/);
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });

  it("shows a signalling alert's security events: source, user, agent, in the tenant's zone (issue 18)", async () => {
    const admin = await apiAs(demo.base, demo.user, demo.password);
    // a password-guessing run from one address: five wrong passwords within a minute (EV01), one per extension
    const now = Date.now();
    const at = (i: number) => new Date(now - (50 - i * 10) * 1000).toISOString();
    const guesses = [0, 1, 2, 3, 4].map((i) => ({
      ...{ at: at(i), tenant: 'acme', type: 'auth-failed', srcIp: '203.0.113.99', srcPort: 5070, transport: 'udp', user: `400${i}` },
      ...{ userAgent: 'Linphone/5.2.0', method: 'REGISTER', callId: `guess-${i}@console-test`, raw: `wrong password for 400${i}` },
    }));
    const sent = await admin<{ verdicts: { rule: string; subject: string }[] }>('/v1/events', { method: 'POST', ndjson: guesses });
    assert.equal(sent.status, 200, JSON.stringify(sent.json));
    assert.ok(
      sent.json.verdicts.some((v) => v.rule === 'registration-failures-ip' && v.subject === 'ip:203.0.113.99'),
      JSON.stringify(sent.json),
    );
    const { page, errors, close } = await loggedIn(browser, demo, demo.user, demo.password);
    try {
      await page.locator('#alert-list tbody tr').filter({ hasText: 'ip:203.0.113.99' }).first().click();
      const events = page.locator('#alert-detail table.events tbody tr');
      await events.first().waitFor();
      assert.equal(await events.count(), 5, 'every evidence event, no CDR table');
      const cells = await events.first().locator('td').allTextContents();
      const zoned = new Intl.DateTimeFormat('en-US', { dateStyle: 'short', timeStyle: 'medium', timeZone: 'America/Sao_Paulo' }).format(new Date(at(0)));
      assert.deepEqual(cells.slice(0, 7), [zoned, 'auth-failed', '203.0.113.99:5070/udp', '4000', 'Linphone/5.2.0', 'REGISTER', '1']);
      assert.match(cells[7] ?? '', /wrong password for 4000/);
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });

  it('tests a block-check from the session: the compromised extension is blocked, a local call is allowed', async () => {
    const { page, errors, close } = await loggedIn(browser, demo, demo.user, demo.password);
    try {
      await page.locator('#nav-check').click();
      const form = page.locator('#check');
      const ask = async (values: Record<string, string>) => {
        for (const [name, value] of Object.entries(values)) await form.locator(`input[name=${name}]`).fill(value);
        await form.locator('button[type=submit]').click();
        return page.locator('#check-result .verdict');
      };
      const blocked = await ask({ tenant: 'acme', account: 'financeiro', caller: '+551130002107', callee: '+5371234567' });
      await blocked.filter({ hasText: 'BLOCK' }).waitFor();
      assert.ok((await page.locator('#check-result table tbody tr').count()) >= 1, 'with its reasons');
      const allowed = await ask({ tenant: 'globex', account: 'recepcao', caller: '+552130001001', callee: '+552133334444' });
      await allowed.filter({ hasText: 'ALLOW' }).waitFor();
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });
});
