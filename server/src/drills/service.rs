//! Asking for restore drills and reading the fleet's drill health: the use cases behind the
//! admin pages and the command line. A drill asked for is queued; the drill worker runs it.

use std::collections::HashMap;

use app::domain::audit::action;
use app::domain::drill::{is_overdue, DrillHealth, DrillView, StoreDrillHealth};
use app::domain::Actor;
use sqlx::AnyPool;

use super::error::DrillError;
use super::view::view;
use crate::audit::Recorder;
use crate::clock::{now_ms, rfc3339};
use crate::db::drills::{self, NewDrill};
use crate::db::{backups, drill_fleet, tenants};

/// Asks for drills and reports on them.
#[derive(Clone)]
pub struct DrillService {
    pool: AnyPool,
    audit: Recorder,
    enabled: bool,
    every_hours: u64,
}

impl DrillService {
    /// Drills over this database; `enabled` when storage and the drill PostgreSQL are both
    /// configured; each store drilled at least once per `every_hours` (0: on demand only).
    pub fn new(pool: AnyPool, enabled: bool, every_hours: u64) -> Self {
        Self {
            audit: Recorder::new(pool.clone()),
            pool,
            enabled,
            every_hours,
        }
    }

    /// Whether drills can run at all.
    pub fn is_on(&self) -> bool {
        self.enabled
    }

    fn every_ms(&self) -> i64 {
        i64::try_from(self.every_hours.saturating_mul(3_600_000)).unwrap_or(i64::MAX)
    }

    /// Queues a drill of the store `subdomain`'s newest stored backup for `actor`; audited as
    /// `backup.drill`. A drill of it already under way is the one returned (nothing is queued).
    pub async fn drill_now(&self, actor: &Actor, subdomain: &str) -> Result<DrillView, DrillError> {
        if !self.enabled {
            return Err(DrillError::Off);
        }
        let tenant = tenants::by_subdomain(&self.pool, subdomain)
            .await?
            .ok_or_else(|| DrillError::NoStore(subdomain.to_owned()))?;
        let backup = backups::latest_done(&self.pool, &tenant.id)
            .await?
            .ok_or_else(|| DrillError::NoBackup(subdomain.to_owned()))?;
        let id = uuid::Uuid::new_v4().to_string();
        let requested_by = actor.cause();
        let drill = NewDrill {
            id: &id,
            tenant_id: &tenant.id,
            backup_id: &backup.id,
            requested_by: &requested_by,
        };
        if !drills::insert(&self.pool, &drill, now_ms()).await? {
            let under_way = drills::under_way(&self.pool, &tenant.id).await?;
            return under_way.map(|d| view(&d)).ok_or(DrillError::NotFound);
        }
        self.audit
            .record(
                actor,
                action::BACKUP_DRILL,
                &format!("tenant/{subdomain}"),
                &format!("drill {id} of backup {}", backup.id),
            )
            .await;
        self.show(&id).await
    }

    /// One drill.
    pub async fn show(&self, id: &str) -> Result<DrillView, DrillError> {
        let record = drills::get(&self.pool, id)
            .await?
            .ok_or(DrillError::NotFound)?;
        Ok(view(&record))
    }

    /// The fleet's drill health now.
    pub async fn health(&self) -> Result<DrillHealth, DrillError> {
        self.health_at(now_ms()).await
    }

    /// The fleet's drill health at `now`: each store with a backup, its last backup and last
    /// finished drill, and the stores whose last drill failed or that are overdue.
    pub async fn health_at(&self, now: i64) -> Result<DrillHealth, DrillError> {
        let every_ms = self.every_ms();
        let fleet = drill_fleet::standing(&self.pool).await?;
        // Every store's last drill, read at once.
        let ids: Vec<String> = fleet
            .iter()
            .filter_map(|s| s.last_drill_id.clone())
            .collect();
        let mut last_drills: HashMap<String, DrillView> = drills::get_many(&self.pool, &ids)
            .await?
            .iter()
            .map(|d| (d.id.clone(), view(d)))
            .collect();
        let mut stores = Vec::new();
        for standing in fleet {
            let last_drill = standing
                .last_drill_id
                .as_ref()
                .and_then(|id| last_drills.remove(id));
            let overdue = standing
                .first_backup_at
                .is_some_and(|first| is_overdue(first, standing.last_passed_at, now, every_ms));
            stores.push(StoreDrillHealth {
                subdomain: standing.subdomain,
                last_backup_at: Some(rfc3339(standing.last_backup_at)),
                last_backup_state: Some(standing.last_backup_state),
                last_drill,
                last_passed_at: standing.last_passed_at.map(rfc3339),
                overdue,
            });
        }
        Ok(DrillHealth::of(self.enabled, self.every_hours, stores))
    }
}
