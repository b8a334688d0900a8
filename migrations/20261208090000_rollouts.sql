-- Rollouts: a release reaches the fleet in waves, each store's update followed by a health
-- gate, halted and rolled back when too many fail.

-- The release a tenant runs, or is being moved to; NULL: its blueprint's own image tags (the
-- stores made before their blueprint had a release). It replaces `release_tags`, which every
-- version so far wrote as `{}`.
ALTER TABLE tenants ADD COLUMN release_id TEXT REFERENCES releases (id);
ALTER TABLE tenants DROP COLUMN release_tags;
-- Why an admin pinned the tenant to its release; NULL when it is not pinned. Rollouts skip it.
ALTER TABLE tenants ADD COLUMN pinned TEXT;
-- Canary tenants are updated first, in a cohort of their own.
ALTER TABLE tenants ADD COLUMN canary BIGINT NOT NULL DEFAULT 0;

-- The release new stores of a blueprint start on: the one its last finished rollout moved the
-- fleet to. NULL: the blueprint's own tags.
ALTER TABLE blueprints ADD COLUMN release_id TEXT REFERENCES releases (id);

-- A rollout is worked as a lease queue: one server at a time drives it, a step every few
-- seconds, and another takes over when its lease lapses.
CREATE TABLE rollouts (
    id TEXT PRIMARY KEY,
    release_id TEXT NOT NULL REFERENCES releases (id),
    -- running, paused, halted, aborted, rolling_back, rolled_back or done.
    state TEXT NOT NULL,
    -- The options it was started with (waves, parallelism, bake time, budget) as JSON.
    options TEXT NOT NULL,
    -- Why it halted, or what it ended with.
    reason TEXT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    finished_at BIGINT,
    next_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_expires_at BIGINT
);
CREATE INDEX rollouts_by_next_at ON rollouts (next_at);

-- Each tenant of a rollout: its wave, where it stands, and the release it came from.
CREATE TABLE rollout_tenants (
    rollout_id TEXT NOT NULL REFERENCES rollouts (id),
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    -- NULL for a store left out when the rollout was planned.
    wave BIGINT,
    position BIGINT NOT NULL,
    -- waiting, updating, baking, done, failed, rolling_back, rolled_back or skipped.
    state TEXT NOT NULL,
    -- NULL: the blueprint's own tags.
    from_release_id TEXT REFERENCES releases (id),
    -- Its update job, then its rollback job if it was moved back.
    job_id TEXT,
    rollback_job_id TEXT,
    -- 1 when its update or health gate failed: what the failure budget counts.
    failed BIGINT NOT NULL DEFAULT 0,
    -- Why it failed, was moved back or was skipped.
    reason TEXT,
    -- Container restarts when its bake began: more at the bake's end fails the gate.
    restarts BIGINT,
    started_at BIGINT,
    bake_until BIGINT,
    finished_at BIGINT,
    PRIMARY KEY (rollout_id, tenant_id)
);
CREATE INDEX rollout_tenants_by_tenant ON rollout_tenants (tenant_id);
