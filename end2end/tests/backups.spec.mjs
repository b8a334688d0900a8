// An owner backs their store up, its data changes, they restore the backup and the old data
// is back — in the store's own database, dumped and restored by real pg_dump and pg_restore
// through SeaweedFS. Hydrated the restore is followed live; without JavaScript the page
// refreshes itself.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { PASSWORD, createAdmin, expect, freshEmail, logIn, open, storefleet, test } from './support.mjs';

const postgres = process.env.STOREFLEET_TEST_POSTGRES_URL;

/**
 * Runs SQL in the store's own database and returns what it prints. The simulated cluster names
 * that database after the store's namespace, which the command line shows.
 */
function storeSql(testInfo, subdomain, sql) {
  const shown = JSON.parse(storefleet(testInfo, ['tenant', 'show', subdomain, '--json']).toString());
  const bin = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(a) - Number(b)).pop();
  const url = new URL(postgres);
  url.pathname = `/${shown.tenant.namespace.replaceAll('-', '_')}`;
  return execFileSync(`/usr/lib/postgresql/${bin}/bin/psql`, [url.toString(), '-tAc', sql]).toString().trim();
}

test('an owner backs up, restores, and has the old data back', async ({ page, otherPage: adminPage }, testInfo) => {
  test.skip(!postgres || !process.env.STOREFLEET_TEST_S3, 'the backup peers are not running');
  const hydrated = testInfo.project.use.javaScriptEnabled !== false;
  const tag = `${testInfo.project.name.startsWith('release-') ? 'r' : 'd'}${hydrated ? 'h' : 'n'}`;
  const subdomain = `keep-${tag}${Date.now() % 1_000_000}`;
  const email = freshEmail(testInfo, 'owner');

  await open(page, testInfo, '/signup?plan=starter');
  await page.getByLabel('Store name').fill('Keep shop');
  await page.getByLabel('Subdomain').fill(subdomain);
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel(/^Password/).fill(PASSWORD);
  await page.getByRole('button', { name: 'Create my store' }).click();
  await expect(page.getByTestId('job-progress')).toHaveAttribute('data-state', 'succeeded', { timeout: 30_000 });
  storefleet(testInfo, ['tenant', 'seed-data', subdomain, '--sim-postgres-url', postgres]);
  const greeting = "SELECT value FROM store_settings WHERE key = 'greeting'";
  expect(storeSql(testInfo, subdomain, greeting)).toBe(`Welcome to ${subdomain}`);

  // Back up now: the backup appears, and is stored.
  await open(page, testInfo, `/stores/${subdomain}`);
  await page.getByTestId('back-up-now').click();
  const backups = page.getByTestId('backups');
  await expect(backups.locator('tbody tr')).toHaveCount(1);
  await expect(backups.locator('tbody tr').first()).toContainText('done', { timeout: 30_000 });
  await expect(backups.getByRole('link', { name: 'Download' })).toBeVisible();

  // The greeting changes afterwards (the store's own admin edits it).
  storeSql(testInfo, subdomain, "UPDATE store_settings SET value = 'Closed for the summer' WHERE key = 'greeting'");

  // Restore, confirmed by typing the subdomain; the restore job runs to the end.
  const row = backups.locator('tbody tr').first();
  await row.getByLabel(`Type ${subdomain} to restore this backup`).fill(subdomain);
  await row.getByRole('button', { name: 'Restore' }).click();
  await expect(page.getByRole('heading', { name: 'Latest job: restore' })).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId('job-progress')).toHaveAttribute('data-state', 'succeeded', { timeout: 45_000 });
  await expect(page.getByTestId('store-state')).toHaveText('ready');
  expect(storeSql(testInfo, subdomain, greeting)).toBe(`Welcome to ${subdomain}`);
  // The data as it was just before the restore was saved first.
  await expect(page.getByTestId('backups')).toContainText('pre-restore');

  // The admin sees the fleet's backup health, drills the store, and sees the restore proven.
  const admin = freshEmail(testInfo, 'admin');
  createAdmin(testInfo, admin);
  await logIn(adminPage, testInfo, admin);
  await open(adminPage, testInfo, '/admin/backups');
  const store = adminPage.getByTestId(`health-${subdomain}`);
  await expect(store).toBeVisible();
  await store.getByRole('button', { name: 'Drill now' }).click();
  await expect(async () => {
    await open(adminPage, testInfo, '/admin/backups');
    await expect(adminPage.getByTestId(`health-${subdomain}`)).toContainText('passed', { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
});
