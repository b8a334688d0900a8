//! Writing the audit log: the services that act record each action here, with its actor, so
//! that the web UI, the command line, the API and the workers leave the same entry.

use sqlx::AnyPool;

use app::domain::{Actor, NewAuditEntry};

use crate::clock::now_ms;
use crate::db::audit;

/// Records actions that happened.
#[derive(Clone)]
pub struct Recorder {
    pool: AnyPool,
}

impl Recorder {
    /// Records into the audit log of this database.
    pub fn new(pool: AnyPool) -> Self {
        Self { pool }
    }

    /// Records that `actor` did `action` to `target`. The action has already happened, so a
    /// failure to record is logged and does not undo or fail it. `detail` never holds a
    /// secret.
    pub async fn record(&self, actor: &Actor, action: &str, target: &str, detail: &str) {
        let entry = NewAuditEntry {
            actor_kind: actor.kind,
            actor_id: actor.user_id.as_ref().map(|id| id.to_string()),
            actor_email: actor.name.clone(),
            action: action.to_owned(),
            target: target.to_owned(),
            detail: detail.to_owned(),
            client_addr: actor.origin.clone(),
        };
        match audit::insert(&self.pool, &entry, now_ms()).await {
            Ok(()) => tracing::info!(
                actor = %entry.actor_email,
                kind = actor.kind.as_str(),
                action,
                target,
                client = %entry.client_addr,
                "audited"
            ),
            Err(error) => tracing::error!(
                %error,
                action,
                target,
                "recording the action in the audit log failed"
            ),
        }
    }
}
