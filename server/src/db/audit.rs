//! Queries on the audit log.

use sqlx::{any::AnyRow, AnyPool, Row};

use app::domain::{AuditQuery, NewAuditEntry};

use super::filter::{contains_pattern, Conditions};
use super::Result;

/// An entry as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Unique id.
    pub id: String,
    /// When, in milliseconds.
    pub at: i64,
    /// What kind of actor acted (`user`, `operator`, …).
    pub actor_kind: String,
    /// The account that acted, if known.
    pub actor_id: Option<String>,
    /// Its email then.
    pub actor_email: String,
    /// What it did.
    pub action: String,
    /// To what.
    pub target: String,
    /// More about it.
    pub detail: String,
    /// From which address.
    pub client_addr: String,
}

const COLUMNS: &str =
    "id, at, actor_kind, actor_id, actor_email, action, target, detail, client_addr";

fn from_row(row: &AnyRow) -> Result<AuditRecord> {
    Ok(AuditRecord {
        id: row.try_get("id")?,
        at: row.try_get("at")?,
        actor_kind: row.try_get("actor_kind")?,
        actor_id: row.try_get("actor_id")?,
        actor_email: row.try_get("actor_email")?,
        action: row.try_get("action")?,
        target: row.try_get("target")?,
        detail: row.try_get("detail")?,
        client_addr: row.try_get("client_addr")?,
    })
}

/// Stores an entry at `now`, and counts it with its action's entries.
pub async fn insert(pool: &AnyPool, entry: &NewAuditEntry, now: i64) -> Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query(&format!(
        "INSERT INTO audit_log ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    ))
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(now)
    .bind(entry.actor_kind.as_str())
    .bind(entry.actor_id.clone())
    .bind(&entry.actor_email)
    .bind(&entry.action)
    .bind(&entry.target)
    .bind(&entry.detail)
    .bind(&entry.client_addr)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO audit_counts (action, entries) VALUES ($1, 1) \
         ON CONFLICT (action) DO UPDATE SET entries = audit_counts.entries + 1",
    )
    .bind(&entry.action)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

fn conditions(query: &AuditQuery) -> Conditions {
    let mut conditions = Conditions::new();
    if !query.actor.is_empty() {
        conditions.add(
            "lower(actor_email) LIKE {} ESCAPE '\\'",
            contains_pattern(&query.actor),
        );
    }
    if let Some(action) = &query.action {
        conditions.add("action = {}", action.clone());
    }
    if !query.target.is_empty() {
        conditions.add(
            "lower(target) LIKE {} ESCAPE '\\'",
            contains_pattern(&query.target),
        );
    }
    conditions
}

/// How many entries match the filters: off the kept counts unless a text filter is given.
pub async fn count(pool: &AnyPool, query: &AuditQuery) -> Result<u64> {
    if !query.actor.is_empty() || !query.target.is_empty() {
        return conditions(query).count(pool, "audit_log").await;
    }
    let row = match &query.action {
        Some(action) => {
            sqlx::query("SELECT COALESCE(MAX(entries), 0) FROM audit_counts WHERE action = $1")
                .bind(action)
                .fetch_one(pool)
                .await?
        }
        None => {
            sqlx::query("SELECT CAST(COALESCE(SUM(entries), 0) AS BIGINT) FROM audit_counts")
                .fetch_one(pool)
                .await?
        }
    };
    let total: i64 = row.try_get(0)?;
    Ok(u64::try_from(total).unwrap_or(0))
}

/// Counts every entry of the log again, by action: for entries written without [`insert`]
/// (the benchmark's seed).
pub async fn recount(pool: &AnyPool) -> Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM audit_counts")
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO audit_counts (action, entries) \
         SELECT action, COUNT(*) FROM audit_log GROUP BY action",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The matching entries, newest first, `limit` of them after skipping `offset`.
pub async fn page(
    pool: &AnyPool,
    query: &AuditQuery,
    limit: u64,
    offset: u64,
) -> Result<Vec<AuditRecord>> {
    let rows = conditions(query)
        .page(
            pool,
            &format!("{COLUMNS} FROM audit_log"),
            ORDER,
            limit,
            offset,
        )
        .await?;
    rows.iter().map(from_row).collect()
}

/// Newest first; the id parts entries of one millisecond, so pages never overlap.
const ORDER: &str = "at DESC, id DESC";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::filter::plans;

    #[tokio::test]
    async fn the_log_is_paged_off_an_index_without_sorting() {
        let (_dir, db) = plans::migrated_sqlite().await;
        let by_action = AuditQuery {
            action: Some("tenant.create".to_owned()),
            ..AuditQuery::default()
        };
        for query in [AuditQuery::default(), by_action] {
            let conditions = conditions(&query);
            let sql = conditions.page_sql(&format!("{COLUMNS} FROM audit_log"), ORDER);
            let plan = plans::plan(&db, &conditions, &sql, 99_950).await;
            assert!(!plan.contains("TEMP B-TREE"), "{query:?} sorts: {plan}");
            assert!(
                plan.contains("USING INDEX audit_log_by_"),
                "{query:?}: {plan}"
            );
        }
    }

    fn entry(action: &str, target: &str) -> NewAuditEntry {
        NewAuditEntry {
            actor_kind: app::domain::ActorKind::Operator,
            actor_id: None,
            actor_email: "ops@example.com".to_owned(),
            action: action.to_owned(),
            target: target.to_owned(),
            detail: String::new(),
            client_addr: "127.0.0.1".to_owned(),
        }
    }

    #[tokio::test]
    async fn the_kept_counts_agree_with_the_log() {
        let (_dir, db) = plans::migrated_sqlite().await;
        let pool = &db.pool;
        for (at, (action, target)) in [
            ("tenant.create", "acme"),
            ("tenant.create", "globex"),
            ("tenant.delete", "acme"),
        ]
        .into_iter()
        .enumerate()
        {
            insert(pool, &entry(action, target), at as i64)
                .await
                .unwrap();
        }
        let query = |action: Option<&str>, target: &str| AuditQuery {
            action: action.map(str::to_owned),
            target: target.to_owned(),
            ..AuditQuery::default()
        };
        let counts = || async {
            let mut counts = Vec::new();
            for q in [
                query(None, ""),
                query(Some("tenant.create"), ""),
                query(Some("tenant.delete"), ""),
                query(Some("tenant.retry"), ""),
                query(Some("tenant.create"), "acm"),
            ] {
                counts.push(count(pool, &q).await.unwrap());
            }
            counts
        };
        assert_eq!(counts().await, [3, 2, 1, 0, 1]);

        // Entries written around `insert` are counted once recounted.
        sqlx::query(&format!(
            "INSERT INTO audit_log ({COLUMNS}) \
             VALUES ('seeded', 9, 'operator', NULL, 'ops@example.com', 'tenant.retry', 'acme', '', '')"
        ))
        .execute(pool)
        .await
        .unwrap();
        recount(pool).await.unwrap();
        assert_eq!(counts().await, [4, 2, 1, 1, 1]);
    }
}
