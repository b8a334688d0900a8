//! The drill worker: plans the drills due, then runs each due drill under a lease it renews
//! while the drill runs, no more than the limit at once. A drill runs whole in one turn; a
//! server killed mid-drill leaves it running under a lease that lapses, and the next turn
//! (here or on another server) runs it again from the start. Scratch databases such a run
//! left behind are dropped once they are an hour old, when a drill starts.

use std::collections::BTreeMap;
use std::time::Duration;

use app::domain::backup::BackupState;
use sqlx::AnyPool;
use tokio::sync::watch;

use super::restore::{self, Failure};
use super::{plan, scratch};
use crate::clock::now_ms;
use crate::db::backups::{self, BackupRecord};
use crate::db::drills::{self, DrillRecord};
use crate::db::{lease, users, DbError};
use crate::mail::messages;
use crate::storage::Storage;
use crate::ticker;

/// How the worker paces itself.
#[derive(Debug, Clone)]
pub struct DrillOptions {
    /// How often it looks for drills to plan and run.
    pub tick: Duration,
    /// How long a drill's lease lasts without renewal.
    pub lease: Duration,
    /// Each store is drilled at least once per this long; zero: on demand only.
    pub every: Duration,
    /// Drills running at once, at most.
    pub parallel: usize,
    /// How long one drill may take.
    pub deadline: Duration,
}

impl Default for DrillOptions {
    fn default() -> Self {
        Self {
            tick: Duration::from_secs(5),
            lease: Duration::from_secs(60),
            every: Duration::from_secs(168 * 3600),
            parallel: 2,
            deadline: Duration::from_secs(3600),
        }
    }
}

/// Runs restore drills.
pub struct DrillWorker {
    pool: AnyPool,
    storage: Storage,
    /// The drill server's URL.
    server: String,
    options: DrillOptions,
    owner: String,
}

fn ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

impl DrillWorker {
    /// A worker over this database and storage, restoring into the PostgreSQL at `server`.
    pub fn new(pool: AnyPool, storage: Storage, server: String, options: DrillOptions) -> Self {
        Self {
            pool,
            storage,
            server,
            options,
            owner: format!("drills-{}", uuid::Uuid::new_v4().simple()),
        }
    }

    /// Runs until `shutdown` turns true.
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        ticker::every(
            self.options.tick,
            shutdown,
            "running restore drills failed",
            || self.run_due(),
        )
        .await;
    }

    /// Plans the drills due now, then runs the due ones there is room for, at once; returns how
    /// many it ran.
    pub async fn run_due(&self) -> Result<usize, DbError> {
        let now = now_ms();
        let parallel = self.options.parallel.max(1);
        plan::queue_due(&self.pool, now, ms(self.options.every), parallel).await?;
        let running = usize::try_from(drills::running(&self.pool, now).await?).unwrap_or(0);
        let room = parallel.saturating_sub(running);
        if room == 0 {
            return Ok(0);
        }
        let mut claimed = Vec::new();
        for id in drills::due(&self.pool, now, 20).await? {
            if claimed.len() == room {
                break;
            }
            let token = lease::token(&self.owner);
            if drills::claim(&self.pool, &id, &token, now, ms(self.options.lease)).await? {
                claimed.push((id, token));
            }
        }
        let turns = claimed.iter().map(|(id, token)| self.turn(id, token));
        let ran = claimed.len();
        for ((id, token), outcome) in claimed
            .iter()
            .zip(futures_util::future::join_all(turns).await)
        {
            if let Err(error) = outcome {
                tracing::warn!(drill = %id, %error, "a drill's turn failed");
                let again = now_ms() + ms(self.options.tick);
                drills::later(&self.pool, id, token, again).await?;
            }
        }
        Ok(ran)
    }

    /// Runs one held drill to its end, its lease renewed meanwhile.
    async fn turn(&self, id: &str, token: &str) -> Result<(), DbError> {
        let Some(drill) = drills::get(&self.pool, id).await? else {
            return Ok(());
        };
        if drill.state.is_final() {
            return Ok(());
        }
        let heartbeat = tokio::spawn(renew(
            self.pool.clone(),
            id.to_owned(),
            token.to_owned(),
            self.options.lease,
        ));
        let outcome = self.drill(&drill, token).await;
        heartbeat.abort();
        let (backup, outcome) = outcome?;
        match outcome {
            Ok(tables) => {
                if drills::passed(&self.pool, id, token, &tables, now_ms()).await? {
                    tracing::info!(drill = %id, store = %drill.subdomain, tables = tables.len(), "restore drill passed");
                }
            }
            Err(failure) => {
                self.failed(&drill, backup.as_ref(), token, &failure)
                    .await?
            }
        }
        Ok(())
    }

    /// The drill itself: the backup it restores (the catalogued one, or the store's newest
    /// stored one if that is gone), and what came of restoring it.
    async fn drill(
        &self,
        drill: &DrillRecord,
        token: &str,
    ) -> Result<(Option<BackupRecord>, Result<BTreeMap<String, u64>, Failure>), DbError> {
        let catalogued = backups::get(&self.pool, &drill.backup_id)
            .await?
            .filter(|b| b.tenant_id == drill.tenant_id && b.state == BackupState::Done);
        let backup = match catalogued {
            Some(backup) => Some(backup),
            None => backups::latest_done(&self.pool, &drill.tenant_id).await?,
        };
        let Some(backup) = backup else {
            return Ok((
                None,
                Err("the store has no stored backup any more".to_owned()),
            ));
        };
        let Some(recorded) = backup.sha256.clone() else {
            return Ok((
                Some(backup),
                Err("the backup has no SHA-256 recorded".to_owned()),
            ));
        };
        let name = scratch::name(now_ms());
        if !drills::started(&self.pool, &drill.id, token, &backup.id, &name, now_ms()).await? {
            return Ok((Some(backup), Err("the drill's lease was lost".to_owned())));
        }
        tracing::info!(drill = %drill.id, store = %drill.subdomain, backup = %backup.id, scratch = %name, "restore drill started");
        let outcome = match tokio::time::timeout(
            self.options.deadline,
            self.exercise(&backup.object_key, &recorded, &name),
        )
        .await
        {
            Ok(outcome) => outcome,
            Err(_) => Err(format!(
                "the drill ran past its deadline of {} seconds",
                self.options.deadline.as_secs()
            )),
        };
        // Always, whatever came of it.
        if let Err(error) = scratch::drop_database(&self.server, &name).await {
            tracing::warn!(drill = %drill.id, %error, "a scratch database was left behind");
        }
        Ok((Some(backup), outcome))
    }

    /// Restores the object into a fresh scratch database `name` and counts its tables.
    async fn exercise(
        &self,
        key: &str,
        recorded: &str,
        name: &str,
    ) -> Result<BTreeMap<String, u64>, Failure> {
        match scratch::sweep(&self.server, now_ms()).await {
            Ok(dropped) if !dropped.is_empty() => {
                tracing::info!(?dropped, "scratch databases left behind were dropped");
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "scratch databases were not swept"),
        }
        scratch::create_database(&self.server, name).await?;
        let url = scratch::url(&self.server, name)?;
        restore::restore(&self.storage, key, recorded, &url).await?;
        restore::count_tables(&url).await
    }

    /// Records a failed drill, with one mail to every admin, once.
    async fn failed(
        &self,
        drill: &DrillRecord,
        backup: Option<&BackupRecord>,
        token: &str,
        failure: &str,
    ) -> Result<(), DbError> {
        let (backup_id, backup_at) = backup
            .map_or((drill.backup_id.as_str(), drill.created_at), |b| {
                (b.id.as_str(), b.created_at)
            });
        let mails: Vec<_> = users::admin_emails(&self.pool)
            .await?
            .iter()
            .map(|to| {
                messages::drill_failed(
                    &format!("drill_failed:{}:{to}", drill.id),
                    to,
                    &drill.subdomain,
                    backup_id,
                    backup_at,
                    failure,
                )
            })
            .collect();
        if drills::failed(&self.pool, &drill.id, token, failure, &mails, now_ms()).await? {
            tracing::warn!(drill = %drill.id, store = %drill.subdomain, error = failure, "restore drill failed");
        }
        Ok(())
    }
}

/// Renews a drill's lease at a third of its length until the lease is lost or the task is
/// aborted (the drill ended).
async fn renew(pool: AnyPool, id: String, token: String, lease: Duration) {
    let mut ticks = tokio::time::interval(lease / 3);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        match drills::renew(&pool, &id, &token, now_ms(), ms(lease)).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(error) => tracing::warn!(drill = %id, %error, "renewing a drill's lease failed"),
        }
    }
}
