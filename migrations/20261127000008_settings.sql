-- Owners' secret settings wait here until the tenant's Secret on the cluster holds them; they
-- are never shown back. Every change of settings is kept, secrets redacted.
ALTER TABLE tenants ADD COLUMN secrets TEXT NOT NULL DEFAULT '{}';

CREATE TABLE setting_changes (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    at BIGINT NOT NULL,
    actor_email TEXT NOT NULL,
    changes TEXT NOT NULL
);

CREATE INDEX setting_changes_by_tenant ON setting_changes (tenant_id, at);
