// The paying customer's journey (`tests/signup-billing.spec.mjs`) runs against a second
// server with billing on. Its peers, all on 127.0.0.1 and on free ports, are Playwright web
// servers, started before the tests and stopped after them:
//   localstripe       Stripe's API (customers, plans, subscriptions, signed webhooks);
//   peers/checkout.py Stripe Checkout, which localstripe lacks, in front of localstripe: the
//                     server's STOREFLEET_STRIPE_API_URL; it passes localstripe's webhooks on
//                     to the server's /api/stripe/webhook;
//   MailDev           the SMTP server (STOREFLEET_SMTP_URL), read through its REST API;
//   storefleet        billing on, with generated keys.
// `billing-setup.mjs` then makes a Stripe price per plan in localstripe and names it in the
// plan, as an operator does. The tests find the peers through E2E_* variables set here.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { freePort, once } from './ports.mjs';

/** The projects, web servers and setup of the journey; none (and a note) without its peers. */
export async function billingPeers(root) {
  const spec = /signup-billing\.spec\.mjs$/;
  const python = process.env.LOCALSTRIPE_PYTHON || `${root}/.peers/venv/bin/python`;
  const maildev = `${root}/end2end/node_modules/.bin/maildev`;
  const missing = [python, maildev].filter((file) => !existsSync(file));
  if (missing.length > 0) {
    const why = `${missing.join(' and ')} missing (scripts/setup.sh test installs them)`;
    if (process.env.STOREFLEET_REQUIRE_PEERS === '1') throw new Error(`STOREFLEET_REQUIRE_PEERS=1 but ${why}`);
    console.log(`skipped: the paying customer's journey: ${why}`);
    return { spec, projects: [], webServers: [], globalSetup: undefined };
  }

  const port = await once('E2E_BILLING_PORT', freePort);
  const localstripePort = await once('E2E_LOCALSTRIPE_PORT', freePort);
  const checkoutPort = await once('E2E_CHECKOUT_PORT', freePort);
  const smtpPort = await once('E2E_SMTP_PORT', freePort);
  const mailWebPort = await once('E2E_MAILDEV_PORT', freePort);
  // Obviously fake keys, new on every run.
  const secretKey = await once('E2E_STRIPE_SECRET_KEY', () => `sk_test_e2e_${randomBytes(12).toString('hex')}`);
  const webhookSecret = await once('E2E_STRIPE_WEBHOOK_SECRET', () => `whsec_e2e_${randomBytes(16).toString('hex')}`);
  const base = `http://127.0.0.1:${port}`;
  process.env.E2E_BILLING_URL = base;
  process.env.E2E_BILLING_DATABASE = `${process.env.E2E_DATA_DIR}/billing.db`;
  process.env.E2E_LOCALSTRIPE_URL = `http://127.0.0.1:${localstripePort}`;
  process.env.E2E_CHECKOUT_URL = `http://127.0.0.1:${checkoutPort}`;
  process.env.E2E_MAILDEV_URL = `http://127.0.0.1:${mailWebPort}`;

  const peer = { cwd: root, reuseExistingServer: false, timeout: 60_000, stdout: 'pipe', stderr: 'pipe' };
  // localstripe's own entry point binds every interface; this binds loopback only.
  const localstripe = "import sys; from aiohttp import web; import localstripe.server; "
    + "web.run_app(localstripe.server.app, host='127.0.0.1', port=int(sys.argv[1]))";
  const webServers = [
    {
      ...peer,
      command: `${python} -c "${localstripe}" ${localstripePort}`,
      // Any answer but 404 means it is up (this one is 401: no key).
      url: `${process.env.E2E_LOCALSTRIPE_URL}/v1/customers`,
    },
    {
      ...peer,
      command: `${python} end2end/peers/checkout.py --port ${checkoutPort} `
        + `--localstripe ${process.env.E2E_LOCALSTRIPE_URL} --webhook-url ${base}/api/stripe/webhook`,
      url: `${process.env.E2E_CHECKOUT_URL}/v1/customers`,
      env: { STOREFLEET_STRIPE_WEBHOOK_SECRET: webhookSecret },
    },
    {
      ...peer,
      command: `${maildev} --ip 127.0.0.1 --web-ip 127.0.0.1 --silent -s ${smtpPort} -w ${mailWebPort} `
        + `--mail-directory ${process.env.E2E_DATA_DIR}/maildev`,
      url: `${process.env.E2E_MAILDEV_URL}/api/healthz`,
    },
    {
      ...peer,
      command: `${root}/target/debug/storefleet serve`,
      url: `${base}/readyz`,
      env: {
        DATABASE_URL: `sqlite://${process.env.E2E_BILLING_DATABASE}`,
        STOREFLEET_BIND: `127.0.0.1:${port}`,
        STOREFLEET_PUBLIC_URL: base,
        STOREFLEET_SITE_ROOT: `${root}/target/site`,
        STOREFLEET_CLUSTER: 'simulated',
        STOREFLEET_STRIPE_SECRET_KEY: secretKey,
        STOREFLEET_STRIPE_WEBHOOK_SECRET: webhookSecret,
        STOREFLEET_STRIPE_API_URL: `${process.env.E2E_CHECKOUT_URL}/`,
        STOREFLEET_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
        RUST_LOG: 'warn',
      },
    },
  ];
  const use = { baseURL: base };
  const metadata = { databaseUrl: `sqlite://${process.env.E2E_BILLING_DATABASE}` };
  const projects = [
    { name: 'billing-hydrated', testMatch: spec, metadata, use: { ...use, javaScriptEnabled: true } },
    { name: 'billing-no-javascript', testMatch: spec, metadata, use: { ...use, javaScriptEnabled: false } },
  ];
  return { spec, projects, webServers, globalSetup: `${root}/end2end/billing-setup.mjs` };
}
