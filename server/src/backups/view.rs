//! Backups as the pages and the command line show them.

use app::domain::backup::BackupView;

use crate::clock::rfc3339;
use crate::db::backups::BackupRecord;

/// The view of a stored backup.
pub fn view(record: &BackupRecord) -> BackupView {
    BackupView {
        id: record.id.clone(),
        subdomain: record.subdomain.clone(),
        kind: record.kind,
        state: record.state,
        size: record.size.and_then(|s| u64::try_from(s).ok()),
        sha256: record.sha256.clone(),
        error: record.error.clone(),
        attempts: u32::try_from(record.attempts).unwrap_or(u32::MAX),
        requested_by: record.requested_by.clone(),
        created_at: rfc3339(record.created_at),
        finished_at: record.finished_at.map(rfc3339),
    }
}
