// The admin tenants table at more than a page of tenants: search by subdomain and by owner
// email, filter by state and plan, sort and page, with every choice in the URL. Hydrated, the
// form and links navigate in place; without JavaScript they load plain pages.
import { PASSWORD, createAdmin, expect, freshEmail, logIn, open, test } from './support.mjs';

const TENANTS = 55;

test('an admin searches, filters, sorts and pages the tenants', async ({ page, request }, testInfo) => {
  const hydrated = testInfo.project.use.javaScriptEnabled !== false;
  const admin = freshEmail(testInfo, 'admin');
  createAdmin(testInfo, admin);
  const owner = freshEmail(testInfo, 'owner');
  const signedUp = await request.post('/api/sign_up', { form: { email: owner, password: PASSWORD } });
  expect(signedUp.ok()).toBe(true);
  await logIn(page, testInfo, admin);

  // A prefix no other test uses, and tenants numbered so that their order is known.
  const prefix = `t${hydrated ? 'h' : 'n'}${Date.now() % 1_000_000}`;
  const name = (n) => `${prefix}-${String(n).padStart(2, '0')}`;
  for (let n = 1; n <= TENANTS; n++) {
    const created = await page.request.post('/api/admin/tenants/create', {
      form: { subdomain: name(n), plan: n % 2 ? 'starter' : 'pro', owner_email: n === 1 ? owner : '' },
    });
    expect(created.ok(), `creating ${name(n)}`).toBe(true);
  }

  await open(page, testInfo, '/admin/tenants');
  if (hydrated) await page.evaluate(() => { window.stayedOnPage = true; });
  const form = page.getByTestId('tenant-search');
  const rows = page.getByTestId('tenants-table').locator('tbody tr');
  const summary = page.getByTestId('tenants-summary');

  // Search by subdomain: two pages, newest first.
  await form.getByLabel('Search').fill(prefix);
  await form.getByRole('button', { name: 'Search' }).click();
  // The GET form sends every field, the empty ones too.
  await expect(page).toHaveURL(new RegExp(`/admin/tenants\\?q=${prefix}&`));
  await expect(summary).toHaveText(`${TENANTS} tenants · page 1 of 2`);
  await expect(rows).toHaveCount(50);
  await expect(rows.first().locator('td').first()).toHaveText(name(TENANTS));

  // Page on.
  await page.getByTestId('pager').getByRole('link', { name: 'Next' }).click();
  await expect(page).toHaveURL(/page=2/);
  await expect(summary).toHaveText(`${TENANTS} tenants · page 2 of 2`);
  await expect(rows).toHaveCount(TENANTS - 50);

  // Sort by subdomain, then the other way round; sorting starts again at page 1.
  await page.getByTestId('sort-subdomain').click();
  await expect(page).toHaveURL(/sort=subdomain/);
  await expect(page).not.toHaveURL(/page=/);
  await expect(rows.first().locator('td').first()).toHaveText(name(1));
  await page.getByTestId('sort-subdomain').click();
  await expect(page).toHaveURL(/sort=-subdomain/);
  await expect(rows.first().locator('td').first()).toHaveText(name(TENANTS));

  // Filter by plan: the sort order is kept.
  await form.getByLabel('Plan').selectOption('pro');
  await form.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/plan=pro/);
  await expect(summary).toHaveText(`${Math.floor(TENANTS / 2)} tenants · page 1 of 1`);
  await expect(rows.first().locator('td').first()).toHaveText(name(TENANTS - 1));
  await expect(form.getByLabel('Plan')).toHaveValue('pro');

  // Search by the owner's email, in other case.
  await form.getByLabel('Plan').selectOption('');
  await form.getByLabel('Search').fill(owner.toUpperCase());
  await form.getByRole('button', { name: 'Search' }).click();
  await expect(summary).toHaveText('1 tenant · page 1 of 1');
  await expect(rows.first().locator('td').nth(3)).toHaveText(owner);

  // Filter by state: the owner's tenant shows among the ready ones once it is provisioned.
  await form.getByLabel('State').selectOption('ready');
  await form.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/state=ready/);
  await expect(form.getByLabel('State')).toHaveValue('ready');
  await expect(async () => {
    await page.reload();
    await expect(rows).toHaveCount(1, { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  await expect(rows.first().locator('td').nth(1)).toHaveText('ready');
  await expect(rows.first().locator('td').first()).toHaveText(name(1));

  if (hydrated) {
    // The reload above ends the page; before it, every step navigated in place.
    await open(page, testInfo, `/admin/tenants?q=${prefix}`);
    await page.evaluate(() => { window.stayedOnPage = true; });
    await page.getByTestId('sort-plan').click();
    await expect(page).toHaveURL(/sort=plan/);
    await expect(rows.first().locator('td').nth(2)).toHaveText('pro');
    expect(await page.evaluate(() => window.stayedOnPage)).toBe(true);
  }
});

test('the audit log shows what the admin did', async ({ page }, testInfo) => {
  const hydrated = testInfo.project.use.javaScriptEnabled !== false;
  const admin = freshEmail(testInfo, 'admin');
  createAdmin(testInfo, admin);
  await logIn(page, testInfo, admin);
  const subdomain = `audit-${hydrated ? 'h' : 'n'}${Date.now() % 1_000_000}`;
  const created = await page.request.post('/api/admin/tenants/create', {
    form: { subdomain, plan: 'starter', owner_email: '' },
  });
  expect(created.ok()).toBe(true);

  await open(page, testInfo, '/admin/tenants');
  await page.getByRole('link', { name: 'Audit log' }).click();
  await expect(page).toHaveURL(/\/admin\/audit$/);
  const form = page.getByTestId('audit-search');
  await form.getByLabel('Actor').fill(admin);
  await form.getByLabel('Action').selectOption('tenant.create');
  await form.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/action=tenant\.create/);
  await expect(page.getByTestId('audit-summary')).toHaveText('1 entry · page 1 of 1');
  const cells = page.getByTestId('audit-table').locator('tbody tr').first().locator('td');
  await expect(cells.nth(1)).toHaveText(admin);
  await expect(cells.nth(3)).toHaveText(subdomain);
  await expect(cells.nth(5)).toHaveText('127.0.0.1');
});
