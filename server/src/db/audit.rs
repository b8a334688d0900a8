//! Queries on the audit log.

use sqlx::{any::AnyRow, AnyConnection, AnyPool, Row};

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
pub async fn count(conn: &mut AnyConnection, query: &AuditQuery) -> Result<u64> {
    if !query.actor.is_empty() || !query.target.is_empty() {
        return conditions(query).count(conn, "audit_log").await;
    }
    let row = match &query.action {
        Some(action) => {
            sqlx::query("SELECT COALESCE(MAX(entries), 0) FROM audit_counts WHERE action = $1")
                .bind(action)
                .fetch_one(&mut *conn)
                .await?
        }
        None => {
            sqlx::query("SELECT CAST(COALESCE(SUM(entries), 0) AS BIGINT) FROM audit_counts")
                .fetch_one(&mut *conn)
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

/// The matching entries, newest first, `limit` of them after skipping `offset` of the `total`
/// that match. A page in the older half is read from the oldest end, then turned round, so no
/// page walks more than half the log's index.
pub async fn page(
    conn: &mut AnyConnection,
    query: &AuditQuery,
    limit: u64,
    offset: u64,
    total: u64,
) -> Result<Vec<AuditRecord>> {
    let select = format!("{COLUMNS} FROM audit_log");
    let conditions = conditions(query);
    let rows = match from_oldest(limit, offset, total) {
        Some((limit, offset)) => {
            let mut rows = conditions
                .page(conn, &select, ORDER_OLDEST_FIRST, limit, offset)
                .await?;
            rows.reverse();
            rows
        }
        None => conditions.page(conn, &select, ORDER, limit, offset).await?,
    };
    rows.iter().map(from_row).collect()
}

/// For a page past the middle, its limit and offset counted from the oldest entry.
fn from_oldest(limit: u64, offset: u64, total: u64) -> Option<(u64, u64)> {
    if offset >= total || offset <= total / 2 {
        return None;
    }
    let end = (offset + limit).min(total);
    Some((end - offset, total - end))
}

/// Newest first; the id parts entries of one millisecond, so pages never overlap.
const ORDER: &str = "at DESC, id DESC";
const ORDER_OLDEST_FIRST: &str = "at ASC, id ASC";

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
        for (query, order) in [AuditQuery::default(), by_action]
            .into_iter()
            .flat_map(|q| [(q.clone(), ORDER), (q, ORDER_OLDEST_FIRST)])
        {
            let conditions = conditions(&query);
            let sql = conditions.page_sql(&format!("{COLUMNS} FROM audit_log"), order);
            let plan = plans::plan(&db, &conditions, &sql, 99_950).await;
            assert!(!plan.contains("TEMP B-TREE"), "{query:?} sorts: {plan}");
            assert!(
                plan.contains("USING INDEX audit_log_by_"),
                "{query:?}: {plan}"
            );
        }
    }

    #[test]
    fn pages_past_the_middle_are_counted_from_the_oldest_entry() {
        // 120 entries, pages of 50: the first page is read from the newest end, the last two
        // from the oldest (the last one short).
        assert_eq!(from_oldest(50, 0, 120), None);
        assert_eq!(from_oldest(50, 50, 120), None);
        assert_eq!(from_oldest(50, 100, 120), Some((20, 0)));
        assert_eq!(from_oldest(50, 61, 120), Some((50, 9)));
        assert_eq!(from_oldest(50, 120, 120), None);
        assert_eq!(from_oldest(50, 0, 0), None);
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
    async fn every_page_holds_its_entries_newest_first_from_either_end() {
        let (_dir, db) = plans::migrated_sqlite().await;
        let pool = &db.pool;
        // Eight entries; the last two in one millisecond, parted by their ids.
        for (number, at) in [0, 1, 2, 3, 4, 5, 6, 6].into_iter().enumerate() {
            insert(pool, &entry("tenant.create", &format!("t{number}")), at)
                .await
                .unwrap();
        }
        let query = AuditQuery::default();
        let all = page(&mut pool.acquire().await.unwrap(), &query, 8, 0, 8)
            .await
            .unwrap();
        let times: Vec<i64> = all.iter().map(|e| e.at).collect();
        assert_eq!(times, [6, 6, 5, 4, 3, 2, 1, 0]);
        for offset in [0, 3, 5, 6, 7] {
            let end = (offset + 3).min(8);
            assert_eq!(
                page(
                    &mut pool.acquire().await.unwrap(),
                    &query,
                    3,
                    offset as u64,
                    8
                )
                .await
                .unwrap(),
                all[offset..end],
                "offset {offset}"
            );
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
                counts.push(count(&mut pool.acquire().await.unwrap(), &q).await.unwrap());
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
