-- Tenants, the record of their lifecycle, and durable jobs with their events.

CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    subdomain TEXT NOT NULL UNIQUE,
    plan TEXT NOT NULL REFERENCES plans (name),
    owner_id TEXT REFERENCES users (id),
    state TEXT NOT NULL,
    settings TEXT NOT NULL,
    release_tags TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE INDEX tenants_by_owner ON tenants (owner_id);
CREATE INDEX tenants_by_state ON tenants (state);

-- Every lifecycle transition, with who or what caused it.
CREATE TABLE tenant_transitions (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    from_state TEXT,
    to_state TEXT NOT NULL,
    cause TEXT NOT NULL,
    at BIGINT NOT NULL
);

CREATE INDEX tenant_transitions_by_tenant ON tenant_transitions (tenant_id, at);

-- Slow work. A worker holds a job through its lease (owner and expiry); only the holder may
-- advance it, and an expired lease lets another worker resume at `step`.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    tenant_id TEXT REFERENCES tenants (id),
    kind TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
    step BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    step_started_at BIGINT,
    next_run_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_expires_at BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    finished_at BIGINT
);

CREATE INDEX jobs_runnable ON jobs (state, next_run_at);
CREATE INDEX jobs_by_tenant ON jobs (tenant_id, created_at);

-- What a job did, in order (`seq` per job), for the live progress view and its replay.
CREATE TABLE job_events (
    job_id TEXT NOT NULL REFERENCES jobs (id),
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    step BIGINT NOT NULL,
    step_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
);
