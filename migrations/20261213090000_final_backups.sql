-- The job a backup is taken for (an archive's last backup), so that every try of that job
-- finds the backup an earlier try asked for instead of asking again.
ALTER TABLE backups ADD COLUMN job_id TEXT REFERENCES jobs (id);
CREATE UNIQUE INDEX backups_by_job ON backups (job_id);
-- An archive now starts with three steps that back the store up a last time: archive jobs
-- already past their first step keep their place.
UPDATE jobs SET step = step + 3 WHERE kind = 'archive' AND state IN ('queued', 'running') AND step > 0;
