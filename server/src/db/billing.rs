//! Queries of billing: Stripe events handled, and subscriptions.

use sqlx::{any::AnyRow, Any, AnyPool, Row, Transaction};

use super::{is_unique_violation, Result};
use app::domain::subscription::{Observed, Subscription, SUSPEND_CAUSE_PREFIX};
use app::domain::JobKind;

const COLUMNS: &str =
    "subscription_id, tenant_id, customer_id, status, status_at, past_due_since, canceled_at";

fn from_row(row: &AnyRow) -> Result<(String, Subscription)> {
    let status: String = row.try_get("status")?;
    Ok((
        row.try_get("subscription_id")?,
        Subscription {
            tenant_id: row.try_get("tenant_id")?,
            customer_id: row.try_get("customer_id")?,
            status: status.parse().unwrap_or(Observed::Pending),
            status_at: row.try_get("status_at")?,
            past_due_since: row.try_get("past_due_since")?,
            canceled_at: row.try_get("canceled_at")?,
        },
    ))
}

/// Records an event as handled, first thing in the caller's transaction. False when it was
/// already recorded: the caller then rolls back and does nothing.
pub async fn insert_event(
    tx: &mut Transaction<'_, Any>,
    id: &str,
    kind: &str,
    created: i64,
    now: i64,
) -> Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO stripe_events (id, type, created, received_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(kind)
    .bind(created)
    .bind(now)
    .execute(&mut **tx)
    .await;
    match inserted {
        Ok(_) => Ok(true),
        Err(error) if is_unique_violation(&error) => Ok(false),
        Err(error) => Err(error.into()),
    }
}

/// The subscription, created empty if unknown, locked for the rest of the transaction (the
/// first write takes the row lock on PostgreSQL, SQLite's writer lock is already held).
pub async fn lock(
    tx: &mut Transaction<'_, Any>,
    subscription_id: &str,
    now: i64,
) -> Result<Subscription> {
    let empty = Subscription::unknown();
    sqlx::query(
        "INSERT INTO subscriptions (subscription_id, status, status_at, updated_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (subscription_id) DO NOTHING",
    )
    .bind(subscription_id)
    .bind(empty.status.as_str())
    .bind(empty.status_at)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE subscriptions SET updated_at = $2 WHERE subscription_id = $1")
        .bind(subscription_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM subscriptions WHERE subscription_id = $1"
    ))
    .bind(subscription_id)
    .fetch_one(&mut **tx)
    .await?;
    Ok(from_row(&row)?.1)
}

/// Stores what billing now knows of a subscription locked with [`lock`].
pub async fn save(
    tx: &mut Transaction<'_, Any>,
    subscription_id: &str,
    subscription: &Subscription,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE subscriptions SET tenant_id = $2, customer_id = $3, status = $4, status_at = $5, \
         past_due_since = $6, canceled_at = $7, updated_at = $8 WHERE subscription_id = $1",
    )
    .bind(subscription_id)
    .bind(subscription.tenant_id.clone())
    .bind(subscription.customer_id.clone())
    .bind(subscription.status.as_str())
    .bind(subscription.status_at)
    .bind(subscription.past_due_since)
    .bind(subscription.canceled_at)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The email of the account owning a tenant.
pub async fn owner_email(tx: &mut Transaction<'_, Any>, tenant_id: &str) -> Result<Option<String>> {
    let email: Option<String> = sqlx::query_scalar(
        "SELECT users.email FROM tenants JOIN users ON users.id = tenants.owner_id \
         WHERE tenants.id = $1",
    )
    .bind(tenant_id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(email)
}

/// The tenant's newest subscription.
pub async fn for_tenant(pool: &AnyPool, tenant_id: &str) -> Result<Option<(String, Subscription)>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM subscriptions WHERE tenant_id = $1 \
         ORDER BY status_at DESC, subscription_id LIMIT 1"
    ))
    .bind(tenant_id)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Every subscription that names a tenant, for the sweep.
pub async fn with_tenants(pool: &AnyPool) -> Result<Vec<(String, Subscription)>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM subscriptions WHERE tenant_id IS NOT NULL ORDER BY subscription_id"
    ))
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Whether the tenant's latest suspension was billing's.
pub async fn suspended_by_billing(pool: &AnyPool, tenant_id: &str) -> Result<bool> {
    let cause: Option<String> = sqlx::query_scalar(
        "SELECT cause FROM tenant_transitions WHERE tenant_id = $1 AND to_state = 'suspended' \
         ORDER BY at DESC, id DESC LIMIT 1",
    )
    .bind(tenant_id)
    .fetch_optional(pool)
    .await?;
    Ok(cause.is_some_and(|c| c.starts_with(SUSPEND_CAUSE_PREFIX)))
}

/// Whether the tenant's latest job is a resumption.
pub async fn resuming(pool: &AnyPool, tenant_id: &str) -> Result<bool> {
    let kind: Option<String> = sqlx::query_scalar(
        "SELECT kind FROM jobs WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(tenant_id)
    .fetch_optional(pool)
    .await?;
    Ok(kind.as_deref() == Some(JobKind::Resume.as_str()))
}
