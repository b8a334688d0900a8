-- Whether a job is waiting on the cluster (its step released it until it looks again) rather
-- than backing off after a failed attempt. A change in the cluster makes waiting jobs due at
-- once; a job backing off keeps its pause.
ALTER TABLE jobs ADD COLUMN waiting INTEGER NOT NULL DEFAULT 0;
