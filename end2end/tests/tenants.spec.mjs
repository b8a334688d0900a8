// Tenants as an admin runs them: create one and watch it being provisioned, live when
// hydrated, by self-refreshing pages without JavaScript.
import { createAdmin, expect, freshEmail, logIn, open, test } from './support.mjs';

test('an admin creates a tenant and watches it become ready', async ({ page }, testInfo) => {
  const hydrated = testInfo.project.use.javaScriptEnabled !== false;
  const admin = freshEmail(testInfo, 'admin');
  createAdmin(testInfo, admin);
  await logIn(page, testInfo, admin);

  await open(page, testInfo, '/admin/tenants');
  await expect(page.getByTestId('simulated-banner')).toBeVisible();
  const subdomain = `shop-${hydrated ? 'h' : 'n'}${Date.now() % 1_000_000}`;
  await page.getByLabel('Subdomain').fill(subdomain);
  await page.getByTestId('create-tenant-form').getByLabel('Plan').selectOption({ label: 'Pro' });
  await page.getByRole('button', { name: 'Create tenant' }).click();
  await expect(page).toHaveURL(new RegExp(`/admin/tenants/${subdomain}$`));
  await expect(page.getByTestId('job-progress')).toBeVisible();
  if (hydrated) await page.evaluate(() => { window.stayedOnPage = true; });

  await expect(page.getByTestId('job-progress')).toHaveAttribute('data-state', 'succeeded', { timeout: 30_000 });
  await expect(page.getByTestId('progress-summary')).toHaveText('Done.');
  await expect(page.locator('.timeline li.done')).toHaveCount(7);
  await expect(page.getByTestId('tenant-state')).toHaveText('ready');
  await expect(page.getByTestId('tenant-url')).toHaveText(`https://${subdomain}.localhost`);
  if (hydrated) {
    // The progress arrived over the event stream: the page was never reloaded.
    expect(await page.evaluate(() => window.stayedOnPage)).toBe(true);
  }
});

test('a reserved subdomain is refused with the reason', async ({ page }, testInfo) => {
  const hydrated = testInfo.project.use.javaScriptEnabled !== false;
  const admin = freshEmail(testInfo, 'admin');
  createAdmin(testInfo, admin);
  await logIn(page, testInfo, admin);
  await open(page, testInfo, '/admin/tenants');
  await page.getByLabel('Subdomain').fill('www');
  if (hydrated) {
    // Checked in the browser by the same rules the server applies.
    await expect(page.getByTestId('subdomain-hint')).toHaveText('"www" is reserved. Choose another subdomain.');
  }
  await page.getByRole('button', { name: 'Create tenant' }).click();
  await expect(page.getByRole('alert')).toHaveText('"www" is reserved. Choose another subdomain.');
  await expect(page).toHaveURL(/\/admin\/tenants/);
});
