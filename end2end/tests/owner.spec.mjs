// A store owner changes a setting: checked in the browser as typed, saved, the update job
// followed to the end, and the new value in the store's rendered ConfigMap.
import { PASSWORD, createAdmin, expect, freshEmail, logIn, open, test } from './support.mjs';

test('an owner changes the theme colour and sees the update through', async ({ page, otherPage: adminPage }, testInfo) => {
  const hydrated = testInfo.project.use.javaScriptEnabled !== false;
  const subdomain = `paint-${hydrated ? 'h' : 'n'}${Date.now() % 1_000_000}`;
  const email = freshEmail(testInfo, 'owner');

  // A store of their own, through the sign-up journey.
  await open(page, testInfo, '/signup?plan=starter');
  await page.getByLabel('Store name').fill('Paint shop');
  await page.getByLabel('Subdomain').fill(subdomain);
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel(/^Password/).fill(PASSWORD);
  await page.getByRole('button', { name: 'Create my store' }).click();
  await expect(page.getByTestId('job-progress')).toHaveAttribute('data-state', 'succeeded', { timeout: 30_000 });
  await page.getByRole('link', { name: 'Manage your store' }).click();
  await expect(page).toHaveURL(new RegExp(`/stores/${subdomain}$`));
  await expect(page.getByTestId('store-state')).toHaveText('ready');

  const colour = page.getByTestId('setting-theme_color').locator('input');
  await expect(colour).toHaveValue('#2456d6');
  if (hydrated) {
    // Checked as typed, by the rules the server applies again.
    await colour.fill('red');
    await expect(page.getByTestId('setting-theme_color')).toContainText('use a colour like #1a2b3c');
  }
  await colour.fill('#FF0000');
  if (hydrated) await expect(page.locator('.field-error')).toHaveCount(0);
  await page.getByRole('button', { name: 'Save settings' }).click();

  // The update job runs to the end, live or by self-refresh.
  await expect(page.getByRole('heading', { name: 'Latest job: update' })).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId('job-progress')).toHaveAttribute('data-state', 'succeeded', { timeout: 30_000 });
  await expect(page.getByTestId('store-state')).toHaveText('ready');
  await expect(page.getByTestId('setting-theme_color').locator('input')).toHaveValue('#ff0000');
  await expect(page.getByTestId('settings-history')).toContainText('#2456d6 → #ff0000');
  await expect(page.getByTestId('settings-history')).toContainText(email);

  // The admin sees the new value in the rendered ConfigMap.
  const admin = freshEmail(testInfo, 'admin');
  createAdmin(testInfo, admin);
  await logIn(adminPage, testInfo, admin);
  await open(adminPage, testInfo, `/admin/tenants/${subdomain}`);
  await expect(adminPage.getByTestId('manifests')).toContainText("THEME_COLOR: '#ff0000'");
  await expect(adminPage.getByTestId('cluster-objects')).toContainText('ConfigMap');
});
