-- Restore drills: each proves that a store's latest backup restores, by restoring it into a
-- scratch database on a separate PostgreSQL server and counting its tables' rows. A lease
-- queue like `backups`: a drill found running whose lease lapsed is simply run again.
CREATE TABLE drills (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    -- The backup restored; no reference, as retention may let the backup go afterwards.
    backup_id TEXT NOT NULL,
    -- queued, running, passed or failed.
    state TEXT NOT NULL,
    -- JSON: each table of the public schema restored, with its exact row count.
    tables TEXT,
    -- Why it failed.
    error TEXT,
    -- The scratch database of its last run (dropped when the run ends).
    scratch TEXT,
    requested_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT,
    next_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_expires_at BIGINT
);
CREATE INDEX drills_by_next_at ON drills (next_at);
CREATE INDEX drills_by_tenant ON drills (tenant_id, created_at);
-- At most one drill of a store is under way, however many workers plan at once.
CREATE UNIQUE INDEX drills_one_under_way ON drills (tenant_id)
    WHERE state IN ('queued', 'running');
