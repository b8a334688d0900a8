// The admin's system page: the same checks as `storefleet doctor`, run as the page loads. And
// the watch every browser test keeps: a script the Content-Security-Policy refuses is reported
// as a problem, so a suite that passes ran under the policy without a violation.
import { createAdmin, expect, freshEmail, logIn, open, test, watchConsole } from './support.mjs';

test('an admin sees each dependency checked, with what to do', async ({ page }, testInfo) => {
  const admin = freshEmail(testInfo, 'admin');
  createAdmin(testInfo, admin);
  await logIn(page, testInfo, admin);
  await open(page, testInfo, '/admin');
  await page.getByRole('navigation').getByRole('link', { name: 'System' }).click();
  await expect(page).toHaveURL(/\/admin\/system$/);

  const checks = page.getByTestId('system-checks');
  await expect(checks.locator('tbody tr')).toHaveCount(8);
  const row = (name) => checks.locator(`tr[data-check="${name}"]`);
  await expect(row('database').locator('td').nth(1)).toHaveText('ok');
  await expect(row('cluster').locator('td').nth(2)).toContainText('the simulated cluster');
  // Features this server runs without are off, each with how to turn it on.
  await expect(row('stripe').locator('td').nth(1)).toHaveText('off');
  await expect(row('stripe').locator('td').nth(3)).toContainText('STOREFLEET_STRIPE_SECRET_KEY');
  await expect(row('secret keys').locator('td').nth(2)).toContainText('sealed under key e2e');
  await expect(page.getByTestId('system-summary')).toHaveText('All checks passed.');
});

test('a script the security policy refuses is reported', async ({ browser, javaScriptEnabled, baseURL }) => {
  test.skip(javaScriptEnabled === false, 'no script runs without JavaScript');
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  const problems = watchConsole(page);
  await page.goto('/login');
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
  // An inline script without the page's nonce, as an injected one would be.
  await page.evaluate(() => {
    const script = document.createElement('script');
    script.textContent = 'window.injected = true;';
    document.body.append(script);
  });
  await expect.poll(() => problems.join('\n')).toContain('Content Security Policy');
  expect(await page.evaluate(() => window.injected)).toBeUndefined();
  await context.close();
});
