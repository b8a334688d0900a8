-- The audit log is read newest first, `ORDER BY at DESC, id DESC` (the id parts entries of
-- one millisecond), with or without an action filter. `id` is a text key, so an index on `at`
-- alone left that order to a sort of every entry on each request: the index now holds both.
DROP INDEX audit_log_by_time;
CREATE INDEX audit_log_by_time ON audit_log (at, id);
DROP INDEX audit_log_by_action;
CREATE INDEX audit_log_by_action ON audit_log (action, at, id);
