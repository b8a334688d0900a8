-- When each tenant's next scheduled backup is due (its plan's schedule, at its own moment);
-- NULL until the backup worker first plans it.
ALTER TABLE tenants ADD COLUMN next_backup_at BIGINT;
CREATE INDEX tenants_by_next_backup ON tenants (next_backup_at);
