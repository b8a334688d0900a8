-- The multipart upload a backup's current try writes its object through, until the upload is
-- completed or aborted: a failed try's parts are removed with it, not left in storage.
ALTER TABLE backups ADD COLUMN upload_id TEXT;
