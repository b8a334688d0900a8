//! The audit log of admin and owner actions, as the UI's `Audit` port.

use async_trait::async_trait;
use sqlx::AnyPool;

use app::domain::paging::{clamp_page, offset, page_count, PAGE_SIZE};
use app::domain::{AuditEntryView, AuditPage, AuditQuery, NewAuditEntry};
use app::error::AppError;
use app::ports::Audit;

use crate::clock::{now_ms, rfc3339};
use crate::db::audit::{self, AuditRecord};
use crate::db::DbError;

/// The audit log over the database.
#[derive(Clone)]
pub struct AuditService {
    pool: AnyPool,
}

fn internal(error: DbError) -> AppError {
    tracing::error!(error = %error, "audit log query failed");
    AppError::Internal
}

fn view(record: AuditRecord) -> AuditEntryView {
    AuditEntryView {
        id: record.id,
        at: rfc3339(record.at),
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
impl Audit for AuditService {
    async fn record(&self, entry: NewAuditEntry) -> Result<(), AppError> {
        audit::insert(&self.pool, &entry, now_ms())
            .await
            .map_err(internal)?;
        tracing::info!(
            actor = %entry.actor_email,
            action = %entry.action,
            target = %entry.target,
            client = %entry.client_addr,
            "audited"
        );
        Ok(())
    }

    async fn search(&self, query: &AuditQuery) -> Result<AuditPage, AppError> {
        let total = audit::count(&self.pool, query).await.map_err(internal)?;
        let pages = page_count(total);
        let page = clamp_page(query.page, pages);
        let rows = audit::page(&self.pool, query, u64::from(PAGE_SIZE), offset(page))
            .await
            .map_err(internal)?;
        Ok(AuditPage {
            rows: rows.into_iter().map(view).collect(),
            total,
            page,
            pages,
        })
    }
}
