// storefleet's browser tests, in Debian's chromium (no browser is downloaded). The suite runs
// against two sites, each served with a fresh SQLite database of its own:
//   the debug site     (`cargo leptos build`, target/site), served by the debug server,
//                      projects `hydrated` and `no-javascript`;
//   the release site   (`scripts/release-site.sh`, target/site-release): the WASM and JavaScript
//                      through wasm-opt and the minifier exactly as production ships them,
//                      served by the static binary when `E2E_RELEASE_BINARY` names it (as
//                      `scripts/test.sh` does) from an empty folder of its own, projects
//                      `release-hydrated` and `release-no-javascript`, plus the bundle's size
//                      budget.
// `make test` builds both first. A second server with billing on, and its peers, serve the
// paying customer's journey (`billing.mjs`).
import { defineConfig } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { billingPeers } from './billing.mjs';
import { freePort, once } from './ports.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Workers inherit the environment, so they see the same data folder as the servers.
process.env.E2E_DATA_DIR ||= mkdtempSync(path.join(tmpdir(), 'storefleet-e2e-'));
const billing = await billingPeers(root);
const bundle = /bundle\.spec\.mjs$/;

/**
 * Backups, when `scripts/test.sh` started their peers: stores get real databases on its
 * PostgreSQL, backed up to its SeaweedFS under a prefix of the site's own.
 */
function backupPeers(prefix) {
  const s3 = (process.env.STOREFLEET_TEST_S3 || '').split(/\s+/).filter(Boolean);
  const postgres = process.env.STOREFLEET_TEST_POSTGRES_URL;
  if (s3.length !== 4 || !postgres) return {};
  const [endpoint, bucket, keyId, secret] = s3;
  return {
    STOREFLEET_SIM_POSTGRES_URL: postgres,
    STOREFLEET_S3_ENDPOINT: endpoint,
    STOREFLEET_S3_BUCKET: bucket,
    STOREFLEET_S3_PREFIX: `e2e-${prefix || 'debug-'}${Date.now()}`,
    STOREFLEET_S3_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: keyId,
    AWS_SECRET_ACCESS_KEY: secret,
    STOREFLEET_BACKUP_TICK_MS: '200',
    STOREFLEET_DRILL_POSTGRES_URL: postgres,
    STOREFLEET_DRILL_TICK_MS: '200',
  };
}

/** One site's server, and its projects: hydrated and with JavaScript off. */
async function site({ prefix, siteRoot, port, binary }) {
  const base = `http://127.0.0.1:${port}`;
  const databaseUrl = `sqlite://${process.env.E2E_DATA_DIR}/${prefix || 'debug-'}storefleet.db`;
  const metadata = { databaseUrl, siteRoot: `${root}/${siteRoot}` };
  const projects = [
    { name: `${prefix}hydrated`, use: { baseURL: base, javaScriptEnabled: true } },
    { name: `${prefix}no-javascript`, use: { baseURL: base, javaScriptEnabled: false } },
  ].map((project) => ({ ...project, metadata, testIgnore: [billing.spec, bundle] }));
  const server = {
    command: `${binary || `${root}/target/debug/storefleet`} serve`,
    cwd: binary ? mkdtempSync(path.join(process.env.E2E_DATA_DIR, 'static-')) : root,
    url: `${base}/readyz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      DATABASE_URL: databaseUrl,
      STOREFLEET_BIND: `127.0.0.1:${port}`,
      STOREFLEET_PUBLIC_URL: base,
      STOREFLEET_SITE_ROOT: metadata.siteRoot,
      STOREFLEET_CLUSTER: 'simulated',
      // A key made for this run seals owners' secret settings, as in production.
      STOREFLEET_SECRET_KEY: `e2e:${randomBytes(32).toString('base64')}`,
      // A release naming this image tag never starts: how a halted rollout is shown.
      STOREFLEET_SIM_FAILING_IMAGES: 'never-ready',
      RUST_LOG: 'warn',
      ...backupPeers(prefix),
    },
  };
  return { base, metadata, projects, server };
}

const debug = await site({ prefix: '', siteRoot: 'target/site', port: await once('E2E_PORT', freePort) });
const release = await site({
  prefix: 'release-',
  siteRoot: 'target/site-release',
  port: await once('E2E_RELEASE_PORT', freePort),
  binary: process.env.E2E_RELEASE_BINARY,
});

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  workers: 1,
  retries: 0,
  reporter: [['list'], ['json', { outputFile: 'test-results/results.json' }]],
  use: {
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [
    ...debug.projects,
    ...release.projects,
    { name: 'release-bundle', testMatch: bundle, metadata: release.metadata, use: { baseURL: release.base } },
    ...billing.projects,
  ],
  globalSetup: billing.globalSetup,
  webServer: [debug.server, release.server, ...billing.webServers],
});
