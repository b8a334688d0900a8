//! Drills as the pages and the command line show them.

use app::domain::drill::DrillView;

use crate::clock::rfc3339;
use crate::db::drills::DrillRecord;

/// The view of a stored drill.
pub(super) fn view(record: &DrillRecord) -> DrillView {
    DrillView {
        id: record.id.clone(),
        subdomain: record.subdomain.clone(),
        backup_id: record.backup_id.clone(),
        state: record.state,
        tables: record.tables.clone(),
        error: record.error.clone(),
        requested_by: record.requested_by.clone(),
        created_at: rfc3339(record.created_at),
        finished_at: record.finished_at.map(rfc3339),
    }
}
