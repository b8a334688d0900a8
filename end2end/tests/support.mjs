// Helpers shared by the browser tests.
import { test as base, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const PASSWORD = 'correct horse battery';

const CLIENT_ERROR = /^Failed to load resource: the server responded with a status of 4\d\d\b/;

/**
 * Collects what a page reports as broken: uncaught exceptions and console errors. A page
 * whose WASM fails to start only says so there, while its server-rendered HTML looks fine.
 */
export function watchConsole(page) {
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // Chromium logs every 4xx answer as an error; a refused form (wrong password, taken
    // subdomain, a page that is not yours) answers so on purpose, and each test asserts what
    // the person sees instead. A 5xx still fails the test.
    if (message.type() !== 'error' || CLIENT_ERROR.test(message.text())) return;
    problems.push(`console error: ${message.text()}`);
  });
  return problems;
}

/**
 * Playwright's `test`, failing any test whose pages logged an error or threw. `otherPage` is
 * a second person's browser, with this project's settings, checked the same way.
 */
export const test = base.extend({
  page: async ({ page }, use) => {
    const problems = watchConsole(page);
    await use(page);
    expect(problems, 'errors in the browser').toEqual([]);
  },
  otherPage: async ({ browser, javaScriptEnabled, baseURL }, use) => {
    const context = await browser.newContext({ javaScriptEnabled, baseURL });
    const page = await context.newPage();
    const problems = watchConsole(page);
    await use(page);
    await context.close();
    expect(problems, 'errors in the other browser').toEqual([]);
  },
});
export { expect };

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

/** Runs the command line on the database of this project's server, as an operator does. */
export function storefleet(testInfo, args, input) {
  return execFileSync(`${root}/target/debug/storefleet`, args, {
    input,
    env: { ...process.env, DATABASE_URL: testInfo.project.metadata.databaseUrl, RUST_LOG: 'warn' },
  });
}

/** Creates an admin with the command line. */
export function createAdmin(testInfo, email) {
  storefleet(testInfo, ['admin', 'create', '--email', email], `${PASSWORD}\n`);
}

/** Logs in through the form and waits until the account's page is shown. */
export async function logIn(page, testInfo, email) {
  await open(page, testInfo, '/login');
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel(/^Password/).fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/(admin|account)$/);
}
