-- A new store that, once ready, gets another store's backup restored into it: a copy for an
-- admin to inspect.
CREATE TABLE clones (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants (id),
    backup_id TEXT NOT NULL REFERENCES backups (id),
    requested_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
