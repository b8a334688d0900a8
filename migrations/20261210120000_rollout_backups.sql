-- The backup a rollout takes of a store before updating it, when backups are on.
ALTER TABLE rollout_tenants ADD COLUMN backup_id TEXT;
