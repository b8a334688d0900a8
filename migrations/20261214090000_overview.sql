-- The admin's overview reads the last 30 days by time: sign-ups, stores becoming ready, jobs
-- ending, and each step's usual duration.
CREATE INDEX tenants_by_creation ON tenants (created_at);
CREATE INDEX tenant_transitions_by_state ON tenant_transitions (to_state, at);
CREATE INDEX jobs_by_end ON jobs (state, finished_at);
CREATE INDEX job_events_by_step ON job_events (step_name, kind, at);
