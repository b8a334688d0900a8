-- Level-triggered: a reconciler compares every running store with its render on a schedule,
-- records what differed, and puts it back unless an admin turned self-heal off for the store.
ALTER TABLE tenants ADD COLUMN self_heal BIGINT NOT NULL DEFAULT 1;
-- What differed at the last check; NULL when nothing did.
ALTER TABLE tenants ADD COLUMN drift TEXT;
-- When the reconciler looks at the store next (milliseconds since the epoch).
ALTER TABLE tenants ADD COLUMN check_after BIGINT NOT NULL DEFAULT 0;
CREATE INDEX tenants_by_check_after ON tenants (check_after);

CREATE TABLE drift_events (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    at BIGINT NOT NULL,
    summary TEXT NOT NULL,
    repaired BIGINT NOT NULL
);
CREATE INDEX drift_events_by_tenant ON drift_events (tenant_id, at);
