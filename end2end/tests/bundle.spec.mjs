// The release site's WASM, as a browser downloads it, stays within its size budget: every
// byte is fetched and compiled before a page turns interactive.
import { gzipSync } from 'node:zlib';
import { expect, test } from './support.mjs';

// Gzipped bytes (zlib level 9) of /pkg/storefleet.wasm from the release build. Measured at
// 694,039 (1,902,962 raw) when this budget was set at 710,000; raised to 725,000 at 715,835,
// when the admin tenant page gained drift, self-heal and the reconciler's findings and the
// timeline "waiting since"; raised to 865,000 at 856,277 (2,383,784 raw) for the releases,
// tokens and rollouts pages: the build without those three routes measured 716,854 when they
// measured 844,295, so they cost about 127,000, most of it the data types their server
// functions and resources carry both ways (writing their fields as static HTML saved only
// 6,700). Raised to 920,000 at 913,015 (2,582,346 raw) for backups: the store pages' backups
// panel (list, back up now, restore confirmed by the subdomain) and the admin backups page
// (each store's last backup and drill), about 57,000 together, again mostly the serde code of
// the views their server functions return; then to 930,000 at 926,010 (2,604,248 raw) for the
// admins' "copy into a new store" form and its server function; then to 945,000 at 938,843
// (2,646,474 raw) for the admins' system page (the doctor's checks: its view, its server
// function and the check type it returns, about 12,300); then to 995,000 at 986,794
// (2,787,552 raw) for the admin's fleet overview page (its figures, attention list and the
// server-drawn charts' holders), times shown relative and in the viewer's zone across every
// page, and the owner's dashboard's last backup and recent activity: about 48,000 together.
// Raise it only with a reason, lower it when the bundle shrinks.
const WASM_GZIP_BUDGET = 995_000;

test('the release WASM fits its gzipped size budget', async ({ request }) => {
  const response = await request.get('/pkg/storefleet.wasm');
  expect(response.ok()).toBe(true);
  expect(response.headers()['content-type']).toBe('application/wasm');
  const wasm = await response.body();
  const gzipped = gzipSync(wasm, { level: 9 }).length;
  console.log(`release WASM: ${wasm.length} bytes, ${gzipped} gzipped (budget ${WASM_GZIP_BUDGET})`);
  expect(gzipped).toBeLessThanOrEqual(WASM_GZIP_BUDGET);
});
