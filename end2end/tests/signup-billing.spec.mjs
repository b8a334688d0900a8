// A paying customer's journey, with billing on: pick a plan, sign up with a subdomain, pay at
// the checkout, wait for the payment's confirmation, watch the store being built until it is
// ready, and find the "ready" mail. Once hydrated and once with JavaScript off. The server,
// Stripe (localstripe with a Checkout in front of it) and MailDev are set up by `billing.mjs`.
import { PASSWORD, expect, freshEmail, open, test } from './support.mjs';

const checkout = process.env.E2E_CHECKOUT_URL;

/** Holds back (or lets through, in order) the webhooks Stripe sends the server. */
async function webhooks(what) {
  const response = await fetch(`${checkout}/_webhooks/${what}`, {
    method: 'POST',
    signal: AbortSignal.timeout(10_000),
  });
  expect(response.ok).toBe(true);
}

/** The messages MailDev received for `address`. */
async function mailsTo(address) {
  const response = await fetch(`${process.env.E2E_MAILDEV_URL}/api/email`, {
    signal: AbortSignal.timeout(10_000),
  });
  const mails = await response.json();
  return mails.filter((mail) => mail.to.some((to) => to.address === address));
}

test.afterEach(async () => {
  // A failed test must not leave the next one's payments unconfirmed.
  await webhooks('release');
});

test('a new customer pays for a plan and watches the store become ready', async ({ page }, testInfo) => {
  const hydrated = testInfo.project.use.javaScriptEnabled !== false;
  const subdomain = `paid-${hydrated ? 'h' : 'n'}${Date.now() % 1_000_000}`;
  const email = freshEmail(testInfo, 'payer');

  await open(page, testInfo, '/');
  const pro = page.locator('[data-testid="plan"][data-plan="pro"]');
  await expect(pro).toContainText('79.00 / month');
  await pro.getByRole('link', { name: 'Start your store' }).click();
  await expect(page).toHaveURL(/\/signup\?plan=pro$/);
  await expect(page.getByLabel('Plan')).toHaveValue('pro');

  await page.getByLabel('Store name').fill('Grace’s Shop');
  await page.getByLabel('Subdomain').fill(subdomain);
  if (hydrated) {
    await expect(page.getByTestId('subdomain-availability')).toHaveText(`✓ ${subdomain}.localhost is available`);
  }
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel(/^Password/).fill(PASSWORD);
  await page.getByRole('button', { name: 'Continue to payment' }).click();

  // Stripe's Checkout, for the plan picked and the customer's address.
  await expect(page).toHaveURL(new RegExp(`^${checkout}/pay/cs_test_\\w+$`));
  await expect(page.getByRole('heading', { name: 'Pay for Pro' })).toBeVisible();
  await expect(page.getByTestId('checkout-amount')).toHaveText('79.00 EUR / month');
  await expect(page.getByTestId('checkout-email')).toHaveText(email);

  // Stripe confirms a payment by webhook, after the customer is back: held until seen.
  await webhooks('hold');
  await page.getByRole('button', { name: 'Pay 79.00 EUR' }).click();

  await expect(page).toHaveURL(new RegExp(`/signup/${subdomain}/progress$`));
  await expect(page.getByRole('heading', { name: subdomain })).toBeVisible();
  await expect(page.getByTestId('store-state')).toHaveText('pending_payment');
  await expect(page.getByTestId('waiting-for-payment')).toHaveText(
    'Waiting for the payment confirmation. This page moves on by itself once it arrives.',
  );
  await expect(page.getByTestId('job-progress')).toHaveCount(0);
  if (hydrated) await page.evaluate(() => { window.stayedOnPage = true; });

  await webhooks('release');
  await expect(page.getByTestId('waiting-for-payment')).toHaveCount(0, { timeout: 20_000 });
  await expect(page.getByTestId('job-progress')).toHaveAttribute('data-state', 'succeeded', { timeout: 30_000 });
  await expect(page.getByTestId('store-state')).toHaveText('ready');
  await expect(page.getByTestId('store-url')).toHaveText(`https://${subdomain}.localhost`);
  await expect(page.getByRole('link', { name: 'Manage your store' })).toHaveAttribute('href', `/stores/${subdomain}`);
  if (hydrated) {
    // The payment and the build were followed without a reload.
    expect(await page.evaluate(() => window.stayedOnPage)).toBe(true);
  }

  // The "ready" mail reached the customer's mailbox.
  await expect.poll(async () => (await mailsTo(email)).map((mail) => mail.subject), { timeout: 20_000 })
    .toContain(`Your store ${subdomain} is ready`);
  const [ready] = (await mailsTo(email)).filter((mail) => mail.subject.endsWith('is ready'));
  expect(ready.text).toContain(`https://${subdomain}.localhost`);
  expect(ready.text).toContain(`/stores/${subdomain}`);
});
