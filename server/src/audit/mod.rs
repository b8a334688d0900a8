//! The audit log of every action that changed something: [`Recorder`] writes it for the
//! services that act, [`AuditService`] searches it for the admin page.

mod record;

pub use record::Recorder;

use async_trait::async_trait;
use sqlx::AnyPool;

use app::domain::paging::{clamp_page, offset, page_count, PAGE_SIZE};
use app::domain::{ActorKind, AuditEntryView, AuditPage, AuditQuery};
use app::error::AppError;
use app::ports::AuditLog;

use crate::clock::rfc3339;
use crate::db::audit::{self, AuditRecord};

/// The audit log over the database.
#[derive(Clone)]
pub struct AuditService {
    pool: AnyPool,
}

fn view(record: AuditRecord) -> AuditEntryView {
    AuditEntryView {
        id: record.id,
        at: rfc3339(record.at),
        actor_kind: record
            .actor_kind
            .parse::<ActorKind>()
            .ok()
            .unwrap_or(ActorKind::User),
        actor_email: record.actor_email,
        action: record.action,
        target: record.target,
        detail: record.detail,
        client_addr: record.client_addr,
    }
}

impl AuditService {
    /// The audit log in this database.
    pub fn new(pool: AnyPool) -> Self {
        Self { pool }
    }
}

#[async_trait]
impl AuditLog for AuditService {
    async fn search(&self, query: &AuditQuery) -> Result<AuditPage, AppError> {
        // Both on one connection: one hand-out from the pool instead of two.
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(crate::db::DbError::from)?;
        let total = audit::count(&mut conn, query).await?;
        let pages = page_count(total);
        let page = clamp_page(query.page, pages);
        let rows = audit::page(&mut conn, query, u64::from(PAGE_SIZE), offset(page), total).await?;
        Ok(AuditPage {
            rows: rows.into_iter().map(view).collect(),
            total,
            page,
            pages,
        })
    }
}
