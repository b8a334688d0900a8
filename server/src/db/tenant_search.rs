//! The admin tenants table's query: search, filters, sort order and one page, with each
//! tenant's owner email from the same query.

use sqlx::{AnyPool, Row};

use app::domain::{TenantQuery, TenantSort};

use super::filter::{contains_pattern, Conditions};
use super::tenants::{columns, from_row, TenantRecord};
use super::Result;

/// A tenant with its owner's email.
pub type TenantWithOwner = (TenantRecord, Option<String>);

const FROM: &str = "FROM tenants t LEFT JOIN users u ON u.id = t.owner_id";

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

/// How many tenants match the search and filters.
pub async fn count(pool: &AnyPool, query: &TenantQuery) -> Result<u64> {
    conditions(query).count(pool, "tenants t").await
}

/// The matching tenants in the search's order, `limit` of them after skipping `offset`.
pub async fn page(
    pool: &AnyPool,
    query: &TenantQuery,
    limit: u64,
    offset: u64,
) -> Result<Vec<TenantWithOwner>> {
    let rows = conditions(query)
        .page(
            pool,
            &format!("{}, u.email AS owner_email {FROM}", columns("t")),
            order_by(query.sort, query.descending),
            limit,
            offset,
        )
        .await?;
    rows.iter()
        .map(|row| Ok((from_row(row)?, row.try_get("owner_email")?)))
        .collect()
}
