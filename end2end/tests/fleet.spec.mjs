// An admin runs a fleet of 10,000 stores: finds one by search, suspends it — its owner's
// dashboard says so — and resumes it; turns its self-heal off and on.
import { PASSWORD, createAdmin, expect, freshEmail, logIn, open, storefleet, test } from './support.mjs';

/** 10,000 demo tenants, once per test database. */
function seedFleet(testInfo) {
  storefleet(testInfo, ['tenant', 'seed', '--count', '10000', '--owners', '500']);
}

test('an admin finds one store among 10,000, suspends it and resumes it', async ({ page, otherPage: desk }, testInfo) => {
  const hydrated = testInfo.project.use.javaScriptEnabled !== false;
  seedFleet(testInfo);
  const subdomain = `needle-${hydrated ? 'h' : 'n'}${Date.now() % 1_000_000}`;

  // The owner's store, through the sign-up journey.
  const owner = freshEmail(testInfo, 'owner');
  await open(page, testInfo, '/signup?plan=starter');
  await page.getByLabel('Store name').fill('Needle');
  await page.getByLabel('Subdomain').fill(subdomain);
  await page.getByLabel('Email', { exact: true }).fill(owner);
  await page.getByLabel(/^Password/).fill(PASSWORD);
  await page.getByRole('button', { name: 'Create my store' }).click();
  await expect(page.getByTestId('job-progress')).toHaveAttribute('data-state', 'succeeded', { timeout: 30_000 });

  // The admin, in a browser of their own.
  const admin = freshEmail(testInfo, 'admin');
  createAdmin(testInfo, admin);
  // Each action asks for confirmation first (once hydrated); the admin agrees.
  const asked = [];
  desk.on('dialog', (dialog) => {
    asked.push(dialog.message());
    dialog.accept();
  });
  await logIn(desk, testInfo, admin);
  await open(desk, testInfo, '/admin/tenants');
  const summary = desk.getByTestId('tenants-summary');
  await expect(summary).toContainText(/1\d,\d{3} tenants|1\d{4} tenants/);
  await desk.getByTestId('tenant-search').getByLabel('Search').fill(subdomain);
  await desk.getByTestId('tenant-search').getByRole('button', { name: 'Search' }).click();
  await expect(summary).toHaveText('1 tenant · page 1 of 1');
  await desk.getByTestId('tenants-table').getByRole('link', { name: subdomain }).click();
  await expect(desk).toHaveURL(new RegExp(`/admin/tenants/${subdomain}$`));
  await expect(desk.getByTestId('tenant-state')).toHaveText('ready');

  // Self-heal: on by default; the admin turns it off for this store, and on again.
  const selfHeal = desk.getByTestId('tenant-self-heal');
  await expect(selfHeal).toHaveText('on: drift is put back');
  await desk.getByTestId('self-heal').click();
  await expect(selfHeal).toHaveText('off: drift is only reported', { timeout: 15_000 });
  await desk.getByTestId('self-heal').click();
  await expect(selfHeal).toHaveText('on: drift is put back', { timeout: 15_000 });

  await desk.getByTestId('suspend').click();
  await expect(desk.getByTestId('tenant-state')).toHaveText('suspended', { timeout: 15_000 });
  await expect(desk.getByTestId('job-progress')).toHaveAttribute('data-state', 'succeeded', { timeout: 30_000 });
  expect(asked).toEqual(hydrated ? ['Suspend this tenant? Its store stops and shows a maintenance page.'] : []);

  // The owner sees it on their dashboard.
  await open(page, testInfo, `/stores/${subdomain}`);
  await expect(page.getByTestId('store-state')).toHaveText('suspended');

  await open(desk, testInfo, `/admin/tenants/${subdomain}`);
  await desk.getByTestId('resume').click();
  await expect(desk.getByTestId('job-progress')).toHaveAttribute('data-state', 'succeeded', { timeout: 30_000 });
  await expect(desk.getByTestId('tenant-state')).toHaveText('ready', { timeout: 15_000 });

  await open(page, testInfo, `/stores/${subdomain}`);
  await expect(page.getByTestId('store-state')).toHaveText('ready');
});
