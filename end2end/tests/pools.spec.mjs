// A pool of standby stores: an admin sets the starter plan's pool on the overview and sees a
// standby ready, then a customer signs up for that plan and the progress page shows the
// standby being taken over, ready in seconds. Hydrated, and with JavaScript off.
import { PASSWORD, createAdmin, expect, freshEmail, logIn, open, storefleet, test } from './support.mjs';

test('a customer signing up takes over a ready standby store', async ({ page, otherPage }, testInfo) => {
  const hydrated = testInfo.project.use.javaScriptEnabled !== false;
  const admin = freshEmail(testInfo, 'admin');
  createAdmin(testInfo, admin);
  await logIn(page, testInfo, admin);
  await open(page, testInfo, '/admin');
  const row = page.getByTestId('pool-starter');
  try {
    await row.getByLabel('Standby stores kept for starter').fill('1');
    await row.getByRole('button', { name: 'Set' }).click();
    await expect(page).toHaveURL(/\/admin\??$/);
    await expect(row.getByLabel('Standby stores kept for starter')).toHaveValue('1');

    // The refill worker makes the standby; the overview counts it once it is ready.
    await expect(async () => {
      await page.reload();
      await expect(page.getByTestId('pool-starter').getByTestId('pool-ready')).toHaveText('1', { timeout: 1_000 });
    }).toPass({ timeout: 45_000 });

    const subdomain = `quick-${hydrated ? 'h' : 'n'}${Date.now() % 1_000_000}`;
    await open(otherPage, testInfo, '/signup?plan=starter');
    await otherPage.getByLabel('Store name').fill('Quick Shop');
    await otherPage.getByLabel('Subdomain').fill(subdomain);
    await otherPage.getByLabel('Email', { exact: true }).fill(freshEmail(testInfo, 'quick'));
    await otherPage.getByLabel(/^Password/).fill(PASSWORD);
    await otherPage.getByRole('button', { name: 'Create my store' }).click();

    await expect(otherPage).toHaveURL(new RegExp(`/signup/${subdomain}/progress$`));
    const steps = otherPage.getByRole('list', { name: 'Steps' });
    await expect(steps.locator('li').first()).toContainText('Take a ready standby store and set it up for you');
    await expect(otherPage.getByTestId('job-progress')).toHaveAttribute('data-state', 'succeeded', { timeout: 15_000 });
    await expect(otherPage.getByTestId('store-state')).toHaveText('ready');
    await expect(otherPage.getByTestId('store-url')).toHaveText(`https://${subdomain}.localhost`);

    // The admin sees the claim.
    await page.reload();
    await expect(page.getByTestId('pool-starter').locator('td').last()).not.toHaveText('0');
  } finally {
    // Other tests build starter stores from scratch: give the pool back.
    storefleet(testInfo, ['pool', 'set', '--plan', 'starter', '--size', '0']);
  }
});
