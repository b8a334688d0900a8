//! The admin tenants table's query: search, filters, sort order and one page, with each
//! tenant's owner email from the same query.

use sqlx::{AnyConnection, Row};

use app::domain::{TenantQuery, TenantSort};

use super::filter::{contains_pattern, Conditions};
use super::tenants::{columns, from_row, TenantRecord};
use super::Result;

/// A tenant with its owner's email.
pub type TenantWithOwner = (TenantRecord, Option<String>);

/// The ORDER BY of a sort: its column, then the subdomain (unique) so that pages never
/// overlap. Chosen from the enum, never from what the caller typed.
fn order_by(sort: TenantSort, descending: bool) -> &'static str {
    match (sort, descending) {
        (TenantSort::Subdomain, false) => "t.subdomain ASC",
        (TenantSort::Subdomain, true) => "t.subdomain DESC",
        (TenantSort::Created, false) => "t.created_at ASC, t.subdomain ASC",
        (TenantSort::Created, true) => "t.created_at DESC, t.subdomain DESC",
        (TenantSort::State, false) => "t.state ASC, t.subdomain ASC",
        (TenantSort::State, true) => "t.state DESC, t.subdomain DESC",
        (TenantSort::Plan, false) => "t.plan ASC, t.subdomain ASC",
        (TenantSort::Plan, true) => "t.plan DESC, t.subdomain DESC",
    }
}

fn conditions(query: &TenantQuery) -> Conditions {
    let mut conditions = Conditions::new();
    // Standby stores are nobody's yet: the pools show them.
    conditions.add_fixed("t.standby = 0");
    if !query.text.is_empty() {
        // The owners are looked up once, not joined to every tenant before filtering.
        conditions.add(
            "(t.subdomain LIKE {} ESCAPE '\\' OR t.owner_id IN \
             (SELECT id FROM users WHERE lower(email) LIKE {} ESCAPE '\\'))",
            contains_pattern(&query.text),
        );
    }
    if let Some(state) = query.state {
        conditions.add("t.state = {}", state.as_str().to_owned());
    }
    if let Some(plan) = &query.plan {
        conditions.add("t.plan = {}", plan.clone());
    }
    conditions
}

/// The page query: the page's tenants are chosen first, off the order's index, and only
/// they are joined to their owners. (Joined before paging, every tenant skipped on the way to
/// a page deep in the table would look its owner up too.)
fn page_sql(conditions: &Conditions, query: &TenantQuery) -> String {
    let order = order_by(query.sort, query.descending);
    let page = tenants_of_page(conditions, query);
    format!(
        "SELECT {}, u.email AS owner_email \
         FROM ({page}) t LEFT JOIN users u ON u.id = t.owner_id ORDER BY {order}",
        columns("t")
    )
}

/// The tenants of the page, alone: `page_sql`'s inner query.
fn tenants_of_page(conditions: &Conditions, query: &TenantQuery) -> String {
    conditions.page_sql("t.* FROM tenants t", order_by(query.sort, query.descending))
}

/// How many tenants match the search and filters.
pub async fn count(conn: &mut AnyConnection, query: &TenantQuery) -> Result<u64> {
    conditions(query).count(conn, "tenants t").await
}

/// The matching tenants in the search's order, `limit` of them after skipping `offset`.
pub async fn page(
    conn: &mut AnyConnection,
    query: &TenantQuery,
    limit: u64,
    offset: u64,
) -> Result<Vec<TenantWithOwner>> {
    let conditions = conditions(query);
    let rows = conditions
        .bind(sqlx::query(&page_sql(&conditions, query)))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|row| Ok((from_row(row)?, row.try_get("owner_email")?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::filter::plans;
    use crate::db::Db;
    use app::domain::TenantState;

    /// How SQLite would choose the tenants of a page of `query`, step by step. (Joining
    /// them to their owners then sorts the page's 50 rows alone.)
    async fn plan(db: &Db, query: &TenantQuery) -> String {
        let conditions = conditions(query);
        let sql = tenants_of_page(&conditions, query);
        plans::plan(db, &conditions, &sql, 7450).await
    }

    #[tokio::test]
    async fn every_order_and_filter_of_the_table_is_read_off_an_index_without_sorting() {
        let (_dir, db) = plans::migrated_sqlite().await;
        let sorts = [
            TenantSort::Created,
            TenantSort::Subdomain,
            TenantSort::State,
            TenantSort::Plan,
        ];
        let filters: [(Option<TenantState>, Option<&str>); 3] = [
            (None, None),
            (Some(TenantState::Ready), None),
            (None, Some("starter")),
        ];
        for sort in sorts {
            for descending in [false, true] {
                for (state, plan_filter) in filters {
                    let query = TenantQuery {
                        sort,
                        descending,
                        state,
                        plan: plan_filter.map(str::to_owned),
                        ..TenantQuery::default()
                    };
                    let plan = plan(&db, &query).await;
                    assert!(!plan.contains("TEMP B-TREE"), "{query:?} sorts: {plan}");
                    assert!(
                        plan.contains("USING INDEX tenants_listed_by"),
                        "{query:?}: {plan}"
                    );
                }
            }
        }
    }
}
