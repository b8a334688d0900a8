// An admin makes a release, rolls it out over three stores and watches the waves fill; then a
// release whose image never starts halts at the canary, which is moved back, and the admin
// rolls the rest back. Hydrated, the page follows the rollout's stream; without JavaScript
// it refreshes itself.
import { createAdmin, expect, freshEmail, logIn, open, storefleet, test } from './support.mjs';

test('an admin rolls a release out, sees a bad one halt at the canary, and rolls back', async ({ page }, testInfo) => {
  const hydrated = testInfo.project.use.javaScriptEnabled !== false;
  const tag = `${testInfo.project.name.startsWith('release-') ? 'r' : 'd'}${hydrated ? 'h' : 'n'}${Date.now() % 1_000_000}`;
  const stores = [1, 2, 3].map((n) => `roll-${tag}-${n}`);
  for (const store of stores) {
    storefleet(testInfo, ['tenant', 'create', '--subdomain', store, '--plan', 'starter', '--wait']);
  }
  const admin = freshEmail(testInfo, 'admin');
  createAdmin(testInfo, admin);
  page.on('dialog', (dialog) => dialog.accept());
  await logIn(page, testInfo, admin);

  async function release(name, images) {
    await open(page, testInfo, '/admin/releases');
    const form = page.getByTestId('release-form');
    await form.getByLabel('Name').fill(name);
    await form.getByLabel('Images').fill(images);
    await form.getByRole('button', { name: 'Make release' }).click();
    await expect(page.getByTestId('releases-table')).toContainText(name);
  }

  async function rollout(name) {
    await open(page, testInfo, '/admin/rollouts');
    const form = page.getByTestId('rollout-form');
    await form.getByLabel('Release').fill(name);
    await form.getByLabel('Only these stores').fill(stores.join(' '));
    await form.getByLabel('Waves').fill('100');
    await form.getByLabel('Bake, s').fill('0');
    await form.getByRole('button', { name: 'Start rollout' }).click();
    await expect(page).toHaveURL(/\/admin\/rollouts\/[0-9a-f-]+$/);
  }

  // A good release: the canary, then the rest, each store updated. Hydrated, the page
  // follows the rollout's event stream and never reloads.
  await release(`good-${tag}`, 'api=1.1.0');
  const streamed = hydrated ? page.waitForRequest(/\/api\/rollouts\/[0-9a-f-]+\/events$/) : null;
  await rollout(`good-${tag}`);
  if (hydrated) await page.evaluate(() => { window.stayedOnPage = true; });
  const state = page.getByTestId('rollout-state');
  await expect(state).toHaveText('done', { timeout: 45_000 });
  if (hydrated) {
    await streamed;
    expect(await page.evaluate(() => window.stayedOnPage)).toBe(true);
  }
  await expect(page.getByTestId('wave-0').getByTestId('wave-line')).toContainText('1/1 done');
  await expect(page.getByTestId('wave-1').getByTestId('wave-line')).toContainText('2/2 done');
  await open(page, testInfo, `/admin/tenants/${stores[1]}`);
  await expect(page.getByTestId('tenant-release')).toHaveText(`good-${tag}`);

  // A release whose image never starts: the canary fails, the rollout halts, the canary
  // goes back to the release it ran, and no other store is touched.
  await release(`bad-${tag}`, 'api=never-ready');
  await rollout(`bad-${tag}`);
  await expect(state).toHaveText('halted', { timeout: 45_000 });
  await expect(page.getByTestId('rollout-reason')).toHaveText('1 of 1 stores failed in the canary (budget 0)');
  const canary = page.getByTestId('wave-0').locator('tr').first();
  await expect(canary).toContainText('never-ready');
  await expect(canary).toContainText('rolled_back', { timeout: 45_000 });
  await expect(page.getByTestId('wave-1').getByTestId('wave-line')).toContainText('2 skipped');

  // The admin rolls the whole rollout back: nothing else had moved, so it ends at once.
  await page.getByTestId('rollout-rollback').click();
  await expect(state).toHaveText('rolled_back', { timeout: 30_000 });
  await open(page, testInfo, `/admin/tenants/${stores[0]}`);
  await expect(page.getByTestId('tenant-release')).toHaveText(`good-${tag}`);
  await expect(page.getByTestId('tenant-state')).toHaveText('ready');
});
