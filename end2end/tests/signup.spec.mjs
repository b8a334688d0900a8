// A new customer's journey: pick a plan, sign up with a subdomain, watch the store being
// built until it is ready. Once hydrated (live subdomain check, live progress) and once with
// JavaScript off (plain form posts, self-refreshing progress page).
import { PASSWORD, expect, freshEmail, open, storefleet, test } from './support.mjs';

/** Creates a store with the command line, as an operator does, so its subdomain is taken. */
function createStore(testInfo, subdomain) {
  storefleet(testInfo, ['tenant', 'create', '--subdomain', subdomain, '--plan', 'starter']);
}

async function fillStore(page, subdomain) {
  await page.getByLabel('Store name').fill('Ada’s Shop');
  await page.getByLabel('Subdomain').fill(subdomain);
}

async function fillAccount(page, email) {
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel(/^Password/).fill(PASSWORD);
}

test('a new customer picks a plan, signs up and watches the store become ready', async ({ page }, testInfo) => {
  const hydrated = testInfo.project.use.javaScriptEnabled !== false;
  const stamp = `${hydrated ? 'h' : 'n'}${Date.now() % 1_000_000}`;
  const taken = `taken-${stamp}`;
  const subdomain = `shop-${stamp}`;
  const email = freshEmail(testInfo, 'customer');
  createStore(testInfo, taken);

  await open(page, testInfo, '/');
  const pro = page.locator('[data-testid="plan"][data-plan="pro"]');
  await expect(pro.getByRole('heading', { name: 'Pro' })).toBeVisible();
  await expect(pro).toContainText('79.00 / month');
  await expect(pro).toContainText('8Gi memory');
  await pro.getByRole('link', { name: 'Start your store' }).click();
  await expect(page).toHaveURL(/\/signup\?plan=pro$/);
  if (!hydrated) await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(0);
  await expect(page.getByLabel('Plan')).toHaveValue('pro');

  const availability = page.getByTestId('subdomain-availability');
  if (hydrated) {
    // The rules are checked in the browser at once; whether it is free, by the server.
    await page.getByLabel('Subdomain').fill('ab');
    await expect(availability).toHaveText('A subdomain needs at least 3 characters.');
    await page.getByLabel('Subdomain').fill(taken);
    await expect(availability).toHaveText(`"${taken}" is already taken. Choose another subdomain.`);
    await page.getByLabel('Subdomain').fill(subdomain);
    await expect(availability).toHaveText(`✓ ${subdomain}.localhost is available`);
  } else {
    // Without JavaScript the server says so when the form is posted.
    await fillStore(page, taken);
    await fillAccount(page, email);
    await page.getByRole('button', { name: 'Create my store' }).click();
    await expect(page.getByRole('alert')).toHaveText(`"${taken}" is already taken. Choose another subdomain.`);
    await expect(page).toHaveURL(/\/signup\?plan=pro/);
    await expect(page.getByLabel('Plan')).toHaveValue('pro');
  }

  await fillStore(page, subdomain);
  await fillAccount(page, email);
  await page.getByRole('button', { name: 'Create my store' }).click();

  await expect(page).toHaveURL(new RegExp(`/signup/${subdomain}/progress$`));
  await expect(page.getByTestId('nav-email')).toHaveText(email);
  await expect(page.getByTestId('job-progress')).toBeVisible();
  if (hydrated) await page.evaluate(() => { window.stayedOnPage = true; });

  await expect(page.getByTestId('job-progress')).toHaveAttribute('data-state', 'succeeded', { timeout: 30_000 });
  await expect(page.getByTestId('store-state')).toHaveText('ready');
  await expect(page.getByTestId('store-url')).toHaveText(`https://${subdomain}.localhost`);
  await expect(page.getByRole('link', { name: 'Manage your store' })).toHaveAttribute('href', `/stores/${subdomain}`);
  if (hydrated) {
    // The build was followed live over the event stream: the page was never reloaded.
    expect(await page.evaluate(() => window.stayedOnPage)).toBe(true);
  }
});

test('another customer finds nothing at a store’s progress page', async ({ page }, testInfo) => {
  const stamp = `${testInfo.project.use.javaScriptEnabled !== false ? 'h' : 'n'}${Date.now() % 1_000_000}`;
  const subdomain = `other-${stamp}`;
  createStore(testInfo, subdomain);

  await open(page, testInfo, `/signup/${subdomain}/progress`);
  await expect(page.getByText('to watch your store being built')).toBeVisible();

  await open(page, testInfo, '/register');
  await fillAccount(page, freshEmail(testInfo, 'eve'));
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page).toHaveURL(/\/account$/);
  const response = await page.goto(`/signup/${subdomain}/progress`);
  expect(response.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await expect(page.getByTestId('store-url')).toHaveCount(0);
});
