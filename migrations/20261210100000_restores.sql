-- Restores in place: what a restore job puts back, and the backup it took first.
CREATE TABLE restores (
    job_id TEXT PRIMARY KEY REFERENCES jobs (id),
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    -- The backup whose data is put back.
    backup_id TEXT NOT NULL REFERENCES backups (id),
    -- The backup of the data as it was, taken first; NULL until asked for.
    saved_backup_id TEXT REFERENCES backups (id),
    requested_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX restores_by_tenant ON restores (tenant_id, created_at);
