-- How many entries the audit log holds for each action, kept in the transaction that adds an
-- entry. The log only grows, and its page counts ("page 3 of 2,000") were a count of every
-- entry on every request: now they are one small read, unless a text filter is given.
CREATE TABLE audit_counts (
    action TEXT PRIMARY KEY,
    entries BIGINT NOT NULL
);
INSERT INTO audit_counts (action, entries) SELECT action, COUNT(*) FROM audit_log GROUP BY action;
