// Accounts as a person uses them: once with the WASM hydrated, once with JavaScript off.
import { PASSWORD, expect, freshEmail, open, test } from './support.mjs';

test('sign up, log out and log in again', async ({ page }, testInfo) => {
  const email = freshEmail(testInfo);

  await open(page, testInfo, '/register');
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel(/^Password/).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByTestId('account-email')).toHaveText(email);
  await expect(page.getByTestId('nav-email')).toHaveText(email);

  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('nav-email')).toHaveCount(0);
  await expect(page.locator('nav').getByRole('link', { name: 'Log in' })).toBeVisible();

  await open(page, testInfo, '/login');
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel(/^Password/).fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByTestId('account-email')).toHaveText(email);
});

test('a wrong password is refused with a clear message', async ({ page }, testInfo) => {
  await open(page, testInfo, '/login');
  await page.getByLabel('Email', { exact: true }).fill(freshEmail(testInfo));
  await page.getByLabel(/^Password/).fill('not the password at all');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Email or password is incorrect.');
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByTestId('nav-email')).toHaveCount(0);
});

test('signing up twice with one email is refused', async ({ page }, testInfo) => {
  const email = freshEmail(testInfo);
  for (const attempt of [1, 2]) {
    await page.context().clearCookies();
    await open(page, testInfo, '/register');
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel(/^Password/).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign up' }).click();
    if (attempt === 1) await expect(page).toHaveURL(/\/account$/);
  }
  await expect(page.getByRole('alert')).toContainText('already exists');
  await expect(page).toHaveURL(/\/register/);
});
