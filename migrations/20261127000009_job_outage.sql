-- When the cluster stopped answering a job's calls: set while the job waits out an outage
-- (without spending attempts), cleared by the next answer the cluster gives.
ALTER TABLE jobs ADD COLUMN outage_since BIGINT;
