-- Namespaces named by a stable key instead of the subdomain, so that a store can be made
-- before anyone chose its subdomain. Stores that exist keep the namespace they have: their
-- key is their subdomain.
ALTER TABLE tenants ADD COLUMN namespace_key TEXT;
UPDATE tenants SET namespace_key = subdomain;

-- A standby store: made ahead for its plan's pool, owned by no one, never billed, counted or
-- listed as a customer's, until a sign-up claims it. `claimed_by` is the customer's tenant
-- that took over its namespace; the standby's own row then stays, deleted, as history.
ALTER TABLE tenants ADD COLUMN standby INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tenants ADD COLUMN claimed_by TEXT;
ALTER TABLE tenants ADD COLUMN claimed_at BIGINT;

-- A namespace belongs to one tenant at a time: a claimed standby gives its key away.
CREATE UNIQUE INDEX tenants_by_namespace_key ON tenants (namespace_key) WHERE claimed_by IS NULL;
CREATE INDEX tenants_standby_by_plan ON tenants (standby, plan, state, created_at);

-- How many ready standby stores each plan keeps; a plan without a row keeps none.
CREATE TABLE pools (
    plan TEXT PRIMARY KEY REFERENCES plans (name),
    size BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
