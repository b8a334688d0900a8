// storefleet's browser tests. The server under test is the debug build with a fresh SQLite
// database; `make test` builds it first. Debian's chromium is used: no browser is downloaded.
// A second server with billing on, and its peers, serve the paying customer's journey
// (`billing.mjs`).
import { defineConfig } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { billingPeers } from './billing.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const port = Number(process.env.E2E_PORT || 3100);
const base = `http://127.0.0.1:${port}`;
// Workers inherit the environment, so they see the same data folder as the server.
process.env.E2E_DATA_DIR ||= mkdtempSync(path.join(tmpdir(), 'storefleet-e2e-'));
process.env.E2E_DATABASE_URL = `sqlite://${process.env.E2E_DATA_DIR}/storefleet.db`;
const billing = await billingPeers(root);

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  workers: 1,
  retries: 0,
  reporter: [['list'], ['json', { outputFile: 'test-results/results.json' }]],
  use: {
    baseURL: base,
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
    { name: 'hydrated', testIgnore: billing.spec, use: { javaScriptEnabled: true } },
    { name: 'no-javascript', testIgnore: billing.spec, use: { javaScriptEnabled: false } },
    ...billing.projects,
  ],
  globalSetup: billing.globalSetup,
  webServer: [
    {
      command: `${root}/target/debug/storefleet serve`,
      cwd: root,
      url: `${base}/readyz`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'pipe',
      stderr: 'pipe',
      env: {
        DATABASE_URL: process.env.E2E_DATABASE_URL,
        STOREFLEET_BIND: `127.0.0.1:${port}`,
        STOREFLEET_PUBLIC_URL: base,
        STOREFLEET_SITE_ROOT: `${root}/target/site`,
        STOREFLEET_CLUSTER: 'simulated',
        RUST_LOG: 'warn',
      },
    },
    ...billing.webServers,
  ],
});
