// Real screenshots of the NOC console for the README: runs `sentinela demo` (from source, data in a temporary
// directory), drives Debian's chromium through the console and writes docs/console-*.png.
//   node --import tsx scripts/console-screenshots.ts
import { apiAs, launchBrowser, loggedIn, startDemo } from '../test/console/rig.js';

const demo = await startDemo();
const browser = await launchBrowser();
try {
  // a manual block, so the blocks view shows both sources
  const admin = await apiAs(demo.base, demo.user, demo.password);
  await admin('/v1/blocks', {
    method: 'POST',
    body: { tenant: 'acme', kind: 'ip', value: '185.220.101.7', duration: '24h', reason: 'SIP scanner seen on the SBC (ticket 4711)' },
  });
  const { page } = await loggedIn(browser, demo, demo.user, demo.password, { locale: 'en-US', timezoneId: 'America/Sao_Paulo' });
  const shoot = async (name: string) => {
    await page.waitForTimeout(500); // fonts and the last answer settle
    await page.screenshot({ path: `docs/console-${name}.png` });
    console.log(`docs/console-${name}.png`);
  };

  await page.locator('#alert-list tbody tr').filter({ hasText: 'velocity-caller' }).first().click(); // its threshold is learned from peers (G3)
  await page.locator('#alert-detail table tbody tr').first().waitFor();
  await shoot('alerts');

  await page.locator('#nav-blocks').click();
  await page.locator('#block-list tbody tr').first().waitFor();
  await page.locator('#block-list button.unblock').first().click();
  await page.locator('#block-list input[name=reason]').fill('customer confirmed the calls');
  await shoot('blocks');

  await page.locator('#nav-check').click();
  for (const [name, value] of Object.entries({ tenant: 'acme', account: 'financeiro', caller: '+551130002107', callee: '+5371234567' }))
    await page.locator(`#check input[name=${name}]`).fill(value);
  await page.locator('#check button[type=submit]').click();
  await page.locator('#check-result .verdict').waitFor();
  await shoot('check');

  await page.locator('#nav-charts').click();
  await page.locator('#charts figure canvas').first().waitFor();
  await shoot('charts');

  await page.locator('#nav-rules').click();
  await page.locator('#rule-list tbody tr').first().waitFor();
  await shoot('rules');

  await page.locator('#language').selectOption('pt-BR');
  await page.locator('#nav-audit').click();
  await page.locator('#audit-list tbody tr').first().waitFor();
  await shoot('audit-pt-BR');
} finally {
  await browser.close();
  await demo.stop();
}
