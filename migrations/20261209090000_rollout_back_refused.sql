-- 1 when a store could not be moved back to its previous release (it was suspended, deleted
-- or otherwise taken out of service meanwhile): a rollout tries that once, not every turn.
ALTER TABLE rollout_tenants ADD COLUMN back_refused BIGINT NOT NULL DEFAULT 0;
