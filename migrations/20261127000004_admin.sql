-- The admin panel: indexes for searching, filtering and sorting many tenants, and the audit
-- log of admin and owner actions.

-- Each sort order (its column, then the subdomain to break ties) reads a page through an
-- index instead of sorting every tenant; the plan one also serves filters on plan and state.
CREATE INDEX tenants_by_created ON tenants (created_at, subdomain);
CREATE INDEX tenants_by_state_subdomain ON tenants (state, subdomain);
CREATE INDEX tenants_by_plan_state ON tenants (plan, state, subdomain);
-- Finding an owner by a case-insensitive email.
CREATE INDEX users_by_lower_email ON users (lower(email));

-- Who did what to which target, when and from which address. `actor_email` is kept as it
-- was, so the entry stays readable after the account changes or goes. `detail` never holds a
-- secret.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_id TEXT,
    actor_email TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL,
    client_addr TEXT NOT NULL
);

CREATE INDEX audit_log_by_time ON audit_log (at);
CREATE INDEX audit_log_by_action ON audit_log (action, at);
