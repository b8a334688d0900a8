-- Backups of each tenant's database: the catalogue, and a lease queue its workers take turns
-- at. A row says `done` only once its object is in storage with the size and SHA-256 read
-- back from there.
CREATE TABLE backups (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    -- scheduled, manual, pre_update, pre_restore or final.
    kind TEXT NOT NULL,
    -- queued, running, done or failed.
    state TEXT NOT NULL,
    -- Its key in the storage, under the configured prefix.
    object_key TEXT NOT NULL,
    size BIGINT,
    sha256 TEXT,
    -- Why it failed, or why its last try did.
    error TEXT,
    attempts BIGINT NOT NULL DEFAULT 0,
    requested_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT,
    next_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_expires_at BIGINT
);
CREATE INDEX backups_by_next_at ON backups (next_at);
CREATE INDEX backups_by_tenant ON backups (tenant_id, created_at);
