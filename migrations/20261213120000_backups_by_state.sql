-- The backup worker counts the dumps running before it starts another (at most
-- STOREFLEET_BACKUP_PARALLEL at once): an index keeps that count small in a large catalogue.
CREATE INDEX backups_by_state ON backups (state);
