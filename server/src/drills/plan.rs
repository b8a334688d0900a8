//! Planning drills: each store with a stored backup is queued a drill at its moment of the
//! period ([`app::domain::drill::due`] chooses), no more than the room left under the limit of
//! drills at once. A database index keeps one drill per store under way, so workers planning
//! at the same time queue it once.

use sqlx::AnyPool;

use crate::db::backups;
use crate::db::drill_fleet;
use crate::db::drills::{self, NewDrill};
use crate::db::DbError;

/// Who planned drills are asked for by.
pub const PLANNED_BY: &str = "schedule";

/// Tenant ids of the stores to drill at `now`, most overdue first, at most `room`.
pub async fn due(
    pool: &AnyPool,
    now: i64,
    every_ms: i64,
    room: usize,
) -> Result<Vec<String>, DbError> {
    let facts = drill_fleet::facts(pool).await?;
    Ok(app::domain::drill::due(&facts, now, every_ms, room)
        .into_iter()
        .map(str::to_owned)
        .collect())
}

/// Queues the drills due at `now`, each of its store's newest stored backup, as long as fewer
/// than `parallel` are under way; returns how many it queued.
pub async fn queue_due(
    pool: &AnyPool,
    now: i64,
    every_ms: i64,
    parallel: usize,
) -> Result<usize, DbError> {
    let under_way = drill_fleet::under_way(pool).await?;
    let room = parallel.saturating_sub(usize::try_from(under_way).unwrap_or(usize::MAX));
    if room == 0 || every_ms <= 0 {
        return Ok(0);
    }
    let mut queued = 0;
    for tenant_id in due(pool, now, every_ms, room).await? {
        let Some(backup) = backups::latest_done(pool, &tenant_id).await? else {
            continue;
        };
        let id = uuid::Uuid::new_v4().to_string();
        let drill = NewDrill {
            id: &id,
            tenant_id: &tenant_id,
            backup_id: &backup.id,
            requested_by: PLANNED_BY,
        };
        if drills::insert(pool, &drill, now).await? {
            tracing::info!(store = %backup.subdomain, drill = %id, "restore drill planned");
            queued += 1;
        }
    }
    Ok(queued)
}
