-- Billing. Every Stripe event handled, by id, so a redelivered event is handled once; and
-- what billing knows of each subscription. `status_at` is Stripe's creation time of the
-- newest event that set `status`: an older event arriving late never overwrites it. A
-- subscription may be known (from an invoice) before the event naming its tenant arrives,
-- so `tenant_id` may be empty for a while; it is not a foreign key because it comes from
-- Stripe's metadata, which this server does not control.
CREATE TABLE stripe_events (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    created BIGINT NOT NULL,
    received_at BIGINT NOT NULL
);

CREATE TABLE subscriptions (
    subscription_id TEXT PRIMARY KEY,
    tenant_id TEXT,
    customer_id TEXT,
    status TEXT NOT NULL,
    status_at BIGINT NOT NULL,
    past_due_since BIGINT,
    canceled_at BIGINT,
    updated_at BIGINT NOT NULL
);

CREATE INDEX subscriptions_by_tenant ON subscriptions (tenant_id, status_at);
