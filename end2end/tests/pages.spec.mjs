// Every page, as each kind of visitor sees it, checked two ways:
//   accessibility: axe-core finds no serious or critical violation, hydrated and without
//                  JavaScript;
//   layout:        at 375 px (a phone), 768 px and 1280 px no two form controls overlap and the
//                  page does not scroll sideways (a wide table scrolls inside itself).
// Screenshots of the overview, the tenants list, a tenant, the owner's dashboard and the
// sign-up page at the three widths are kept in the run's test-results.
import AxeBuilder from '@axe-core/playwright';
import { PASSWORD, createAdmin, expect, freshEmail, logIn, open, storefleet, test } from './support.mjs';

const WIDTHS = [375, 768, 1280];
const SHOWN = new Set(['/admin', '/admin/tenants', 'tenant', 'dashboard', '/signup']);

/** Serious and critical axe violations of the page as it is now, one line each. */
async function violations(page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

/** Form controls whose boxes intersect, and whether the page scrolls sideways. */
async function layoutProblems(page) {
  return page.evaluate(() => {
    const problems = [];
    const shown = (el) => {
      const box = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      return box.width > 0 && box.height > 0 && style.visibility !== 'hidden' && style.display !== 'none';
    };
    const controls = [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button, a.button')]
      .filter(shown)
      .map((el) => ({ el, box: el.getBoundingClientRect(), name: el.outerHTML.slice(0, 90) }));
    for (let i = 0; i < controls.length; i++) {
      for (let j = i + 1; j < controls.length; j++) {
        const [a, b] = [controls[i], controls[j]];
        if (a.el.contains(b.el) || b.el.contains(a.el)) continue;
        const width = Math.min(a.box.right, b.box.right) - Math.max(a.box.left, b.box.left);
        const height = Math.min(a.box.bottom, b.box.bottom) - Math.max(a.box.top, b.box.top);
        if (width > 1 && height > 1) problems.push(`overlap: ${a.name}  ×  ${b.name}`);
      }
    }
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth + 1) {
      const widest = [...document.body.querySelectorAll('*')]
        .filter((el) => el.getBoundingClientRect().right > root.clientWidth + 1)
        .slice(-1)
        .map((el) => el.outerHTML.slice(0, 90));
      problems.push(`scrolls sideways: ${root.scrollWidth} > ${root.clientWidth}, e.g. ${widest}`);
    }
    return problems;
  });
}

test('every page is accessible and holds its layout at every width', async ({ browser, request }, testInfo) => {
  test.skip(testInfo.project.name.startsWith('release-'), 'the release site has the same pages and styles');
  test.setTimeout(240_000);
  const { javaScriptEnabled, baseURL } = testInfo.project.use;
  // axe runs in the page, so every context runs scripts; without JavaScript, the app's own
  // script and WASM are refused, and the page stays as the server rendered it.
  const contexts = [];
  const browse = async () => {
    const context = await browser.newContext({ baseURL, javaScriptEnabled: true });
    if (javaScriptEnabled === false) await context.route(/\/pkg\/.*\.(js|wasm)$/, (route) => route.abort());
    contexts.push(context);
    return context.newPage();
  };

  // An admin, and an owner with a store.
  const admin = freshEmail(testInfo, 'admin');
  createAdmin(testInfo, admin);
  const page = await browse();
  await logIn(page, testInfo, admin);
  const owner = freshEmail(testInfo, 'owner');
  const subdomain = `a11y${javaScriptEnabled === false ? 'n' : 'h'}${Date.now() % 1_000_000}`;
  const signedUp = await request.post('/api/sign_up', { form: { email: owner, password: PASSWORD } });
  expect(signedUp.ok()).toBe(true);
  const created = await page.request.post('/api/admin/tenants/create', {
    form: { subdomain, plan: 'starter', owner_email: owner },
  });
  expect(created.ok(), await created.text()).toBe(true);
  const ownerPage = await browse();
  await logIn(ownerPage, testInfo, owner);
  await expect
    .poll(async () => {
      await open(ownerPage, testInfo, `/stores/${subdomain}`);
      return ownerPage.getByTestId('store-state').textContent();
    }, { timeout: 30_000 })
    .toBe('ready');
  const visitor = await browse();
  // A rollout of a release to that store alone, for the rollout's own page.
  storefleet(testInfo, ['release', 'create', '--name', `${subdomain}-1`, '--image', 'api=1.1.0']);
  const started = storefleet(testInfo, [
    'rollout', 'start', '--release', `${subdomain}-1`, '--store', subdomain, '--canary', '0', '--bake-secs', '0', '--wait',
  ]);
  const rolloutId = /rollout ([0-9a-f-]+) of/.exec(started.toString())[1];

  const pages = [
    [visitor, '/'],
    [visitor, '/signup'],
    [visitor, '/register'],
    [visitor, '/login'],
    [visitor, '/no/such/page'],
    [ownerPage, '/account'],
    [ownerPage, '/stores'],
    [ownerPage, `/stores/${subdomain}`, 'dashboard'],
    [ownerPage, `/signup/${subdomain}/progress`],
    [page, '/admin'],
    [page, '/admin/accounts'],
    [page, '/admin/tenants'],
    [page, `/admin/tenants/${subdomain}`, 'tenant'],
    [page, '/admin/catalog'],
    [page, '/admin/audit'],
    [page, '/admin/backups'],
    [page, '/admin/releases'],
    [page, '/admin/rollouts'],
    [page, '/admin/system'],
    [page, `/admin/rollouts/${rolloutId}`],
  ];
  const problems = [];
  for (const [who, path, name = path] of pages) {
    if (path === '/no/such/page') await who.goto(path);
    else await open(who, testInfo, path);
    for (const found of await violations(who)) problems.push(`${path}: ${found}`);
    for (const width of WIDTHS) {
      await who.setViewportSize({ width, height: 900 });
      for (const found of await layoutProblems(who)) problems.push(`${path} at ${width} px: ${found}`);
      if (SHOWN.has(name)) {
        // Kept in the run's test-results, whatever the outcome.
        const file = testInfo.outputPath(`${name.replaceAll('/', '_').replace(/^_/, '') || 'home'}-${width}.png`);
        await who.screenshot({ fullPage: true, path: file });
      }
    }
    await who.setViewportSize({ width: 1280, height: 900 });
  }
  for (const context of contexts) await context.close();
  expect(problems, problems.join('\n')).toEqual([]);
});
