// Helpers shared by the browser tests.
import { expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const PASSWORD = 'correct horse battery';

/** Opens a page and waits until it is in the state this project tests. */
export async function open(page, testInfo, address) {
  await page.goto(address);
  const hydrated = page.locator('body[data-hydrated="true"]');
  if (testInfo.project.use.javaScriptEnabled === false) {
    await expect(hydrated).toHaveCount(0);
  } else {
    await expect(hydrated).toHaveCount(1);
  }
}

/** An address no other test uses. */
export function freshEmail(testInfo, who = 'user') {
  return `${who}-${testInfo.project.name}-${Date.now()}@example.com`;
}

/** Creates an admin with the command line, as an operator does. */
export function createAdmin(email) {
  execFileSync(`${root}/target/debug/storefleet`, ['admin', 'create', '--email', email], {
    input: `${PASSWORD}\n`,
    env: { ...process.env, DATABASE_URL: process.env.E2E_DATABASE_URL, RUST_LOG: 'warn' },
  });
}

/** Logs in through the form and waits until the account's page is shown. */
export async function logIn(page, testInfo, email) {
  await open(page, testInfo, '/login');
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel(/^Password/).fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/(admin|account)$/);
}
