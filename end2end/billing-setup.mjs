// Before the paying customer's journey: every plan of the billing server gets a Stripe price,
// made in localstripe with the plan's monthly amount and named in the plan's `price_id`, as an
// operator does in Stripe's dashboard and storefleet's catalogue. Runs once the web servers
// of `billing.mjs` answer (the server has made and seeded its database by then).
import { execFileSync } from 'node:child_process';

/** Runs one SQL statement on the billing server's SQLite database; returns its rows. */
function sql(statement) {
  const script = 'import json, sqlite3, sys\n'
    + 'db = sqlite3.connect(sys.argv[1], timeout=30)\n'
    + 'rows = db.execute(sys.argv[2]).fetchall()\n'
    + 'db.commit()\n'
    + 'print(json.dumps(rows))\n';
  const out = execFileSync('python3', ['-c', script, process.env.E2E_BILLING_DATABASE, statement]);
  return JSON.parse(out.toString());
}

async function createPrice(id, cents, name) {
  const response = await fetch(`${process.env.E2E_LOCALSTRIPE_URL}/v1/plans`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${process.env.E2E_STRIPE_SECRET_KEY}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({
      id, amount: String(cents), currency: 'eur', interval: 'month', 'product[name]': name,
    }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`localstripe refused the price ${id}: ${await response.text()}`);
}

export default async function setUpPrices() {
  const plans = sql('SELECT name, display_name, monthly_price_cents FROM plans');
  for (const [name, displayName, cents] of plans) {
    await createPrice(`price_e2e_${name}`, cents, displayName);
  }
  sql("UPDATE plans SET price_id = 'price_e2e_' || name");
}
